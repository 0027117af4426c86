import { Country } from './company.entity';

export const COUNTRIES: readonly Country[] = ['BE', 'NL'];

/** NACE Rev. 2 division, group or class: `20`, `20.1`, `20.14`. */
export const NACE_CODE_PATTERN = /^\d{2}(\.\d{1,2})?$/;

/** Belgian enterprise numbers (KBO/BCE): 10 digits, first 0 or 1, last two = 97 − (first eight mod 97). */
export function isValidBelgianEnterpriseNumber(digits: string): boolean {
  if (!/^[01]\d{9}$/.test(digits)) return false;
  const base = Number(digits.slice(0, 8));
  return 97 - (base % 97) === Number(digits.slice(8));
}

/**
 * Normalises a registration number for its country (so the unique constraint sees one spelling):
 * BE `0403.170.701`, `BE 0403 170 701` → `0403170701`; NL KvK `6890 1234` → `68901234`.
 * Returns an error message instead when it is not a valid number for the country.
 */
export function normaliseRegistrationNumber(
  country: Country,
  raw: string,
): { value: string } | { error: string } {
  const compact = raw.replace(/[\s.]/g, '').toUpperCase();
  if (country === 'BE') {
    const digits = compact.replace(/^BE/, '');
    return isValidBelgianEnterpriseNumber(digits)
      ? { value: digits }
      : {
          error: 'must be a valid Belgian enterprise number (10 digits with mod-97 check, e.g. 0403.170.701)',
        };
  }
  return /^\d{8}$/.test(compact) ? { value: compact } : { error: 'must be a Dutch KvK number (8 digits)' };
}

/** A valid Belgian enterprise number for an 8-digit base below 20,000,000 (test data, demos). */
export function belgianEnterpriseNumber(base: number): string {
  const head = String(Math.trunc(base) % 20_000_000).padStart(8, '0');
  const check = 97 - (Number(head) % 97);
  return `${head}${String(check).padStart(2, '0')}`;
}

import { ACCEPTED_UNITS, Category, QuantityInput, toCanonical } from '@symbiose/engine';

/** Every unit some category accepts (the API's first, category-blind check). */
export const ALL_UNITS: readonly string[] = [...new Set<string>(Object.values(ACCEPTED_UNITS).flat())];

/** Units that need full-load hours to become an annual quantity (a power, not an energy per year). */
export function unitNeedsFullLoadHours(unit: string): boolean {
  return unit === 'MW';
}

/** The annual quantity in the category's canonical unit; the input must have passed the stream rules. */
export function annualQuantityOf(
  category: Category,
  quantity: QuantityInput,
): { amount: number; unit: string } {
  const result = toCanonical(category, quantity);
  if (!result.ok) throw new Error(`unconvertible quantity reached the stream columns: ${result.message}`);
  return { amount: result.amount, unit: result.unit };
}

import { ACCEPTED_UNITS, CANONICAL_UNIT, fromCanonical, toCanonical, type QuantityInput } from './units';
import type { Category } from './domain.types';

interface UnitCase {
  name: string;
  category: Category;
  input: QuantityInput;
  amount?: number;
  error?: string;
}

const CASES: UnitCase[] = [
  // 3600 GJ × 5/18 = 1000 MWh exactly (1 MWh = 3.6 GJ).
  {
    name: '3600 GJ/yr is exactly 1000 MWh/yr',
    category: 'heat',
    input: { amount: 3600, unit: 'GJ/yr' },
    amount: 1000,
  },
  // 0.1 GJ / 3.6 = 0.0277777…, kept to 12 significant digits.
  { name: '0.1 GJ/yr', category: 'heat', input: { amount: 0.1, unit: 'GJ/yr' }, amount: 0.0277777777778 },
  // 1 TJ = 1e6 MJ / 3600 MJ/MWh = 277.777… MWh.
  { name: '1 TJ/yr', category: 'heat', input: { amount: 1, unit: 'TJ/yr' }, amount: 277.777777778 },
  // 1.8 TJ × 2500 / 9 = 500 MWh (WarmCO2's 1,800 TJ/yr is 500 GWh/yr).
  {
    name: '1800 TJ/yr is 500,000 MWh/yr',
    category: 'heat',
    input: { amount: 1800, unit: 'TJ/yr' },
    amount: 500000,
  },
  { name: '2.5 GWh/yr', category: 'heat', input: { amount: 2.5, unit: 'GWh/yr' }, amount: 2500 },
  { name: 'MWh/yr unchanged', category: 'heat', input: { amount: 67000, unit: 'MWh/yr' }, amount: 67000 },
  // 25 MW × 2700 h = 67,500 MWh.
  {
    name: '25 MW at 2700 full-load hours',
    category: 'heat',
    input: { amount: 25, unit: 'MW', fullLoadHours: 2700 },
    amount: 67500,
  },
  {
    name: '10 MW at 8784 h (leap year)',
    category: 'heat',
    input: { amount: 10, unit: 'MW', fullLoadHours: 8784 },
    amount: 87840,
  },
  {
    name: 'MW without hours',
    category: 'heat',
    input: { amount: 10, unit: 'MW' },
    error: 'full_load_hours_required',
  },
  {
    name: 'MW with 9000 h',
    category: 'heat',
    input: { amount: 10, unit: 'MW', fullLoadHours: 9000 },
    error: 'full_load_hours_out_of_range',
  },
  {
    name: 'MW with 0.5 h',
    category: 'heat',
    input: { amount: 10, unit: 'MW', fullLoadHours: 0.5 },
    error: 'full_load_hours_out_of_range',
  },
  { name: '4.5 kt/yr hydrogen', category: 'hydrogen', input: { amount: 4.5, unit: 'kt/yr' }, amount: 4500 },
  { name: '0.07 kt/yr co2', category: 'co2', input: { amount: 0.07, unit: 'kt/yr' }, amount: 70 },
  { name: '1.2 kt/yr material', category: 'material', input: { amount: 1.2, unit: 'kt/yr' }, amount: 1200 },
  { name: 'm3/yr water', category: 'water', input: { amount: 1234.5, unit: 'm3/yr' }, amount: 1234.5 },
  {
    name: 't/yr is not a water unit',
    category: 'water',
    input: { amount: 1, unit: 't/yr' },
    error: 'unit_not_accepted',
  },
  {
    name: 'MWh/yr is not a material unit',
    category: 'material',
    input: { amount: 1, unit: 'MWh/yr' },
    error: 'unit_not_accepted',
  },
  { name: 'negative amount', category: 'co2', input: { amount: -1, unit: 't/yr' }, error: 'invalid_amount' },
  { name: 'NaN amount', category: 'co2', input: { amount: NaN, unit: 't/yr' }, error: 'invalid_amount' },
];

describe('toCanonical', () => {
  it.each(CASES)('$name', ({ category, input, amount, error }) => {
    const r = toCanonical(category, input);
    if (error !== undefined) {
      expect(r).toMatchObject({ ok: false, code: error });
      return;
    }
    expect(r).toEqual({ ok: true, amount, unit: CANONICAL_UNIT[category] });
  });

  it('rejects an unknown category', () => {
    expect(toCanonical('steam' as Category, { amount: 1, unit: 'MWh/yr' })).toMatchObject({
      ok: false,
      code: 'unknown_category',
    });
  });

  it('every accepted unit except MW converts, and fromCanonical inverts it', () => {
    for (const category of Object.keys(ACCEPTED_UNITS) as Category[]) {
      for (const unit of ACCEPTED_UNITS[category]) {
        if (unit === 'MW') continue;
        const r = toCanonical(category, { amount: 7.25, unit });
        if (!r.ok) throw new Error(r.message);
        expect(fromCanonical(category, r.amount, unit)).toEqual({ ok: true, amount: 7.25, unit });
      }
    }
  });

  it('fromCanonical: 1000 MWh is exactly 3600 GJ', () => {
    expect(fromCanonical('heat', 1000, 'GJ/yr')).toEqual({ ok: true, amount: 3600, unit: 'GJ/yr' });
  });
});

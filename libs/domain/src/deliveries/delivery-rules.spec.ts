import { deliveryToCanonical, factorSetForMonth, periodProblem, plausibleMonthlyMax } from './delivery-rules';

describe('delivery rules', () => {
  it.each([
    ['heat', 1, 'GWh', 1000, 'MWh'],
    ['heat', 3600, 'GJ', 1000, 'MWh'],
    ['heat', 3.6, 'TJ', 1000, 'MWh'],
    ['co2', 2.5, 'kt', 2500, 't'],
    ['water', 40, 'm3', 40, 'm3'],
  ] as const)('%s: %d %s is %d %s', (category, amount, unit, canonical, canonicalUnit) => {
    expect(deliveryToCanonical(category, amount, unit)).toEqual({
      ok: true,
      amount: canonical,
      unit: canonicalUnit,
    });
  });

  it('rejects rates and units of another category', () => {
    expect(deliveryToCanonical('heat', 1, 'MWh/yr')).toMatchObject({ ok: false });
    expect(deliveryToCanonical('heat', 1, 't')).toMatchObject({ ok: false });
    expect(deliveryToCanonical('water', 1, 'kt')).toMatchObject({ ok: false });
  });

  it('bounds a month at 1.5 × the annual quantity / 12', () => {
    expect(plausibleMonthlyMax(12000)).toBe(1500);
  });

  it('accepts past and current months only, from the activation month', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    expect(periodProblem('2026-03', now, null)).toBeNull();
    expect(periodProblem('2026-04', now, null)).toMatch(/future/);
    expect(periodProblem('2026-13', now, null)).toMatch(/YYYY-MM/);
    expect(periodProblem('1999-12', now, null)).toMatch(/2000-01/);
    expect(periodProblem('2025-12', now, '2026-01')).toMatch(/activated/);
    // Midnight in Brussels is already the next month while UTC is still in the old one.
    expect(periodProblem('2026-04', new Date('2026-03-31T22:30:00Z'), null)).toBeNull();
  });

  it('uses the factor set in force for the month', () => {
    expect(factorSetForMonth('2026-01').version).toBe('2026.1');
    expect(factorSetForMonth('2001-06').version).toBe('2026.1');
  });
});

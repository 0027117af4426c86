import { CATEGORIES, CURRENT_FACTOR_SET, estimatePair } from '@symbiose/engine';
import { demand, site, supply } from '../../../engine/src/testing/stream.fixtures';
import {
  coarsenDetail,
  coarsenEstimate,
  HIDDEN_NOTE,
  redactExplanation,
  roundDistance5,
  roundSignificant,
} from './confidentiality';

describe('confidentiality rounding', () => {
  it.each([
    [123456, 120000],
    [1549, 1500],
    [1550, 1600],
    [0.012345, 0.012],
    [-987, -990],
    [0, 0],
  ])('roundSignificant(%p) = %p', (value, expected) => {
    expect(roundSignificant(value)).toBeCloseTo(expected, 10);
  });

  it.each([
    [0.3, 5],
    [7.4, 5],
    [7.5, 10],
    [23.47, 25],
    [101, 100],
  ])('roundDistance5(%p) = %p', (km, expected) => {
    expect(roundDistance5(km)).toBe(expected);
  });

  it('coarsens every size- or place-dependent number of an estimate', () => {
    const e = coarsenEstimate({
      exchangedQuantity: { amount: 12345.6, unit: 'MWh/yr' },
      distanceKm: 11.12,
      routeKm: 13.34,
      transportMode: 'pipeline',
      energySavedMWhPerYear: 10987.6,
      co2AvoidedTonnesPerYear: 2345.6,
      grossCo2TonnesPerYear: 2456.7,
      deductedCo2TonnesPerYear: 111.1,
    });
    expect(e).toEqual({
      exchangedQuantity: { amount: 12000, unit: 'MWh/yr' },
      distanceKm: 10,
      routeKm: 15,
      transportMode: 'pipeline',
      energySavedMWhPerYear: 11000,
      co2AvoidedTonnesPerYear: 2300,
      grossCo2TonnesPerYear: 2500,
      deductedCo2TonnesPerYear: 110,
    });
  });
});

describe('redactExplanation', () => {
  // The counterpart (demand) has distinctive numbers; the own side (supply) is the smaller one for
  // some categories and the larger for others, so the min() step shows either.
  const counterpartLat = 51.123457;
  const counterpartLon = 3.876543;
  const counterpartQuantity = 4321.987;

  it.each(CATEGORIES.map((c) => [c]))(
    '%s: no exact counterpart coordinate or quantity survives',
    (category) => {
      const s = supply(category, { annualQuantity: 98765.4321, site: site(51.05, 3.81, 'BE') });
      const d = demand(category, {
        annualQuantity: counterpartQuantity,
        site: site(counterpartLat, counterpartLon, 'NL'),
      });
      const result = estimatePair(s, d, CURRENT_FACTOR_SET);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const redacted = redactExplanation(result.explanation, 'demand');
      const text = JSON.stringify(redacted);
      for (const secret of [
        counterpartLat,
        counterpartLon,
        counterpartQuantity,
        result.distanceKm,
        result.routeKm,
      ]) {
        expect(text).not.toContain(String(secret));
      }
      const step = (label: string) => redacted.steps.find((x) => x.label === label);
      expect(step('demand_latitude')).toMatchObject({ value: null, note: HIDDEN_NOTE });
      expect(step('demand_longitude')).toMatchObject({ value: null, note: HIDDEN_NOTE });
      // The officer's own site stays as it is; the distance is shown like the counterpart's (5 km).
      expect(step('supply_latitude')?.value).toBe(51.05);
      expect(step('distance_km')?.value).toBe(roundDistance5(result.distanceKm));
      expect(step('demand_quantity')?.value).toBe(roundSignificant(counterpartQuantity));
      // Labels, formulas, units and factors are untouched, so the explanation still reads the same.
      expect(redacted.steps.map((x) => [x.label, x.formula, x.unit])).toEqual(
        result.explanation.steps.map((x) => [x.label, x.formula, x.unit]),
      );
      expect(redacted.factors).toEqual(result.explanation.factors);
    },
  );

  it('hides the supply side when the officer is on the demand side', () => {
    const result = estimatePair(
      supply('heat', { site: site(51.087654, 3.7654321) }),
      demand('heat'),
      CURRENT_FACTOR_SET,
    );
    if (!result.ok) throw new Error(result.reason);
    const redacted = redactExplanation(result.explanation, 'supply');
    expect(JSON.stringify(redacted)).not.toContain('51.087654');
    expect(redacted.steps.find((x) => x.label === 'demand_latitude')?.value).toBe(51);
  });

  it('leaves a non-explanation (e.g. a rejection) alone', () => {
    expect(redactExplanation({ rejected: 'beyond_reach' } as never, 'demand')).toEqual({
      rejected: 'beyond_reach',
    });
  });
});

describe('coarsenDetail', () => {
  it.each([
    [
      "distance 26.12 km exceeds the receiver's limit of 20 km",
      "distance 25 km exceeds the receiver's limit of 20 km",
    ],
    [
      'great-circle distance 123.4 km exceeds the co2 reach of 100 km',
      'great-circle distance 125 km exceeds the co2 reach of 100 km',
    ],
    [
      'net CO2 -12.34 t (gross 1234 t − deducted 1246 t) is not a saving',
      'net CO2 -12 t (gross 1200 t − deducted 1200 t) is not a saving',
    ],
    [
      'supply purity 95 % is below the 99.5 % the demand needs',
      'supply purity 95 % is below the 99.5 % the demand needs',
    ],
    [
      'heat streams need a numeric temperatureC on both sides',
      'heat streams need a numeric temperatureC on both sides',
    ],
  ])('%s', (detail, expected) => {
    expect(coarsenDetail(detail)).toBe(expected);
  });
});

describe('roundSignificant exactness', () => {
  it.each([
    [499_999, 500_000],
    [123_456, 120_000],
    [0.0012345, 0.0012],
    [-67_890, -68_000],
  ])('%p rounds to exactly %p (no float dust in responses)', (value, expected) => {
    expect(roundSignificant(value)).toBe(expected);
  });
});

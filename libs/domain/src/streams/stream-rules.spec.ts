import { MATERIAL_TAXONOMY, MATERIAL_TYPES } from '@symbiose/engine';
import { DEMO_REGION, demoStreamInput } from '../demo/demo-seed';
import type { StreamInput } from './stream-input';
import { matchingFieldsDiffer, anyFieldDiffers, streamColumns } from './stream-mapping';
import { regionDate, resolveHazardous, streamInputErrors } from './stream-rules';
import { annualQuantityOf } from './stream-units';

const TODAY = '2026-06-15';
const check = (input: StreamInput, availableUntilSet = true) =>
  streamInputErrors(input, { today: TODAY, availableUntilSet });

const heat = (overrides: Partial<StreamInput> = {}): StreamInput => ({
  siteId: '00000000-0000-4000-8000-000000000001',
  direction: 'supply',
  category: 'heat',
  title: 'Heat',
  quantity: { amount: 1000, unit: 'MWh/yr' },
  heat: { temperatureC: 95, medium: 'hot_water' },
  currentHandling: 'cooling_tower',
  ...overrides,
});

describe('unit conversion to the canonical annual quantity', () => {
  it.each([
    ['heat', 1234.5, 'MWh/yr', undefined, 1234.5, 'MWh/yr'],
    ['heat', 1.5, 'GWh/yr', undefined, 1500, 'MWh/yr'],
    ['heat', 3600, 'GJ/yr', undefined, 1000, 'MWh/yr'],
    ['heat', 1, 'GJ/yr', undefined, 0.277777777778, 'MWh/yr'],
    ['heat', 1800, 'TJ/yr', undefined, 500000, 'MWh/yr'],
    ['heat', 36, 'TJ/yr', undefined, 10000, 'MWh/yr'],
    ['heat', 25, 'MW', 2700, 67500, 'MWh/yr'],
    ['heat', 0.5, 'MW', 8760, 4380, 'MWh/yr'],
    ['co2', 70, 'kt/yr', undefined, 70000, 't/yr'],
    ['co2', 55000, 't/yr', undefined, 55000, 't/yr'],
    ['hydrogen', 4.5, 'kt/yr', undefined, 4500, 't/yr'],
    ['material', 1.2, 'kt/yr', undefined, 1200, 't/yr'],
    ['material', 0.001, 'kt/yr', undefined, 1, 't/yr'],
    ['water', 2500000, 'm3/yr', undefined, 2500000, 'm3/yr'],
  ] as const)('%s: %d %s (FLH %s) = %d %s', (category, amount, unit, fullLoadHours, expected, canonical) => {
    expect(annualQuantityOf(category, { amount, unit, fullLoadHours })).toEqual({
      amount: expected,
      unit: canonical,
    });
  });
});

describe('stream rules (cross-field)', () => {
  it('accepts a valid stream', () => {
    expect(check(heat())).toEqual({});
  });

  it.each<[string, Partial<StreamInput>, string]>([
    ['missing block', { heat: undefined }, 'heat'],
    ['block of another category', { co2: { purityPct: 99 } }, 'co2'],
    ['unit of another category', { quantity: { amount: 5, unit: 't/yr' } }, 'quantity.unit'],
    ['MW without hours', { quantity: { amount: 5, unit: 'MW' } }, 'quantity.fullLoadHours'],
    [
      'hours beyond a leap year',
      { quantity: { amount: 5, unit: 'MW', fullLoadHours: 9000 } },
      'quantity.fullLoadHours',
    ],
    [
      'hours without MW',
      { quantity: { amount: 5, unit: 'MWh/yr', fullLoadHours: 100 } },
      'quantity.fullLoadHours',
    ],
    ['over the cap', { quantity: { amount: 101, unit: 'TWh/yr' as string } }, 'quantity.unit'],
    ['over the canonical cap', { quantity: { amount: 100_001, unit: 'GWh/yr' } }, 'quantity.amount'],
    ['zero amount', { quantity: { amount: 0, unit: 'MWh/yr' } }, 'quantity.amount'],
    ['supply without handling', { currentHandling: null }, 'currentHandling'],
    ['supply with a source', { currentSource: 'natural_gas_boiler' }, 'currentSource'],
    [
      'return not below supply',
      { heat: { temperatureC: 90, medium: 'hot_water', returnTemperatureC: 90 } },
      'heat.returnTemperatureC',
    ],
    ['regulatory status on heat', { regulatoryStatus: 'waste' }, 'regulatoryStatus'],
    ['window reversed', { availableFrom: '2027-01-01', availableUntil: '2026-12-31' }, 'availableUntil'],
    ['until in the past', { availableUntil: '2026-06-14' }, 'availableUntil'],
  ])('%s → %s', (_name, overrides, path) => {
    expect(Object.keys(check(heat(overrides)))).toContain(path);
  });

  it('checks a demand: its source must suit the category', () => {
    const demand = heat({ direction: 'demand', currentHandling: null, currentSource: 'smr_hydrogen' });
    expect(check(demand)).toEqual({ currentSource: expect.stringMatching(/natural_gas_boiler/) });
    expect(check({ ...demand, currentSource: 'natural_gas_boiler' })).toEqual({});
    expect(check({ ...demand, currentSource: null })).toHaveProperty('currentSource');
    expect(
      check({ ...demand, currentSource: 'natural_gas_boiler', currentHandling: 'vented' }),
    ).toHaveProperty('currentHandling');
  });

  it('checks materials: legal status, EWC code and the hazardous flag', () => {
    const slag = heat({
      category: 'material',
      heat: undefined,
      quantity: { amount: 1, unit: 'kt/yr' },
      material: { materialType: 'blast_furnace_slag', ewcCode: '10 02 02' },
      regulatoryStatus: 'by_product',
      currentHandling: 'landfill',
    });
    expect(check(slag)).toEqual({});
    expect(check({ ...slag, regulatoryStatus: null })).toHaveProperty('regulatoryStatus');
    expect(
      check({ ...slag, regulatoryStatus: 'waste', material: { materialType: 'gypsum' } }),
    ).toHaveProperty(['material.ewcCode']);
    expect(
      check({ ...slag, material: { materialType: 'fly_ash', ewcCode: '10 01 16*', hazardous: false } }),
    ).toHaveProperty(['material.hazardous']);
    expect(check({ ...slag, material: { materialType: 'fly_ash', ewcCode: '10 01 16' } })).toEqual({});
  });

  it('does not judge an old availableUntil the request did not set', () => {
    expect(check(heat({ availableUntil: '2020-01-01' }), false)).toEqual({});
  });

  it('resolves the hazardous flag from the stream, the EWC code or the type', () => {
    expect(resolveHazardous('fly_ash', '10 01 16*', undefined)).toBe(true);
    expect(resolveHazardous('fly_ash', '10 01 02', undefined)).toBe(false);
    expect(resolveHazardous('spent_sulphuric_acid', null, undefined)).toBe(true);
    expect(resolveHazardous('gypsum', null, true)).toBe(true);
  });

  it('tells matching-relevant changes from cosmetic ones', () => {
    const base = streamColumns(heat());
    expect(anyFieldDiffers(base, streamColumns(heat()))).toBe(false);
    expect(matchingFieldsDiffer(base, streamColumns(heat({ title: 'Renamed', visibility: 'named' })))).toBe(
      false,
    );
    expect(anyFieldDiffers(base, streamColumns(heat({ title: 'Renamed' })))).toBe(true);
    expect(matchingFieldsDiffer(base, streamColumns(heat({ quantity: { amount: 1, unit: 'GWh/yr' } })))).toBe(
      false, // the same 1000 MWh/yr entered in another unit
    );
    expect(anyFieldDiffers(base, streamColumns(heat({ quantity: { amount: 1, unit: 'GWh/yr' } })))).toBe(
      true,
    );
    expect(matchingFieldsDiffer(base, streamColumns(heat({ maxDistanceKm: 20 })))).toBe(true);
    expect(
      matchingFieldsDiffer(base, streamColumns(heat({ heat: { temperatureC: 96, medium: 'hot_water' } }))),
    ).toBe(true);
  });

  it('uses the region calendar for dates', () => {
    // 23:30 UTC on 30 June is already 1 July in Brussels (CEST, UTC+2).
    expect(regionDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(regionDate(new Date('2026-12-31T22:59:00Z'))).toBe('2026-12-31');
  });

  it('accepts every demo stream of the reference region', () => {
    for (const s of DEMO_REGION.streams) {
      expect({ title: s.title, errors: check(demoStreamInput(s, heat().siteId)) }).toEqual({
        title: s.title,
        errors: {},
      });
    }
  });

  it('knows every material type of the taxonomy', () => {
    expect(Object.keys(MATERIAL_TAXONOMY).sort()).toEqual([...MATERIAL_TYPES].sort());
  });
});

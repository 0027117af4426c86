import { assembleReport, AtomicCell, MeasuredGroup } from './report-assembly';

const cell = (
  month: string,
  category: string,
  energy: number,
  co2: number,
  companies: number,
): AtomicCell => ({
  month,
  category,
  supplierRegion: 'BE-VOV',
  receiverRegion: 'BE-VOV',
  energy,
  co2,
  companies,
});

describe('report assembly and suppression', () => {
  const groups: MeasuredGroup[] = [
    { periodStart: '2025-02', energy: 30, co2: 3, exchanges: 2, companies: 4 },
    { periodStart: '2025-01', energy: 11, co2: 1.1, exchanges: 3, companies: 5 },
    { periodStart: '2025-03', energy: 5, co2: 0.5, exchanges: 1, companies: 2 },
  ];
  const total: MeasuredGroup = { energy: 46, co2: 4.6, exchanges: 4, companies: 6 };
  const atomic = [
    cell('2025-01', 'heat', 10, 1, 4),
    cell('2025-01', 'co2', 1, 0.1, 2),
    cell('2025-02', 'heat', 30, 3, 4),
    cell('2025-03', 'heat', 5, 0.5, 2),
  ];
  const options = { groupBy: ['period'] as const, grain: 'month' as const, attribution: 'receiver' as const };

  it('gives every number, sorted, to a caller who sees everything', () => {
    const out = assembleReport(groups, total, { ...options, atomic: null });
    expect(out.rows.map((r) => [r.period, r.co2AvoidedTonnes, r.suppressed])).toEqual([
      ['2025-01', 1.1, false],
      ['2025-02', 3, false],
      ['2025-03', 0.5, false],
    ]);
    expect(out.totals).toMatchObject({ energySavedMWh: 46, co2AvoidedTonnes: 4.6, companies: 6 });
  });

  it('publishes only cells of 3 or more companies; totals are the sum of what is published', () => {
    const out = assembleReport(groups, total, { ...options, atomic });
    expect(out.rows).toEqual([
      {
        period: '2025-01',
        energySavedMWh: 10,
        co2AvoidedTonnes: 1,
        exchanges: 3,
        companies: 5,
        suppressed: false,
        partial: true,
      },
      {
        period: '2025-02',
        energySavedMWh: 30,
        co2AvoidedTonnes: 3,
        exchanges: 2,
        companies: 4,
        suppressed: false,
        partial: false,
      },
      {
        period: '2025-03',
        energySavedMWh: null,
        co2AvoidedTonnes: null,
        exchanges: null,
        companies: null,
        suppressed: true,
        partial: false,
      },
    ]);
    expect(out.totals).toEqual({
      energySavedMWh: 40,
      co2AvoidedTonnes: 4,
      exchanges: 4,
      companies: 6,
      suppressed: false,
      partial: true,
    });
  });

  it('suppresses the totals when nothing is publishable, and reports an empty range as zeros', () => {
    const small = assembleReport([groups[2]], { ...groups[2] }, { ...options, atomic: [atomic[3]] });
    expect(small.totals).toMatchObject({ suppressed: true, co2AvoidedTonnes: null, companies: null });
    const empty = assembleReport([], null, { ...options, atomic: [] });
    expect(empty).toEqual({
      rows: [],
      totals: {
        energySavedMWh: 0,
        co2AvoidedTonnes: 0,
        exchanges: 0,
        companies: 0,
        suppressed: false,
        partial: false,
      },
    });
  });

  it('maps atomic cells to quarters and attributed regions', () => {
    const out = assembleReport(
      [{ periodStart: '2025-01', region: 'NL-ZE', energy: 41, co2: 4.1, exchanges: 3, companies: 5 }],
      { energy: 41, co2: 4.1, exchanges: 3, companies: 5 },
      {
        groupBy: ['period', 'region'],
        grain: 'quarter',
        attribution: 'supplier',
        atomic: [
          { ...cell('2025-02', 'heat', 30, 3, 3), supplierRegion: 'NL-ZE' },
          { ...cell('2025-03', 'heat', 11, 1.1, 2), supplierRegion: 'NL-ZE' },
        ],
      },
    );
    expect(out.rows).toEqual([
      {
        period: '2025-Q1',
        region: 'NL-ZE',
        energySavedMWh: 30,
        co2AvoidedTonnes: 3,
        exchanges: 3,
        companies: 5,
        suppressed: false,
        partial: true,
      },
    ]);
  });
});

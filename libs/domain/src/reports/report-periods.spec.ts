import {
  bucketStart,
  monthFromIndex,
  monthIndex,
  monthsBetween,
  periodLabel,
  periodsBetween,
} from './report-periods';

describe('report periods', () => {
  it('converts months to indexes and back', () => {
    expect(monthFromIndex(monthIndex('2025-01'))).toBe('2025-01');
    expect(monthIndex('2025-01') - monthIndex('2024-12')).toBe(1);
    expect(monthsBetween('2016-01', '2025-12')).toBe(120);
  });

  it.each([
    ['2025-05', 'month', '2025-05', '2025-05'],
    ['2025-05', 'quarter', '2025-04', '2025-Q2'],
    ['2025-12', 'quarter', '2025-10', '2025-Q4'],
    ['2025-05', 'year', '2025-01', '2025'],
  ] as const)('%s in a %s starts %s, labelled %s', (month, grain, start, label) => {
    expect(bucketStart(month, grain)).toBe(start);
    expect(periodLabel(month, grain)).toBe(label);
  });

  it('lists the periods meeting a range, clipped to it', () => {
    expect(periodsBetween('2025-02', '2025-07', 'quarter')).toEqual([
      { label: '2025-Q1', firstMonth: '2025-02', lastMonth: '2025-03', months: 2 },
      { label: '2025-Q2', firstMonth: '2025-04', lastMonth: '2025-06', months: 3 },
      { label: '2025-Q3', firstMonth: '2025-07', lastMonth: '2025-07', months: 1 },
    ]);
    expect(periodsBetween('2024-11', '2025-02', 'month').map((p) => p.label)).toEqual([
      '2024-11',
      '2024-12',
      '2025-01',
      '2025-02',
    ]);
    expect(periodsBetween('2024-06', '2026-01', 'year').map((p) => p.months)).toEqual([7, 12, 1]);
  });
});

import { benchScoreKernel, generateBenchPairs } from './bench-kernel';
import { scorePair } from './pair.engine';

describe('bench kernel', () => {
  it('generates the same pairs every time, most of them scorable', () => {
    const a = generateBenchPairs(200);
    expect(generateBenchPairs(200)).toEqual(a);
    const ok = a.supplies.filter((s, i) => scorePair(s, a.demands[i]).ok).length;
    expect(ok).toBeGreaterThan(40);
  });

  it('reports a positive rate', () => {
    const rate = benchScoreKernel(5000);
    expect(Number.isFinite(rate)).toBe(true);
    expect(rate).toBeGreaterThan(0);
  });
});

import { collectGarbage } from './collect-garbage';

/** Allocates about 50 MB that nothing references once it returns; returns the heap's growth. */
function makeGarbage(): number {
  const before = process.memoryUsage().heapUsed;
  const garbage = Array.from({ length: 1_000_000 }, (_, i) => ({ x: i + 0.5 }));
  return process.memoryUsage().heapUsed - before + (garbage.length - garbage.length);
}

describe('collectGarbage', () => {
  it('collects what nothing references any more', () => {
    expect(collectGarbage()).toBe(true);
    const before = process.memoryUsage().heapUsed;
    const grown = makeGarbage();
    expect(grown).toBeGreaterThan(20e6);
    expect(collectGarbage()).toBe(true);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(grown / 4);
  });
});

import { getHeapSpaceStatistics } from 'node:v8';
import { collectGarbage, scavengeIfFilled } from './collect-garbage';

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

/** Bytes in use in the young generation. */
function youngUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

describe('scavengeIfFilled', () => {
  it('collects the young generation once it is filled past the share, and leaves it alone below', () => {
    collectGarbage();
    // Short-lived objects, fewer than the young generation holds: they stay in it until collected.
    let kept = 0;
    for (let i = 0; i < 20_000; i++) kept += [i, i + 1].length;
    expect(kept).toBe(40_000);
    const filled = youngUsed();
    expect(filled).toBeGreaterThan(100_000);
    // A share above 1 is never reached: nothing is collected.
    expect(scavengeIfFilled(2)).toBe(false);
    expect(youngUsed()).toBeGreaterThanOrEqual(filled);
    // Any share is reached at 0: the garbage is gone.
    expect(scavengeIfFilled(0)).toBe(true);
    expect(youngUsed()).toBeLessThan(filled / 2);
  });
});

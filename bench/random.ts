/**
 * Seeded randomness for the benchmark data: the same seed always gives the same numbers and ids.
 * Nothing here reads the clock or Math.random.
 */

/** mulberry32: a small, fast PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers with good avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Entity kinds of the generated region; each has its own id space. */
export const ID_KIND = { company: 1, site: 2, stream: 3, user: 4, extraStream: 5 } as const;

/**
 * A deterministic UUID (version 4 layout) for entity `index` of `kind` under `seed`. Distinct
 * (kind, index) pairs never collide for a seed: the first word is a bijection of kind × 2^27 + index.
 * It does not depend on the PRNG sequence, so a stream keeps its id when other attributes change.
 */
export function deterministicUuid(seed: number, kind: number, index: number): string {
  if (index < 0 || index >= 2 ** 27 || kind < 0 || kind > 15)
    throw new Error('deterministicUuid: out of range');
  const s = fmix32(seed >>> 0);
  const w0 = fmix32(((kind << 27) | index) ^ s);
  const w1 = fmix32(w0 ^ 0x9e3779b9 ^ s);
  const w2 = fmix32(w1 ^ 0x7f4a7c15);
  const w3 = fmix32(w2 ^ 0x94d049bb);
  const a = hex8(w0);
  const b = hex8(w1);
  const c = hex8(w2);
  const d = hex8(w3);
  // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx
  const variant = ((parseInt(c[0], 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

/** Draws from a seeded uniform source. */
export class Draw {
  private spare: number | null = null;

  constructor(readonly next: () => number) {}

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Normal with mean and standard deviation, redrawn until inside [min, max] (then clamped as a last resort). */
  normal(mean: number, sd: number, min = -Infinity, max = Infinity): number {
    for (let i = 0; i < 8; i++) {
      const x = mean + sd * this.gaussian();
      if (x >= min && x <= max) return x;
    }
    return Math.min(max, Math.max(min, mean));
  }

  /** Log-normal with the given median and sigma of the underlying normal (ln units). */
  logNormal(median: number, sigma: number, min = 0, max = Infinity): number {
    for (let i = 0; i < 8; i++) {
      const x = median * Math.exp(sigma * this.gaussian());
      if (x >= min && x <= max) return x;
    }
    return Math.min(max, Math.max(min, median));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of `items` with the given (unnormalised) weights. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i];
      if (x < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Geometric count ≥ 0 with the given mean. */
  geometric(mean: number): number {
    const p = 1 / (1 + mean);
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }
}

/** Rounds to `digits` significant figures (quantities as people type them). */
export function roundSignificant(x: number, digits: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = 10 ** (digits - Math.ceil(Math.log10(Math.abs(x))));
  return Math.round(x * scale) / scale;
}

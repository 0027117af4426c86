/** The ranking order of DESIGN.md: net CO2 avoided, then energy saved, then shorter route, then ids. */
export interface RankKey {
  score: number;
  energy: number;
  routeKm: number;
  supplyId: string;
  demandId: string;
}

/** Negative when a ranks before (is better than) b. A total order. */
export function compareRank(a: RankKey, b: RankKey): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.energy !== b.energy) return b.energy - a.energy;
  if (a.routeKm !== b.routeKm) return a.routeKm - b.routeKm;
  if (a.supplyId !== b.supplyId) return a.supplyId < b.supplyId ? -1 : 1;
  if (a.demandId !== b.demandId) return a.demandId < b.demandId ? -1 : 1;
  return 0;
}

export const pairKey = (supplyId: string, demandId: string) => `${supplyId}|${demandId}`;

/**
 * Bounded storage rule: a qualifying pair is kept iff it is among the K best pairs of its supply or
 * among the K best of its demand. Returns the kept pairs' keys.
 */
export function selectKeptPairs<P extends RankKey>(pairs: readonly P[], k: number): Set<string> {
  const bySupply = new Map<string, P[]>();
  const byDemand = new Map<string, P[]>();
  for (const p of pairs) {
    let s = bySupply.get(p.supplyId);
    if (!s) bySupply.set(p.supplyId, (s = []));
    s.push(p);
    let d = byDemand.get(p.demandId);
    if (!d) byDemand.set(p.demandId, (d = []));
    d.push(p);
  }
  const kept = new Set<string>();
  for (const group of [bySupply, byDemand]) {
    for (const list of group.values()) {
      const top = list.length <= k ? list : topK(list, k);
      for (const p of top) kept.add(pairKey(p.supplyId, p.demandId));
    }
  }
  return kept;
}

/** The k best of a list, best first, without sorting all of it when it is long. */
export function topK<P extends RankKey>(list: readonly P[], k: number): P[] {
  if (list.length <= k) return [...list].sort(compareRank);
  // Partial selection: keep a sorted buffer of size k; cheap because k is small (≤ 1000).
  const buffer: P[] = [];
  for (const p of list) {
    if (buffer.length === k && compareRank(p, buffer[k - 1]) >= 0) continue;
    let lo = 0;
    let hi = buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareRank(buffer[mid], p) < 0) lo = mid + 1;
      else hi = mid;
    }
    buffer.splice(lo, 0, p);
    if (buffer.length > k) buffer.pop();
  }
  return buffer;
}

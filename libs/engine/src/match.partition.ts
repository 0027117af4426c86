import type { StreamFacts } from './domain.types';
import { isMaterialType, MATERIAL_TYPES, SUBSTITUTIONS } from './material.taxonomy';
import { isWaterQuality, WATER_QUALITIES, WATER_SERVES } from './water.taxonomy';

/**
 * Candidate partitions. Every stream falls in one partition of its direction and lists the partitions
 * of the other direction it can pair with. A pair outside those lists is always rejected by scorePair
 * (incompatible material, a substitution without a sourced factor, incompatible water quality), so a
 * matcher may skip it unscored: with materials 89 % of the pairs inside the 300 km reach are such pairs.
 * match.partition.spec.ts holds the engine to that promise.
 */
const NONE: readonly string[] = Object.freeze([]);

/** supply material type → demand partitions it serves with a sourced substitution. */
const MATERIAL_SERVES = new Map<string, readonly string[]>();
/** demand material type → supply partitions that serve it. */
const MATERIAL_SERVED_BY = new Map<string, readonly string[]>();
for (const t of MATERIAL_TYPES) {
  const quantified = SUBSTITUTIONS.filter((s) => s.avoidedFactorId !== null);
  MATERIAL_SERVES.set(
    t,
    Object.freeze(quantified.filter((s) => s.supplyType === t).map((s) => `material:${s.demandType}`)),
  );
  MATERIAL_SERVED_BY.set(
    t,
    Object.freeze(quantified.filter((s) => s.demandType === t).map((s) => `material:${s.supplyType}`)),
  );
}
const WATER_SERVES_KEYS = new Map<string, readonly string[]>();
const WATER_SERVED_BY_KEYS = new Map<string, readonly string[]>();
for (const q of WATER_QUALITIES) {
  WATER_SERVES_KEYS.set(q, Object.freeze(WATER_SERVES[q].map((d) => `water:${d}`)));
  WATER_SERVED_BY_KEYS.set(
    q,
    Object.freeze(WATER_QUALITIES.filter((s) => WATER_SERVES[s].includes(q)).map((s) => `water:${s}`)),
  );
}
const SINGLE = new Map<string, readonly string[]>(
  (['heat', 'co2', 'hydrogen'] as const).map((c) => [c, Object.freeze([c])]),
);

function classOf(s: StreamFacts): string | null {
  const q = s.quality as unknown as Record<string, unknown> | null | undefined;
  if (typeof q !== 'object' || q === null) return null;
  if (s.category === 'material') return isMaterialType(q.materialType) ? q.materialType : null;
  if (s.category === 'water') return isWaterQuality(q.quality) ? q.quality : null;
  return null;
}

/**
 * The partition a stream belongs to within its direction: the category, refined by material type or
 * water quality. Supplies and demands are partitioned separately (a supply's 'material:gypsum' is
 * gypsum on offer, a demand's is gypsum wanted).
 */
export function partitionOf(s: StreamFacts): string {
  if (s.category !== 'material' && s.category !== 'water') return String(s.category);
  return `${s.category}:${classOf(s) ?? '?'}`;
}

/** The partitions of the opposite direction a stream can pair with: every other pair is rejected unscored. */
export function counterpartPartitions(s: StreamFacts): readonly string[] {
  if (s.category !== 'material' && s.category !== 'water') return SINGLE.get(s.category) ?? NONE;
  const c = classOf(s);
  if (c === null) return NONE;
  const supply = s.direction === 'supply';
  if (s.category === 'material') return (supply ? MATERIAL_SERVES : MATERIAL_SERVED_BY).get(c) ?? NONE;
  return (supply ? WATER_SERVES_KEYS : WATER_SERVED_BY_KEYS).get(c) ?? NONE;
}

/**
 * CO2 and hydrogen: the purity (%) a supply offers or a demand needs; NaN for other categories or a
 * purity that is not a finite number. scorePair rejects every pair whose supply offers less than its
 * demand needs (purity_too_low, or an earlier reason), so a matcher may skip such a pair unscored: a
 * third of the CO2 and half of the hydrogen candidates of the synthetic region inside the reach box.
 */
export function purityPctOf(s: StreamFacts): number {
  if (s.category !== 'co2' && s.category !== 'hydrogen') return NaN;
  const q = s.quality as unknown as Record<string, unknown> | null | undefined;
  const p = typeof q === 'object' && q !== null ? q.purityPct : undefined;
  return typeof p === 'number' && Number.isFinite(p) ? p : NaN;
}

import factorSet2026_1 from './factor-set.2026.1.json';

export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export interface Factor {
  readonly id: string;
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly confidence: Confidence;
}

/** A versioned, immutable set of factors. Results always name the version they used. */
export interface FactorSet {
  readonly version: string;
  readonly factors: Readonly<Record<string, Factor>>;
  readonly notes: readonly string[];
}

/** The JSON shape of a factor-set file. */
export interface FactorSetFile {
  version: string;
  factors: ReadonlyArray<{ id: string; value: number; unit: string; source: string; confidence: string }>;
  notes?: readonly string[];
}

function isConfidence(value: string): value is Confidence {
  return (CONFIDENCES as readonly string[]).includes(value);
}

/** Validates a factor-set file and freezes it; throws on a malformed file (a release error, not user input). */
export function defineFactorSet(file: FactorSetFile): FactorSet {
  if (typeof file.version !== 'string' || file.version === '') throw new Error('factor set: version missing');
  const factors: Record<string, Factor> = {};
  for (const f of file.factors) {
    if (Object.prototype.hasOwnProperty.call(factors, f.id))
      throw new Error(`factor set ${file.version}: duplicate ${f.id}`);
    if (!Number.isFinite(f.value))
      throw new Error(`factor set ${file.version}: ${f.id} is not a finite number`);
    if (!isConfidence(f.confidence))
      throw new Error(`factor set ${file.version}: ${f.id} has confidence ${f.confidence}`);
    if (!f.source || !f.unit)
      throw new Error(`factor set ${file.version}: ${f.id} needs a unit and a source`);
    factors[f.id] = Object.freeze({
      id: f.id,
      value: f.value,
      unit: f.unit,
      source: f.source,
      confidence: f.confidence,
    });
  }
  return Object.freeze({
    version: file.version,
    factors: Object.freeze(factors),
    notes: Object.freeze([...(file.notes ?? [])]),
  });
}

export const FACTOR_SET_2026_1: FactorSet = defineFactorSet(factorSet2026_1);
export const CURRENT_FACTOR_SET: FactorSet = FACTOR_SET_2026_1;

/** Every released factor set by version, so an old match or delivery can be re-explained. */
export const FACTOR_SETS: Readonly<Record<string, FactorSet>> = Object.freeze({
  [FACTOR_SET_2026_1.version]: FACTOR_SET_2026_1,
});

export function getFactorSet(version: string): FactorSet | undefined {
  return Object.prototype.hasOwnProperty.call(FACTOR_SETS, version) ? FACTOR_SETS[version] : undefined;
}

import type { Category, TransportMode } from './domain.types';
import type { Confidence } from './factors/factor-set';

/**
 * Soft issues; bit i of a flags mask is FLAGS[i]. Append only: stored masks depend on the order.
 * - shared_counterfactual: the receiver's avoided gas is the same gas a heat match to it would count
 *   (greenhouse CO2 dosing); a receiver taking both must be counted once.
 */
export const FLAGS = [
  'heat_pump_required',
  'cross_border_shipment',
  'waste_status_permit',
  'displaces_existing_use',
  'low_confidence_factor',
  'shared_counterfactual',
] as const;
export type Flag = (typeof FLAGS)[number];

export const FLAG_BIT: Readonly<Record<Flag, number>> = Object.freeze(
  Object.fromEntries(FLAGS.map((f, i) => [f, 1 << i])) as Record<Flag, number>,
);

export function flagsFromMask(mask: number): Flag[] {
  const out: Flag[] = [];
  for (let i = 0; i < FLAGS.length; i++) if (mask & (1 << i)) out.push(FLAGS[i]);
  return out;
}

/** The mask of named flags (flagsFromMask's inverse); a name that is not a flag is a bug: it throws. */
export function maskOfFlags(flags: readonly string[]): number {
  let mask = 0;
  for (const f of flags) {
    if (!Object.hasOwn(FLAG_BIT, f)) throw new RangeError(`not a flag: ${f}`);
    mask |= FLAG_BIT[f as Flag];
  }
  return mask;
}

export const REJECTION_REASONS = [
  'invalid_input',
  'same_direction',
  'wrong_direction',
  'category_mismatch',
  'not_available_in_period',
  'unknown_counterfactual',
  'purity_too_low',
  'temperature_lift_too_high',
  'incompatible_material',
  'incompatible_water_quality',
  'missing_factor',
  'beyond_reach',
  'no_net_saving',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Fast-path result: numbers only. */
export interface PairScoreOk {
  readonly ok: true;
  /** Delivered to the receiver, canonical unit of the category. */
  readonly exchanged: number;
  /** Taken from the supplier, canonical unit (heat: more than delivered with pipe losses, less with a heat pump). */
  readonly supplyUsed: number;
  readonly distanceKm: number;
  readonly routeKm: number;
  readonly mode: TransportMode;
  /** MWh/yr of final energy (fuel LHV + electricity). */
  readonly energySaved: number;
  /** t CO2/yr. */
  readonly netCo2: number;
  readonly grossCo2: number;
  readonly deductedCo2: number;
  readonly flagsMask: number;
}
export interface PairScoreRejected {
  readonly ok: false;
  readonly reason: RejectionReason;
}
export type PairScore = PairScoreOk | PairScoreRejected;

export interface ExplanationStep {
  /** snake_case name; later formulas refer to it. */
  readonly label: string;
  /**
   * Arithmetic over earlier step labels, factor ids and numbers ('+', '-', '*', '/', min, max,
   * haversine), or 'input' / 'policy' for given values.
   */
  readonly formula: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

export interface ExplanationFactor {
  readonly id: string;
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly confidence: Confidence;
}

export interface Explanation {
  readonly engineVersion: string;
  readonly factorSetVersion: string;
  /** How energy is counted: final energy, fuel at its lower heating value and electricity 1:1. */
  readonly energyBasis: 'final_energy_lhv';
  readonly steps: readonly ExplanationStep[];
  readonly factors: readonly ExplanationFactor[];
}

export interface Quantity {
  readonly amount: number;
  readonly unit: string;
}

export interface PairEstimate {
  readonly ok: true;
  readonly supplyStreamId: string;
  readonly demandStreamId: string;
  readonly category: Category;
  readonly exchangedQuantity: Quantity;
  readonly supplyUsedQuantity: Quantity;
  readonly distanceKm: number;
  readonly routeKm: number;
  readonly transportMode: TransportMode;
  readonly energySavedMWhPerYear: number;
  /** Net. */
  readonly co2AvoidedTonnesPerYear: number;
  readonly grossCo2TonnesPerYear: number;
  readonly deductedCo2TonnesPerYear: number;
  readonly flags: readonly Flag[];
  /** = co2AvoidedTonnesPerYear. */
  readonly score: number;
  readonly explanation: Explanation;
}

export interface PairRejection {
  readonly ok: false;
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly supplyStreamId: string;
  readonly demandStreamId: string;
}

export type PairResult = PairEstimate | PairRejection;

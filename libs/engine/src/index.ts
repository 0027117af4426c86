/**
 * @symbiose/engine — pure, deterministic savings and scoring math. Data in, numbers out; no framework,
 * database, queue or I/O imports (a lint rule enforces it).
 */
export * from './domain.types';
export * from './units';
export * from './water.taxonomy';
export * from './material.taxonomy';
export {
  CONFIDENCES,
  CURRENT_FACTOR_SET,
  FACTOR_SET_2026_1,
  FACTOR_SETS,
  defineFactorSet,
  getFactorSet,
  type Confidence,
  type Factor,
  type FactorSet,
  type FactorSetFile,
} from './factors/factor-set';
export { ENGINE_VERSION, ENGINE_FACTOR_IDS } from './engine.constants';
export {
  chordKm,
  EARTH_RADIUS_KM,
  greatCircleKm,
  isValidLatitude,
  isValidLongitude,
  unitVector,
} from './geo.distance';
export { POLICY_REACH_KM, maxReachKm } from './transport.route';
export * from './pair.types';
export { ScoreBuffer, estimateForQuantity, estimatePair, scorePair, scorePairInto } from './pair.engine';
export { counterpartPartitions, partitionOf, purityPctOf } from './match.partition';
export { compareEstimates, type RankableEstimate } from './ranking';
export {
  arrivalAt,
  arrivalCeiling,
  arrivalLossPerKm,
  deductionPerUnitKm,
  beyondReach,
  distanceCeiling,
  distanceFreeRoutePerKm,
  distanceFreeScoreInto,
  heatPairCeiling,
  heatUnitCeiling,
  heatPumpingPerUnitKm,
  type HeatPairCeiling,
  pairCeilingOf,
  pairScoreCeiling,
  perUnitCeiling,
  scoreClassOf,
  temperatureCOf,
} from './score.ceiling';
export { DistanceFreeFigures } from './co2.savings';
export { benchScoreKernel, generateBenchPairs } from './bench-kernel';
export * from './allocation';

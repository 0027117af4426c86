import { co2Savings } from './co2.savings';
import { CANONICAL_UNIT } from './units';
import type { StreamFacts } from './domain.types';
import { constantsFor, ENGINE_VERSION, type EngineConstants } from './engine.constants';
import { CURRENT_FACTOR_SET, type FactorSet } from './factors/factor-set';
import { isValidLatitude, isValidLongitude } from './geo.distance';
import { heatSavings } from './heat.savings';
import { hydrogenSavings } from './hydrogen.savings';
import { materialSavings } from './material.savings';
import { isFiniteNumber, PairContext, reject, Tracer } from './pair.context';
import {
  FLAG_BIT,
  flagsFromMask,
  REJECTION_REASONS,
  type ExplanationFactor,
  type PairEstimate,
  type PairRejection,
  type PairResult,
  type PairScore,
  type PairScoreRejected,
  type RejectionReason,
} from './pair.types';
import { perPeriod } from './savings.common';
import { round } from './transport.route';
import { waterSavings } from './water.savings';

function validSite(x: StreamFacts): boolean {
  const site = x.site;
  return (
    typeof site === 'object' &&
    site !== null &&
    isValidLatitude(site.latitude) &&
    isValidLongitude(site.longitude) &&
    (site.country === 'BE' || site.country === 'NL')
  );
}

function validStream(x: StreamFacts, annual: boolean): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.quality === 'object' &&
    x.quality !== null &&
    validSite(x) &&
    (!annual || (isFiniteNumber(x.annualQuantity) && x.annualQuantity > 0))
  );
}

/** Inclusive 'YYYY-MM-DD' windows; null/undefined ends are open. ISO dates compare as strings. */
function windowsOverlap(s: StreamFacts, d: StreamFacts): boolean {
  const sFrom = s.availableFrom;
  const sUntil = s.availableUntil;
  const dFrom = d.availableFrom;
  const dUntil = d.availableUntil;
  if (sFrom != null && sUntil != null && sFrom > sUntil) return false;
  if (dFrom != null && dUntil != null && dFrom > dUntil) return false;
  if (sFrom != null && dUntil != null && sFrom > dUntil) return false;
  if (dFrom != null && sUntil != null && dFrom > sUntil) return false;
  return true;
}

/** The whole evaluation; both the fast and the explained path run exactly this. */
function evaluate(c: PairContext): boolean {
  const s = c.s;
  const d = c.d;
  const t = c.trace;
  if (
    !validStream(s, c.annual) ||
    !validStream(d, c.annual) ||
    (!c.annual && !(isFiniteNumber(c.quantity) && c.quantity >= 0))
  ) {
    t?.why(
      'streams need a site (latitude, longitude, country BE or NL), a quality block and a positive finite quantity',
    );
    return reject(c, 'invalid_input');
  }
  if (s.direction === d.direction) {
    t?.why(`both streams are ${s.direction} streams`);
    return reject(c, 'same_direction');
  }
  if (s.direction !== 'supply') {
    t?.why('the first stream must be the supply and the second the demand');
    return reject(c, 'wrong_direction');
  }
  if (s.category !== d.category) {
    t?.why(`${s.category} supply cannot serve a ${d.category} demand`);
    return reject(c, 'category_mismatch');
  }
  if (!windowsOverlap(s, d)) {
    t?.why(
      `availability does not overlap (supply ${s.availableFrom ?? '…'} to ${s.availableUntil ?? '…'}, demand ${d.availableFrom ?? '…'} to ${d.availableUntil ?? '…'})`,
    );
    return reject(c, 'not_available_in_period');
  }
  let ok: boolean;
  switch (s.category) {
    case 'heat':
      ok = heatSavings(c);
      break;
    case 'co2':
      ok = co2Savings(c);
      break;
    case 'hydrogen':
      ok = hydrogenSavings(c);
      break;
    case 'material':
      ok = materialSavings(c);
      break;
    case 'water':
      ok = waterSavings(c);
      break;
    default:
      t?.why(`unknown category ${String(s.category)}`);
      return reject(c, 'invalid_input');
  }
  if (!ok) return false;
  c.net = c.gross - c.deducted;
  t?.step(
    'net_co2_t',
    'gross_co2_t - deducted_co2_t',
    c.net,
    perPeriod(c, 't'),
    'the score that ranks matches',
  );
  if (c.low !== 0) c.flags |= FLAG_BIT.low_confidence_factor;
  if (!(c.net > 0) && c.exchanged > 0) {
    t?.why(
      `net CO2 ${round(c.net)} t (gross ${round(c.gross)} t − deducted ${round(c.deducted)} t) is not a saving`,
    );
    return reject(c, 'no_net_saving');
  }
  return true;
}

const HOT = new PairContext();
const REJECTED: Readonly<Record<RejectionReason, PairScoreRejected>> = Object.freeze(
  Object.fromEntries(REJECTION_REASONS.map((r) => [r, Object.freeze({ ok: false, reason: r })])) as Record<
    RejectionReason,
    PairScoreRejected
  >,
);

/** Mutable result for scorePairInto: a caller scoring millions of pairs reuses one. */
export class ScoreBuffer {
  ok = false;
  reason: RejectionReason | null = null;
  exchanged = 0;
  supplyUsed = 0;
  distanceKm = 0;
  routeKm = 0;
  mode: PairContext['mode'] = 'pipeline';
  energySaved = 0;
  netCo2 = 0;
  grossCo2 = 0;
  deductedCo2 = 0;
  flagsMask = 0;
}

/** Allocation-free scoring into a reusable buffer. Returns buffer.ok. */
export function scorePairInto(
  out: ScoreBuffer,
  supply: StreamFacts,
  demand: StreamFacts,
  factors: FactorSet = CURRENT_FACTOR_SET,
): boolean {
  const c = HOT;
  c.reset(constantsFor(factors), supply, demand, true, 0, null);
  const ok = evaluate(c);
  out.ok = ok;
  out.reason = c.reason;
  out.exchanged = c.exchanged;
  out.supplyUsed = c.supplyUsed;
  out.distanceKm = c.distanceKm;
  out.routeKm = c.routeKm;
  out.mode = c.mode;
  out.energySaved = c.energySaved;
  out.netCo2 = c.net;
  out.grossCo2 = c.gross;
  out.deductedCo2 = c.deducted;
  out.flagsMask = c.flags;
  return ok;
}

/** Fast path for the matcher: numbers only, no explanation. Same math as estimatePair. */
export function scorePair(
  supply: StreamFacts,
  demand: StreamFacts,
  factors: FactorSet = CURRENT_FACTOR_SET,
): PairScore {
  const c = HOT;
  c.reset(constantsFor(factors), supply, demand, true, 0, null);
  if (!evaluate(c)) return REJECTED[c.reason ?? 'invalid_input'];
  return {
    ok: true,
    exchanged: c.exchanged,
    supplyUsed: c.supplyUsed,
    distanceKm: c.distanceKm,
    routeKm: c.routeKm,
    mode: c.mode,
    energySaved: c.energySaved,
    netCo2: c.net,
    grossCo2: c.gross,
    deductedCo2: c.deducted,
    flagsMask: c.flags,
  };
}

function explained(
  supply: StreamFacts,
  demand: StreamFacts,
  annual: boolean,
  quantity: number,
  factors: FactorSet,
): PairResult {
  const C: EngineConstants = constantsFor(factors);
  const trace = new Tracer(C.values.length);
  const c = new PairContext();
  c.reset(C, supply, demand, annual, quantity, trace);
  const supplyStreamId = String(supply?.id);
  const demandStreamId = String(demand?.id);
  if (!evaluate(c)) {
    const rejection: PairRejection = {
      ok: false,
      reason: c.reason ?? 'invalid_input',
      detail: trace.detail || (c.reason ?? 'invalid_input'),
      supplyStreamId,
      demandStreamId,
    };
    return rejection;
  }
  const unit = CANONICAL_UNIT[supply.category];
  const usedFactors: ExplanationFactor[] = trace.factorOrder.map((i) => {
    const f = C.factors[i];
    return { id: f.id, value: f.value, unit: f.unit, source: f.source, confidence: f.confidence };
  });
  const estimate: PairEstimate = {
    ok: true,
    supplyStreamId,
    demandStreamId,
    category: supply.category,
    exchangedQuantity: { amount: c.exchanged, unit },
    supplyUsedQuantity: { amount: c.supplyUsed, unit },
    distanceKm: c.distanceKm,
    routeKm: c.routeKm,
    transportMode: c.mode,
    energySavedMWhPerYear: c.energySaved,
    co2AvoidedTonnesPerYear: c.net,
    grossCo2TonnesPerYear: c.gross,
    deductedCo2TonnesPerYear: c.deducted,
    flags: flagsFromMask(c.flags),
    score: c.net,
    explanation: {
      engineVersion: ENGINE_VERSION,
      factorSetVersion: factors.version,
      energyBasis: 'final_energy_lhv',
      steps: trace.steps,
      factors: usedFactors,
    },
  };
  return estimate;
}

/** Full annual estimate with its explanation. Numbers are identical to scorePair's. */
export function estimatePair(
  supply: StreamFacts,
  demand: StreamFacts,
  factors: FactorSet = CURRENT_FACTOR_SET,
): PairResult {
  return explained(supply, demand, true, 0, factors);
}

/**
 * The same math for a quantity actually delivered (e.g. one month), in the category's canonical unit as
 * received by the demand. The result's "PerYear" fields then refer to that quantity's period.
 */
export function estimateForQuantity(
  supply: StreamFacts,
  demand: StreamFacts,
  quantity: number,
  factors: FactorSet = CURRENT_FACTOR_SET,
): PairResult {
  return explained(supply, demand, false, quantity, factors);
}

import type { MatchSide } from './match-workflow';

/**
 * What an officer may see of an anonymous counterpart before mutual interest: category, region,
 * municipality, distance to 5 km and quantity to two significant figures. These functions coarsen
 * every number of a match that could be traced back to the counterpart's exact quantity or location.
 */

/** Two significant figures: enough to judge size, not enough to identify a plant. */
export function roundSignificant(value: number, digits = 2): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  // toPrecision rounds in decimal, so 500000 stays 500000 (scaling by powers of ten leaves float dust).
  return Number(value.toPrecision(digits));
}

/** Distance shown to an anonymous counterpart: nearest 5 km, never 0 for a real distance. */
export function roundDistance5(km: number): number {
  return Math.max(5, Math.round(km / 5) * 5);
}

/** The estimate block of a match (read model and agreed estimate share it). */
export interface EstimateNumbers {
  exchangedQuantity: { amount: number; unit: string };
  distanceKm: number;
  routeKm: number;
  transportMode: string;
  energySavedMWhPerYear: number;
  co2AvoidedTonnesPerYear: number;
  grossCo2TonnesPerYear: number;
  deductedCo2TonnesPerYear: number;
}

/**
 * Exchanged quantity = min(own, counterpart), and energy and CO2 are proportional to it: exact values
 * would give away the counterpart's exact quantity, so all are shown to two significant figures,
 * and distances to 5 km.
 */
export function coarsenEstimate<T extends EstimateNumbers>(e: T): T {
  return {
    ...e,
    exchangedQuantity: { ...e.exchangedQuantity, amount: roundSignificant(e.exchangedQuantity.amount) },
    distanceKm: roundDistance5(e.distanceKm),
    routeKm: roundDistance5(e.routeKm),
    energySavedMWhPerYear: roundSignificant(e.energySavedMWhPerYear),
    co2AvoidedTonnesPerYear: roundSignificant(e.co2AvoidedTonnesPerYear),
    grossCo2TonnesPerYear: roundSignificant(e.grossCo2TonnesPerYear),
    deductedCo2TonnesPerYear: roundSignificant(e.deductedCo2TonnesPerYear),
  };
}

export interface StepLike {
  label: string;
  formula: string;
  value: number | null;
  unit: string;
  note?: string;
}

/**
 * Step units that describe quality or intensity, not the size or place of a plant: kept exact. Every
 * other unit (quantities, energy, CO2, unitless fractions that scale with the route) is rounded, so a
 * step the engine adds later is coarsened unless it is listed here.
 */
const INTENSIVE_UNITS = new Set(['°C', 'K', '%', 'MWh heat / MWh electricity', 't/t', 'MWh/t']);
/** Route-length steps, shown like the distance. */
const DISTANCE_STEPS = new Set(['distance_km', 'route_km']);
/** Policy limits of the platform, not facts about a site. */
const POLICY_STEPS = new Set(['reach_km']);

export const HIDDEN_NOTE = 'hidden until mutual interest';

/**
 * An explanation as an officer sees it before mutual interest: the counterpart's coordinates are
 * removed (value null), distances rounded to 5 km, and every size-dependent value rounded to two
 * significant figures. Formulas, units, labels and the factors (public) stay as they are.
 */
export function redactExplanation<E extends { steps?: readonly StepLike[] }>(
  explanation: E,
  counterpart: MatchSide,
): E {
  if (!explanation || !Array.isArray(explanation.steps)) return explanation;
  const steps = explanation.steps.map((step): StepLike => {
    if (step.value === null) return step;
    if (step.unit === '°') {
      return step.label.startsWith(`${counterpart}_`) ? { ...step, value: null, note: HIDDEN_NOTE } : step;
    }
    if (DISTANCE_STEPS.has(step.label)) return { ...step, value: roundDistance5(step.value) };
    if (POLICY_STEPS.has(step.label) || INTENSIVE_UNITS.has(step.unit)) return step;
    return { ...step, value: roundSignificant(step.value) };
  });
  return { ...explanation, steps };
}

/**
 * An engine rejection detail (free text such as "distance 26.12 km exceeds the receiver's limit of
 * 20 km" or "net CO2 -12.34 t (gross …)") with distances to 5 km and other quantities to two
 * significant figures.
 */
export function coarsenDetail(detail: string): string {
  return detail.replace(
    /(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?) ?(km|t|MWh|GJ|TJ|m3)\b/g,
    (_match, n: string, unit: string) => {
      const value = Number(n);
      return `${unit === 'km' ? roundDistance5(value) : roundSignificant(value)} ${unit}`;
    },
  );
}

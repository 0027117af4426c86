/** The fields that rank a match (DESIGN: net CO2, then energy saved, then shorter route, then ids). */
export interface RankableEstimate {
  readonly co2AvoidedTonnesPerYear: number;
  readonly energySavedMWhPerYear: number;
  readonly routeKm: number;
  readonly supplyStreamId: string;
  readonly demandStreamId: string;
}

/**
 * Negative when a ranks before b. A total order over finite numbers: higher net CO2 first, then higher
 * energy saved, then shorter route, then supply id, then demand id (code-unit order, locale independent).
 */
export function compareEstimates(a: RankableEstimate, b: RankableEstimate): number {
  if (a.co2AvoidedTonnesPerYear !== b.co2AvoidedTonnesPerYear) {
    return a.co2AvoidedTonnesPerYear > b.co2AvoidedTonnesPerYear ? -1 : 1;
  }
  if (a.energySavedMWhPerYear !== b.energySavedMWhPerYear) {
    return a.energySavedMWhPerYear > b.energySavedMWhPerYear ? -1 : 1;
  }
  if (a.routeKm !== b.routeKm) return a.routeKm < b.routeKm ? -1 : 1;
  if (a.supplyStreamId !== b.supplyStreamId) return a.supplyStreamId < b.supplyStreamId ? -1 : 1;
  if (a.demandStreamId !== b.demandStreamId) return a.demandStreamId < b.demandStreamId ? -1 : 1;
  return 0;
}

import { CURRENT_FACTOR_SET, EARTH_RADIUS_KM, type FactorSet, maxReachKm } from '@symbiose/engine';
import { MatchableStream } from './matching.types';

/**
 * Great-circle km per degree of latitude on the engine's sphere (111.195). A rounder 111.2 made the box
 * 0.004 % short of the reach, so a counterpart due north or south in the last metre of it, which the
 * engine accepts, was never a candidate.
 */
const KM_PER_DEGREE_LAT = (EARTH_RADIUS_KM * Math.PI) / 180;
/** Relative widening of the box, so that rounding never leaves a point at exactly the reach outside. */
const BOX_MARGIN = 1 + 1e-7;

/**
 * The lat/lon box that holds every counterpart within the stream's reach: the category's reach or the
 * stream's own maxDistanceKm, widened in longitude at the box's most poleward latitude. A superset of
 * the great-circle reach; the engine rejects what lies in the corners.
 */
export function reachBox(s: MatchableStream): {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
} {
  const reach = streamReachKm(s) * BOX_MARGIN;
  const dLat = reach / KM_PER_DEGREE_LAT;
  const lat = s.site.latitude;
  const maxAbsLat = Math.min(89, Math.abs(lat) + dLat);
  const dLon = Math.min(180, reach / (KM_PER_DEGREE_LAT * Math.cos((maxAbsLat * Math.PI) / 180)));
  const lon = s.site.longitude;
  return { minLon: lon - dLon, minLat: lat - dLat, maxLon: lon + dLon, maxLat: lat + dLat };
}

/** How far (great-circle km) the stream's counterparts may be: the category's reach or its own maxDistanceKm. */
export function streamReachKm(s: MatchableStream, factors: FactorSet = CURRENT_FACTOR_SET): number {
  return Math.min(maxReachKm(s.category, factors), s.maxDistanceKm ?? Infinity);
}

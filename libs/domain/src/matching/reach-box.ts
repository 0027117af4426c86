import { CURRENT_FACTOR_SET, type FactorSet, maxReachKm } from '@symbiose/engine';
import { MatchableStream } from './matching.types';

const KM_PER_DEGREE_LAT = 111.2;

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
  const reach = streamReachKm(s);
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

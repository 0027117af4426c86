/** Mean Earth radius (IUGG R1) — the sphere that best fits the ellipsoid for short distances. */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/**
 * Great-circle distance by the haversine formula, in km. Symmetric bit for bit (swapping the points
 * only changes signs inside squares and the order of a commutative product).
 */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const sinDLat = Math.sin(((lat2 - lat1) * RAD) / 2);
  const sinDLon = Math.sin(((lon2 - lon1) * RAD) / 2);
  const h = sinDLat * sinDLat + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * sinDLon * sinDLon;
  // Rounding can push h a hair above 1 for antipodal points; asin would then return NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h < 1 ? h : 1));
}

export function isValidLatitude(lat: unknown): lat is number {
  return typeof lat === 'number' && lat >= -90 && lat <= 90;
}

export function isValidLongitude(lon: unknown): lon is number {
  return typeof lon === 'number' && lon >= -180 && lon <= 180;
}

/** The point's position on the unit sphere (x, y, z), for `chordKm`. */
export function unitVector(lat: number, lon: number): [number, number, number] {
  const cosLat = Math.cos(lat * RAD);
  return [cosLat * Math.cos(lon * RAD), cosLat * Math.sin(lon * RAD), Math.sin(lat * RAD)];
}

/**
 * Straight-line distance through the sphere between two points given as unit vectors, in km: never
 * more than their greatCircleKm beyond rounding (a chord is shorter than its arc by θ²/24 relative,
 * 1e-9 at 1 km), and no trigonometry per pair. A matcher bounds a pair's distance from below with it.
 */
export function chordKm(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const dx = ax - bx;
  const dy = ay - by;
  const dz = az - bz;
  return EARTH_RADIUS_KM * Math.sqrt(dx * dx + dy * dy + dz * dz);
}

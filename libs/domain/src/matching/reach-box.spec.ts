import { EARTH_RADIUS_KM, greatCircleKm } from '@symbiose/engine';
import fc from 'fast-check';
import { MatchableStream } from './matching.types';
import { reachBox, streamReachKm } from './reach-box';

const RAD = Math.PI / 180;

/** The point `km` great-circle km from (lat, lon) on `bearing` (degrees from north), on the engine's sphere. */
function destination(lat: number, lon: number, bearing: number, km: number): [number, number] {
  const d = km / EARTH_RADIUS_KM;
  const p1 = lat * RAD;
  const t = bearing * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t));
  const l2 =
    lon * RAD +
    Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 / RAD, l2 / RAD];
}

function stream(
  category: MatchableStream['category'],
  lat: number,
  lon: number,
  maxDistanceKm: number | null,
) {
  return {
    category,
    direction: 'supply',
    maxDistanceKm,
    site: { latitude: lat, longitude: lon, country: 'BE', hasQuay: false, hasRail: false },
  } as unknown as MatchableStream;
}

function inside(box: ReturnType<typeof reachBox>, lat: number, lon: number): boolean {
  return lat >= box.minLat && lat <= box.maxLat && lon >= box.minLon && lon <= box.maxLon;
}

describe('reachBox', () => {
  it('holds the counterpart due north at the reach, which the engine accepts (111.2 km per degree missed it)', () => {
    const s = stream('material', 51.1, 3.8, 30);
    const [lat, lon] = destination(51.1, 3.8, 0, 30 * (1 - 1e-9));
    // The engine's own distance: within the stream's 30 km.
    expect(greatCircleKm(51.1, 3.8, lat, lon)).toBeLessThanOrEqual(30);
    expect(lon).toBeCloseTo(3.8, 12);
    const box = reachBox(s);
    expect(inside(box, lat, lon)).toBe(true);
    // The box is not wider than needed: 30 km of latitude and a hair more.
    expect((box.maxLat - 51.1) * ((EARTH_RADIUS_KM * Math.PI) / 180)).toBeCloseTo(30, 4);
  });

  it('holds every point within the stream’s reach, whatever the bearing (the engine’s sphere)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('heat', 'co2', 'hydrogen', 'water', 'material'),
        fc.double({ min: -70, max: 70, noNaN: true }),
        fc.double({ min: -170, max: 170, noNaN: true }),
        fc.option(fc.double({ min: 0.001, max: 500, noNaN: true })),
        fc.double({ min: 0, max: 360, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (category, lat, lon, maxDistanceKm, bearing, share) => {
          const s = stream(category as MatchableStream['category'], lat, lon, maxDistanceKm);
          const reach = streamReachKm(s);
          const [pLat, pLon] = destination(lat, lon, bearing, reach * share);
          if (greatCircleKm(lat, lon, pLat, pLon) > reach) return; // rounding at share = 1: the engine rejects it
          expect(inside(reachBox(s), pLat, pLon)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

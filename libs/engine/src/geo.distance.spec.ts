import fc from 'fast-check';
import { chordKm, greatCircleKm, unitVector } from './geo.distance';

const chord = (lat1: number, lon1: number, lat2: number, lon2: number) =>
  chordKm(...unitVector(lat1, lon1), ...unitVector(lat2, lon2));

describe('chordKm', () => {
  it('hand-computed: a quarter meridian is R·√2 through the sphere (π·R/2 along it); one point is 0', () => {
    expect(chord(0, 0, 90, 0)).toBeCloseTo(6371.0088 * Math.SQRT2, 9);
    expect(greatCircleKm(0, 0, 90, 0)).toBeCloseTo((6371.0088 * Math.PI) / 2, 9);
    expect(chord(51.05, 3.72, 51.05, 3.72)).toBe(0);
  });

  it('never exceeds the great-circle distance, and falls short of it by θ²/24 relative', () => {
    const point = fc.tuple(
      fc.double({ min: 49, max: 54, noNaN: true }),
      fc.double({ min: 1, max: 7, noNaN: true }),
    );
    fc.assert(
      fc.property(point, point, ([lat1, lon1], [lat2, lon2]) => {
        const arc = greatCircleKm(lat1, lon1, lat2, lon2);
        const c = chord(lat1, lon1, lat2, lon2);
        // A chord is shorter than its arc by θ²/24 relative; rounding is ~1e-12 km here.
        expect(c).toBeLessThanOrEqual(arc + 1e-9);
        const theta = arc / 6371.0088;
        expect(arc - c).toBeLessThanOrEqual((arc * theta * theta) / 24 + 1e-9);
      }),
      { numRuns: 2000 },
    );
  });
});

import { greatCircleKm } from './geo.distance';
import { scorePair } from './pair.engine';
import { demand, site, supply } from './testing/stream.fixtures';
import { maxReachKm, POLICY_REACH_KM } from './transport.route';

describe('geometry and reach', () => {
  it('haversine: one degree of latitude is R·π/180 and the distance is symmetric', () => {
    expect(greatCircleKm(51, 3.8, 52, 3.8)).toBeCloseTo((6371.0088 * Math.PI) / 180, 9);
    // Dow Terneuzen → Yara Sluiskil.
    const a = greatCircleKm(51.33, 3.8, 51.276, 3.838);
    expect(a).toBe(greatCircleKm(51.276, 3.838, 51.33, 3.8));
    expect(a).toBeCloseTo(6.56, 2);
  });

  it('reach per category: heat from the pipe factors, others by policy', () => {
    expect(maxReachKm('heat')).toBe(30 / 1.2);
    expect(maxReachKm('co2')).toBe(POLICY_REACH_KM.co2);
    expect(maxReachKm('material')).toBe(300);
    expect(maxReachKm('water')).toBe(50);
  });

  it.each(['heat', 'co2', 'hydrogen', 'material', 'water'] as const)(
    'scorePair rejects %s pairs exactly beyond maxReachKm',
    (category) => {
      const reach = maxReachKm(category);
      const dLat = (reach / 6371.0088) * (180 / Math.PI);
      const s =
        category === 'heat'
          ? supply('heat', { quality: { temperatureC: 200, medium: 'hot_water' } })
          : supply(category);
      const inside = scorePair(s, demand(category, { site: site(51 + dLat * 0.999, 3.8) }));
      const outside = scorePair(s, demand(category, { site: site(51 + dLat * 1.001, 3.8) }));
      expect(outside).toEqual({ ok: false, reason: 'beyond_reach' });
      if (!inside.ok) expect(inside.reason).not.toBe('beyond_reach');
    },
  );
});

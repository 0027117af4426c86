import type { WaterQuality } from './domain.types';
import { F } from './engine.constants';
import { fv, reject, type PairContext } from './pair.context';
import { displacedUse, gridFactor, perPeriod, sharedQuantity } from './savings.common';
import { locate } from './transport.route';
import { isWaterQuality, waterServes } from './water.taxonomy';

/**
 * Water by pipeline, replacing mains water at the receiver.
 * - Compatibility by quality class (see water.taxonomy.ts).
 * - Gross: the mains supply's electricity (production + distribution) no longer used, at the receiver's
 *   grid. The receiver's own treatment (e.g. demineralisation) and the supplier's discharge treatment are
 *   not credited (conservative; no sourced factors).
 * - Deducted: pumping electricity over the route at the supplier's grid (pumps at the source).
 */
export function waterSavings(c: PairContext): boolean {
  const t = c.trace;
  const sq = (c.s.quality as WaterQuality).quality;
  const dq = (c.d.quality as WaterQuality).quality;
  if (!isWaterQuality(sq) || !isWaterQuality(dq)) {
    t?.why(`unknown water quality (${sq} → ${dq})`);
    return reject(c, 'invalid_input');
  }
  const source = c.d.currentSource;
  if (source !== 'mains_water' && source !== null && source !== undefined) {
    t?.why(`a water demand is quantified against mains water (got ${source})`);
    return reject(c, 'unknown_counterfactual');
  }
  if (!waterServes(sq, dq)) {
    t?.why(`${sq} water cannot serve a ${dq} need`);
    return reject(c, 'incompatible_water_quality');
  }
  const displaced = displacedUse(c);

  if (!locate(c, 'pipeline')) return false;

  const q = sharedQuantity(c, 'exchanged_m3', perPeriod(c, 'm3'));
  c.exchanged = q;
  c.supplyUsed = q;

  let avoided = 0;
  if (displaced) {
    t?.step('gross_co2_t', '0', 0, perPeriod(c, 't'), 'supply is sold elsewhere today: not credited');
  } else {
    avoided = q * fv(c, F.WATER_MAINS);
    t?.step(
      'avoided_energy_mwh',
      'exchanged_m3 * water.mains.electricity_mwh_per_m3',
      avoided,
      perPeriod(c, 'MWh'),
      source === 'mains_water'
        ? 'mains-water production and distribution electricity no longer used'
        : 'mains-water production and distribution electricity no longer used (source not stated: mains water assumed)',
    );
    c.gross = avoided * gridFactor(c, c.d.site.country);
    t?.step(
      'gross_co2_t',
      `avoided_energy_mwh * grid.${c.d.site.country}.co2_per_mwh`,
      c.gross,
      perPeriod(c, 't'),
    );
  }
  const pumping = q * fv(c, F.WATER_PUMPING) * c.routeKm;
  t?.step(
    'pumping_electricity_mwh',
    'exchanged_m3 * water_pipe.pumping_mwh_per_m3_per_km * route_km',
    pumping,
    perPeriod(c, 'MWh'),
  );
  c.deducted = pumping * gridFactor(c, c.s.site.country);
  t?.step(
    'deducted_co2_t',
    `pumping_electricity_mwh * grid.${c.s.site.country}.co2_per_mwh`,
    c.deducted,
    perPeriod(c, 't'),
    'pumps at the supplier',
  );
  c.energySaved = avoided - pumping;
  t?.step(
    'energy_saved_mwh',
    displaced ? '0 - pumping_electricity_mwh' : 'avoided_energy_mwh - pumping_electricity_mwh',
    c.energySaved,
    perPeriod(c, 'MWh'),
    'final energy: electricity',
  );
  return true;
}

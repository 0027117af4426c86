import type { HeatQuality } from './domain.types';
import { F } from './engine.constants';
import { FLAG_BIT } from './pair.types';
import { fv, isFiniteNumber, reject, type PairContext } from './pair.context';
import { displacedUse, gridFactor, perPeriod, sharedQuantity } from './savings.common';
import { locate, round } from './transport.route';

/** °C to K. */
export const KELVIN = 273.15;

/**
 * Waste heat by pipeline.
 * - Direct exchange when the supply is at least the demand temperature plus the approach ΔT.
 * - Otherwise a heat pump at the receiver: COP = carnot_fraction × T_cond / (T_cond − T_evap) with the
 *   refrigerant condensing one approach ΔT above the demand and evaporating one below the supply
 *   (the physical temperatures a real machine works between, so the COP never blows up at small lifts);
 *   the stream lift (demand − supply) must not exceed heat_pump.max_lift_k.
 * - The heat the receiver gets is min(supply, demand) less pipe losses. With a heat pump part of that
 *   heat is the pump's electricity, so less is drawn from the supplier: delivered × (1 − 1/COP) / (1 − loss).
 *   The pump's extra output is not used to serve more than min(supply, demand) (conservative).
 * - Pumping electricity is charged on the heat in the pipe at the supplier's grid (pumps at the source);
 *   heat-pump electricity at the receiver's grid.
 * - Energy saved is final energy: boiler fuel (LHV) or boiler electricity avoided minus electricity used.
 */
export function heatSavings(c: PairContext): boolean {
  const t = c.trace;
  const sq = c.s.quality as HeatQuality;
  const dq = c.d.quality as HeatQuality;
  const ts = sq.temperatureC;
  const td = dq.temperatureC;
  if (!isFiniteNumber(ts) || !isFiniteNumber(td)) {
    t?.why('heat streams need a numeric temperatureC on both sides');
    return reject(c, 'invalid_input');
  }
  const source = c.d.currentSource;
  if (source !== 'natural_gas_boiler' && source !== 'electric_boiler') {
    t?.why(
      `a heat demand must say whether it uses a natural_gas_boiler or an electric_boiler today (got ${source})`,
    );
    return reject(c, 'unknown_counterfactual');
  }

  t?.step('supply_temperature_c', 'input', ts, '°C');
  t?.step('demand_temperature_c', 'input', td, '°C');
  const approach = fv(c, F.APPROACH);
  const required = td + approach;
  const direct = ts >= required;
  t?.step(
    'required_supply_temperature_c',
    'demand_temperature_c + heat_exchange.approach_k',
    required,
    '°C',
    direct
      ? `supply at ${ts} °C is hot enough: heat exchangers only, no heat pump`
      : `supply at ${ts} °C is below this: a heat pump at the receiver upgrades it`,
  );
  let cop = 0;
  if (!direct) {
    const lift = td - ts;
    const maxLift = fv(c, F.MAX_LIFT);
    t?.step('temperature_lift_k', 'demand_temperature_c - supply_temperature_c', lift, 'K');
    if (lift > maxLift) {
      t?.why(
        `a heat pump would have to lift ${round(lift)} K, more than the ${maxLift} K a single stage can`,
      );
      return reject(c, 'temperature_lift_too_high');
    }
    const tCond = td + approach + KELVIN;
    const tEvap = ts - approach + KELVIN;
    cop = (fv(c, F.CARNOT) * tCond) / (tCond - tEvap);
    t?.step('condensing_k', 'demand_temperature_c + heat_exchange.approach_k + 273.15', tCond, 'K');
    t?.step('evaporating_k', 'supply_temperature_c - heat_exchange.approach_k + 273.15', tEvap, 'K');
    t?.step(
      'heat_pump_cop',
      'heat_pump.carnot_fraction * condensing_k / (condensing_k - evaporating_k)',
      cop,
      'MWh heat / MWh electricity',
    );
    if (!(cop > 1)) {
      t?.why(`heat pump COP ${round(cop)} would not exceed 1`);
      return reject(c, 'temperature_lift_too_high');
    }
    c.flags |= FLAG_BIT.heat_pump_required;
  }

  if (!locate(c, 'pipeline')) return false;

  const lossFraction = fv(c, F.HEAT_LOSS) * c.routeKm;
  t?.step('loss_fraction', 'heat_pipe.loss_fraction_per_km * route_km', lossFraction, '');
  const arrival = 1 - lossFraction;
  t?.step('arrival_fraction', '1 - loss_fraction', arrival, '');
  if (!(arrival > 0)) {
    t?.why('pipe losses would consume all the heat');
    return reject(c, 'beyond_reach');
  }

  let contracted: number;
  let delivered: number;
  if (c.annual) {
    contracted = sharedQuantity(c, 'contracted_mwh', 'MWh/yr');
    delivered = contracted * arrival;
    t?.step(
      'delivered_mwh',
      'contracted_mwh * arrival_fraction',
      delivered,
      'MWh/yr',
      'heat the receiver gets',
    );
  } else {
    delivered = c.quantity;
    t?.step('delivered_mwh', 'input', delivered, perPeriod(c, 'MWh'), 'heat delivered in the period');
    contracted = delivered / arrival;
    t?.step('contracted_mwh', 'delivered_mwh / arrival_fraction', contracted, perPeriod(c, 'MWh'));
  }
  c.exchanged = delivered;

  let drawn: number;
  let hpElectricity = 0;
  if (cop === 0) {
    drawn = contracted;
    t?.step(
      'heat_drawn_mwh',
      'contracted_mwh',
      drawn,
      perPeriod(c, 'MWh'),
      'heat taken from the supplier into the pipe',
    );
  } else {
    drawn = contracted * (1 - 1 / cop);
    t?.step(
      'heat_drawn_mwh',
      'contracted_mwh * (1 - 1 / heat_pump_cop)',
      drawn,
      perPeriod(c, 'MWh'),
      'heat taken from the supplier; the rest of what is delivered is the heat pump’s electricity',
    );
    hpElectricity = delivered / cop;
    t?.step('heat_pump_electricity_mwh', 'delivered_mwh / heat_pump_cop', hpElectricity, perPeriod(c, 'MWh'));
  }
  c.supplyUsed = drawn;
  const pumping = fv(c, F.HEAT_PUMPING) * drawn * c.routeKm;
  t?.step(
    'pumping_electricity_mwh',
    'heat_pipe.pumping_mwh_e_per_mwh_th_per_km * heat_drawn_mwh * route_km',
    pumping,
    perPeriod(c, 'MWh'),
  );

  let avoidedEnergy: number;
  if (displacedUse(c)) {
    avoidedEnergy = 0;
    c.gross = 0;
    t?.step(
      'avoided_energy_mwh',
      '0',
      0,
      perPeriod(c, 'MWh'),
      'supply is sold elsewhere today: the receiver’s saving is not credited',
    );
    t?.step('gross_co2_t', '0', 0, perPeriod(c, 't'));
  } else if (source === 'natural_gas_boiler') {
    avoidedEnergy = delivered / fv(c, F.BOILER_EFF);
    t?.step(
      'avoided_energy_mwh',
      'delivered_mwh / boiler.natural_gas.efficiency',
      avoidedEnergy,
      perPeriod(c, 'MWh'),
      'natural gas (LHV) the receiver’s boiler no longer burns',
    );
    c.gross = avoidedEnergy * fv(c, F.GAS_CO2);
    t?.step('gross_co2_t', 'avoided_energy_mwh * fuel.natural_gas.co2_per_mwh', c.gross, perPeriod(c, 't'));
  } else {
    avoidedEnergy = delivered;
    t?.step(
      'avoided_energy_mwh',
      'delivered_mwh',
      avoidedEnergy,
      perPeriod(c, 'MWh'),
      'electricity the receiver’s electric boiler no longer uses (efficiency taken as 1, the upper bound, so the saving is not overstated)',
    );
    const g = gridFactor(c, c.d.site.country);
    c.gross = avoidedEnergy * g;
    t?.step(
      'gross_co2_t',
      `avoided_energy_mwh * grid.${c.d.site.country}.co2_per_mwh`,
      c.gross,
      perPeriod(c, 't'),
    );
  }

  let hpCo2 = 0;
  if (cop !== 0) {
    hpCo2 = hpElectricity * gridFactor(c, c.d.site.country);
    t?.step(
      'heat_pump_co2_t',
      `heat_pump_electricity_mwh * grid.${c.d.site.country}.co2_per_mwh`,
      hpCo2,
      perPeriod(c, 't'),
      'heat pump at the receiver',
    );
  }
  const pumpingCo2 = pumping * gridFactor(c, c.s.site.country);
  t?.step(
    'pumping_co2_t',
    `pumping_electricity_mwh * grid.${c.s.site.country}.co2_per_mwh`,
    pumpingCo2,
    perPeriod(c, 't'),
    'pumps at the supplier',
  );
  c.deducted = hpCo2 + pumpingCo2;
  t?.step(
    'deducted_co2_t',
    cop !== 0 ? 'heat_pump_co2_t + pumping_co2_t' : 'pumping_co2_t',
    c.deducted,
    perPeriod(c, 't'),
  );
  c.energySaved = avoidedEnergy - hpElectricity - pumping;
  t?.step(
    'energy_saved_mwh',
    cop !== 0
      ? 'avoided_energy_mwh - heat_pump_electricity_mwh - pumping_electricity_mwh'
      : 'avoided_energy_mwh - pumping_electricity_mwh',
    c.energySaved,
    perPeriod(c, 'MWh'),
    'final energy: fuel at LHV and electricity counted 1:1',
  );
  return true;
}

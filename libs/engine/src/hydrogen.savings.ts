import type { HydrogenQuality } from './domain.types';
import { F } from './engine.constants';
import { fv, isFiniteNumber, reject, type PairContext } from './pair.context';
import { FLAG_BIT } from './pair.types';
import { DistanceFreeFigures } from './co2.savings';
import { displacedUse, perPeriod, sharedQuantity } from './savings.common';
import { locate } from './transport.route';

/**
 * By-product hydrogen by pipeline, replacing SMR hydrogen at the receiver.
 * - Gross: the SMR CO2 no longer emitted (hydrogen.smr.co2_per_t per tonne).
 * - A supplier that burns the hydrogen as fuel today must burn natural gas with the same LHV energy
 *   instead; that gas's CO2 is deducted. An unstated handling is treated as fuel (the common case for
 *   by-product hydrogen, and the conservative one). Vented or flared hydrogen needs no replacement.
 * - Energy saved: the SMR's natural gas (feed + fuel) minus the supplier's replacement gas. The SMR gas
 *   is derived from its CO2 factor — all SMR CO2 is the carbon of the gas it uses.
 * - Pipeline compression is not included: the factor set has no sourced factor for it.
 */
export function hydrogenSavings(c: PairContext): boolean {
  const t = c.trace;
  const sp = (c.s.quality as HydrogenQuality).purityPct;
  const dp = (c.d.quality as HydrogenQuality).purityPct;
  if (!isFiniteNumber(sp) || !isFiniteNumber(dp)) {
    t?.why('hydrogen streams need a numeric purityPct on both sides');
    return reject(c, 'invalid_input');
  }
  const source = c.d.currentSource;
  if (source !== 'smr_hydrogen' && source !== null && source !== undefined) {
    t?.why(`a hydrogen demand is quantified against SMR hydrogen (got ${source})`);
    return reject(c, 'unknown_counterfactual');
  }
  t?.step('supply_purity_pct', 'input', sp, '%');
  t?.step('demand_purity_pct', 'input', dp, '%');
  if (sp < dp) {
    t?.why(`supply purity ${sp} % is below the ${dp} % the demand needs`);
    return reject(c, 'purity_too_low');
  }
  const handling = c.s.currentHandling;
  const displaced = displacedUse(c);
  const burnedAsFuel = !displaced && (handling === 'fuel' || handling === null || handling === undefined);
  if (burnedAsFuel) c.flags |= FLAG_BIT.displaces_existing_use;

  if (!locate(c, 'pipeline')) return false;

  const q = sharedQuantity(c, 'exchanged_t', perPeriod(c, 't'));
  c.exchanged = q;
  c.supplyUsed = q;

  // The factors in the order the explanation lists them; the arithmetic is hydrogenFiguresInto's.
  const smr = fv(c, F.H2_SMR);
  const gas = fv(c, F.GAS_CO2);
  const lhv = burnedAsFuel ? fv(c, F.H2_LHV) : 0;
  const f = hydrogenFiguresInto(FIGURES, q, displaced, burnedAsFuel, smr, gas, lhv);
  if (displaced) {
    t?.step('gross_co2_t', '0', 0, perPeriod(c, 't'), 'supply is sold elsewhere today: not credited');
  } else {
    c.gross = f.gross;
    t?.step(
      'gross_co2_t',
      'exchanged_t * hydrogen.smr.co2_per_t',
      c.gross,
      perPeriod(c, 't'),
      source === 'smr_hydrogen'
        ? 'SMR hydrogen the receiver no longer makes'
        : 'SMR hydrogen the receiver no longer makes (source not stated: SMR assumed, the only hydrogen counterfactual quantified)',
    );
    t?.step(
      'smr_gas_mwh_per_t',
      'hydrogen.smr.co2_per_t / fuel.natural_gas.co2_per_mwh',
      f.smrGasPerT,
      'MWh/t',
      'natural gas (LHV, feed and fuel) an SMR burns per tonne: all its CO2 is the carbon of that gas',
    );
    t?.step('avoided_energy_mwh', 'exchanged_t * smr_gas_mwh_per_t', f.avoidedEnergy, perPeriod(c, 'MWh'));
  }

  if (burnedAsFuel) {
    t?.step(
      'replacement_gas_mwh',
      'exchanged_t * hydrogen.lhv_mwh_per_t',
      f.replacementGas,
      perPeriod(c, 'MWh'),
      handling === 'fuel'
        ? 'the supplier burns this hydrogen as fuel today and must burn natural gas with the same LHV energy instead'
        : 'the supplier did not say what it does with the hydrogen; assumed burned as fuel (conservative), replaced by natural gas',
    );
    c.deducted = f.deducted;
    t?.step(
      'deducted_co2_t',
      'replacement_gas_mwh * fuel.natural_gas.co2_per_mwh',
      c.deducted,
      perPeriod(c, 't'),
      'pipeline compression not included (no sourced factor)',
    );
  } else {
    t?.step(
      'deducted_co2_t',
      '0',
      0,
      perPeriod(c, 't'),
      `supply is ${handling} today: nothing to replace; pipeline compression not included (no sourced factor)`,
    );
  }
  c.energySaved = f.energySaved;
  t?.step(
    'energy_saved_mwh',
    displaced ? '0' : burnedAsFuel ? 'avoided_energy_mwh - replacement_gas_mwh' : 'avoided_energy_mwh',
    c.energySaved,
    perPeriod(c, 'MWh'),
    'final energy: fuel at LHV',
  );
  return true;
}

const FIGURES = new DistanceFreeFigures();

/**
 * A hydrogen pair's figures from its exchanged quantity `q` (t) and factors: SMR CO2 per tonne, the gas
 * CO2 factor and (read only when `burnedAsFuel`) hydrogen's LHV. The one copy of this arithmetic:
 * hydrogenSavings and distanceFreeScoreInto must give a pair the same floats.
 */
export function hydrogenFiguresInto(
  f: DistanceFreeFigures,
  q: number,
  displaced: boolean,
  burnedAsFuel: boolean,
  smr: number,
  gas: number,
  lhv: number,
): DistanceFreeFigures {
  f.gross = displaced ? 0 : q * smr;
  f.smrGasPerT = displaced ? 0 : smr / gas;
  f.avoidedEnergy = displaced ? 0 : q * f.smrGasPerT;
  f.replacementGas = burnedAsFuel ? q * lhv : 0;
  f.deducted = burnedAsFuel ? f.replacementGas * gas : 0;
  f.energySaved = f.avoidedEnergy - f.replacementGas;
  return f;
}

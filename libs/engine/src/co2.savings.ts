import type { Co2Quality } from './domain.types';
import { F } from './engine.constants';
import { fv, isFiniteNumber, reject, type PairContext } from './pair.context';
import { FLAG_BIT } from './pair.types';
import { displacedUse, gridFactor, perPeriod, sharedQuantity } from './savings.common';
import { locate } from './transport.route';

/**
 * CO2 for utilisation (greenhouse dosing, chemistry), always by pipeline: the factor set has no sourced
 * break-even for road tankers, and road transport would also need liquefaction energy it has no factor for.
 *
 * What is avoided is on the receiver's side only. Utilised CO2 (e.g. dosed into a greenhouse) returns to
 * the air, so the supplier's CO2 is not counted as avoided whether it was vented or not.
 * - gas_combustion_co2: the gas the receiver burned to make its CO2 is no longer burned
 *   (t CO2 delivered / gas CO2 factor = MWh gas; its CO2 is the gross saving). Flagged
 *   shared_counterfactual: a greenhouse that also gets waste heat stops burning that same gas, and a heat
 *   match to it counts the gas too — the two must not be added.
 * - purchased_liquid_co2: merchant CO2 is itself recovered CO2; the saving would be its liquefaction and
 *   trucking, for which the set has no sourced factor, so nothing is credited (conservative).
 * Deducted: compression electricity at the supplier's grid (dense-phase figure; conservative for
 * low-pressure distribution).
 */
export function co2Savings(c: PairContext): boolean {
  const t = c.trace;
  const sp = (c.s.quality as Co2Quality).purityPct;
  const dp = (c.d.quality as Co2Quality).purityPct;
  if (!isFiniteNumber(sp) || !isFiniteNumber(dp)) {
    t?.why('CO2 streams need a numeric purityPct on both sides');
    return reject(c, 'invalid_input');
  }
  const source = c.d.currentSource;
  if (source !== 'gas_combustion_co2' && source !== 'purchased_liquid_co2') {
    t?.why(`a CO2 demand must say whether it burns gas for CO2 or buys liquid CO2 today (got ${source})`);
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
  // Not vented (and not unstated): the CO2 was put to some use already; flag it for the coordinator.
  if (!displaced && handling !== 'vented' && handling !== null && handling !== undefined) {
    c.flags |= FLAG_BIT.displaces_existing_use;
  }

  if (!locate(c, 'pipeline')) return false;

  const q = sharedQuantity(c, 'exchanged_t', perPeriod(c, 't'));
  c.exchanged = q;
  c.supplyUsed = q;

  const gasCredited = !displaced && source === 'gas_combustion_co2';
  // The factors in the order the explanation lists them; the arithmetic is co2FiguresInto's.
  const gas = gasCredited ? fv(c, F.GAS_CO2) : 0;
  const f = co2FiguresInto(
    FIGURES,
    q,
    gasCredited,
    gas,
    fv(c, F.CO2_COMPRESSION),
    gridFactor(c, c.s.site.country),
  );
  if (displaced) {
    t?.step('gross_co2_t', '0', 0, perPeriod(c, 't'), 'supply is sold elsewhere today: not credited');
  } else if (gasCredited) {
    t?.step(
      'avoided_energy_mwh',
      'exchanged_t / fuel.natural_gas.co2_per_mwh',
      f.avoidedEnergy,
      perPeriod(c, 'MWh'),
      'natural gas (LHV) the receiver no longer burns to make its CO2',
    );
    c.gross = f.gross;
    t?.step(
      'gross_co2_t',
      'avoided_energy_mwh * fuel.natural_gas.co2_per_mwh',
      c.gross,
      perPeriod(c, 't'),
      'the gas combustion CO2 no longer emitted; if this receiver also takes waste heat, this gas is the same gas the heat match counts (shared_counterfactual)',
    );
    c.flags |= FLAG_BIT.shared_counterfactual;
  } else {
    t?.step(
      'gross_co2_t',
      '0',
      0,
      perPeriod(c, 't'),
      'purchased liquid CO2 is recovered CO2 too; its liquefaction and trucking have no sourced factor, so nothing is credited',
    );
    t?.why(
      'replacing purchased liquid CO2 is not credited (no sourced factor for its liquefaction and trucking)',
    );
  }

  t?.step(
    'compression_electricity_mwh',
    'exchanged_t * co2.compression_mwh_per_t',
    f.compression,
    perPeriod(c, 'MWh'),
  );
  c.deducted = f.deducted;
  t?.step(
    'deducted_co2_t',
    `compression_electricity_mwh * grid.${c.s.site.country}.co2_per_mwh`,
    c.deducted,
    perPeriod(c, 't'),
    'compression at the supplier; pipeline transport itself emits nothing',
  );
  c.energySaved = f.energySaved;
  t?.step(
    'energy_saved_mwh',
    gasCredited ? 'avoided_energy_mwh - compression_electricity_mwh' : '0 - compression_electricity_mwh',
    c.energySaved,
    perPeriod(c, 'MWh'),
    'final energy: fuel at LHV and electricity counted 1:1',
  );
  return true;
}

/** What co2FiguresInto and hydrogenFiguresInto work out (besides the intermediate steps they explain). */
export class DistanceFreeFigures {
  /** gross - deducted, as the engine scores a pair (set by distanceFreeScoreInto). */
  net = 0;
  gross = 0;
  deducted = 0;
  energySaved = 0;
  /** CO2: the receiver's gas no longer burned (MWh); hydrogen: the SMR's gas (feed and fuel). */
  avoidedEnergy = 0;
  /** CO2: compression electricity (MWh). */
  compression = 0;
  /** Hydrogen: the SMR's gas per tonne, and the supplier's replacement gas (MWh). */
  smrGasPerT = 0;
  replacementGas = 0;
}

const FIGURES = new DistanceFreeFigures();

/**
 * A CO2 pair's figures from its exchanged quantity `q` (t) and factors: the gas CO2 factor (`gas`,
 * read only when `gasCredited`), the compression per tonne and the supplier's grid factor. The one copy
 * of this arithmetic: co2Savings and distanceFreeScoreInto must give a pair the same floats.
 */
export function co2FiguresInto(
  f: DistanceFreeFigures,
  q: number,
  gasCredited: boolean,
  gas: number,
  compressionPerT: number,
  grid: number,
): DistanceFreeFigures {
  f.avoidedEnergy = gasCredited ? q / gas : 0;
  f.gross = gasCredited ? f.avoidedEnergy * gas : 0;
  f.compression = q * compressionPerT;
  f.deducted = f.compression * grid;
  f.energySaved = f.avoidedEnergy - f.compression;
  return f;
}

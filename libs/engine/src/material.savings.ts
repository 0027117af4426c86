import type { MaterialQuality } from './domain.types';
import { factorIndex } from './engine.constants';
import { fv, reject, type PairContext } from './pair.context';
import { FLAG_BIT } from './pair.types';
import { findSubstitution, isMaterialType, SUBSTITUTIONS, type Substitution } from './material.taxonomy';
import { displacedUse, perPeriod, sharedQuantity } from './savings.common';
import { chooseFreightMode, FREIGHT_CO2_FACTOR, locate } from './transport.route';

/** Factor indices of each substitution, resolved once (a wrong id in the table fails at load). */
const SUB_FACTORS = new Map<Substitution, { avoided: number; secondary: number }>();
for (const sub of SUBSTITUTIONS) {
  const avoided = sub.avoidedFactorId === null ? -1 : factorIndex(sub.avoidedFactorId);
  const secondary = sub.secondaryFactorId === null ? -1 : factorIndex(sub.secondaryFactorId);
  if ((sub.avoidedFactorId !== null && avoided < 0) || (sub.secondaryFactorId !== null && secondary < 0)) {
    throw new Error(
      `substitution ${sub.supplyType}→${sub.demandType} names a factor the engine does not load`,
    );
  }
  SUB_FACTORS.set(sub, { avoided, secondary });
}

/**
 * By-products and wastes by road, rail or barge (lowest emission both sites can use).
 * - Compatibility and credit from the substitution table; no sourced factor → `missing_factor`.
 * - Gross: exchanged t × (virgin factor − secondary preparation factor), 1:1 by mass.
 * - Deducted: exchanged t × route km × mode factor (kg CO2/t·km) / 1000.
 * - Energy saved is not estimated (0): the set has no energy factors for virgin production or haulage.
 * - Flags: waste_status_permit for a 'waste' supply; cross_border_shipment when that waste crosses the
 *   BE↔NL border (EU Waste Shipment Regulation: prior notification, or Annex VII information for
 *   green-listed waste for recovery); displaces_existing_use when the supply is incinerated or burned
 *   as fuel today (its energy recovery is lost; not quantified, no sourced factor) or sold elsewhere.
 */
export function materialSavings(c: PairContext): boolean {
  const t = c.trace;
  const sq = c.s.quality as MaterialQuality;
  const dq = c.d.quality as MaterialQuality;
  if (!isMaterialType(sq.materialType) || !isMaterialType(dq.materialType)) {
    t?.why(`unknown materialType (${sq.materialType} → ${dq.materialType})`);
    return reject(c, 'invalid_input');
  }
  const source = c.d.currentSource;
  if (source !== 'purchased_virgin' && source !== null && source !== undefined) {
    t?.why(`a material demand is quantified against purchased virgin material (got ${source})`);
    return reject(c, 'unknown_counterfactual');
  }
  const sub = findSubstitution(sq.materialType, dq.materialType);
  if (sub === undefined) {
    t?.why(`${sq.materialType} cannot serve a demand for ${dq.materialType}`);
    return reject(c, 'incompatible_material');
  }
  const idx = SUB_FACTORS.get(sub)!;
  if (idx.avoided < 0) {
    t?.why(`${sq.materialType} → ${dq.materialType} is compatible but cannot be quantified: ${sub.note}`);
    return reject(c, 'missing_factor');
  }

  const status = c.s.regulatoryStatus;
  if (status === 'waste') {
    c.flags |= FLAG_BIT.waste_status_permit;
    if (c.s.site.country !== c.d.site.country) c.flags |= FLAG_BIT.cross_border_shipment;
  }
  const handling = c.s.currentHandling;
  const displaced = displacedUse(c);
  if (handling === 'incineration' || handling === 'fuel') c.flags |= FLAG_BIT.displaces_existing_use;

  const mode = chooseFreightMode(c.C, c.s.site, c.d.site);
  if (!locate(c, mode)) return false;

  const q = sharedQuantity(c, 'exchanged_t', perPeriod(c, 't'));
  c.exchanged = q;
  c.supplyUsed = q;

  if (displaced) {
    t?.step(
      'gross_co2_t',
      '0',
      0,
      perPeriod(c, 't'),
      'supply is sold elsewhere today: avoided virgin production not credited',
    );
  } else {
    let perTonne = fv(c, idx.avoided);
    if (idx.secondary >= 0) {
      perTonne = perTonne - fv(c, idx.secondary);
      t?.step(
        'avoided_co2_per_t',
        `${sub.avoidedFactorId} - ${sub.secondaryFactorId}`,
        perTonne,
        't/t',
        subNote(sub, source),
      );
    } else {
      t?.step('avoided_co2_per_t', `${sub.avoidedFactorId}`, perTonne, 't/t', subNote(sub, source));
    }
    c.gross = q * perTonne;
    t?.step(
      'gross_co2_t',
      'exchanged_t * avoided_co2_per_t',
      c.gross,
      perPeriod(c, 't'),
      handling === 'incineration' || handling === 'fuel'
        ? `the supply is ${handling === 'fuel' ? 'burned as fuel' : 'incinerated'} today: its lost energy recovery is not quantified (no sourced factor)`
        : undefined,
    );
  }
  const freight = FREIGHT_CO2_FACTOR[mode];
  c.deducted = (q * c.routeKm * fv(c, freight)) / 1000;
  t?.step(
    'deducted_co2_t',
    `exchanged_t * route_km * transport.${mode}.co2_per_tkm / 1000`,
    c.deducted,
    perPeriod(c, 't'),
    modeNote(mode, c),
  );
  c.energySaved = 0;
  t?.step(
    'energy_saved_mwh',
    '0',
    0,
    perPeriod(c, 'MWh'),
    'not estimated: the factor set has no energy factors for virgin production or haulage',
  );
  return true;
}

function subNote(sub: Substitution, source: string | null | undefined): string {
  return source === 'purchased_virgin'
    ? sub.note
    : `${sub.note} (source not stated: purchased virgin material assumed)`;
}

function modeNote(mode: 'road' | 'rail' | 'barge', c: PairContext): string {
  const a = c.s.site;
  const b = c.d.site;
  const options = ['road'];
  if (a.hasRail && b.hasRail) options.push('rail');
  if (a.hasQuay && b.hasQuay) options.push('barge');
  return `${mode}: lowest CO2 per tonne-km (factor × circuity) of the modes both sites can use (${options.join(', ')})`;
}

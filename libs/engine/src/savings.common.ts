import type { Country } from './domain.types';
import { F } from './engine.constants';
import { fv, type PairContext } from './pair.context';
import { FLAG_BIT } from './pair.types';

/** Grid factor of the country where the electricity is used. */
export function gridFactor(c: PairContext, country: Country): number {
  return fv(c, country === 'BE' ? F.GRID_BE : F.GRID_NL);
}

/**
 * min(supply, demand) for an annual estimate (with its input steps), or the delivered quantity given
 * to estimateForQuantity. `label` names the resulting step.
 */
export function sharedQuantity(c: PairContext, label: string, unit: string): number {
  const t = c.trace;
  if (!c.annual) {
    t?.step(label, 'input', c.quantity, unit, 'quantity delivered in the period');
    return c.quantity;
  }
  const s = c.s.annualQuantity;
  const d = c.d.annualQuantity;
  t?.step('supply_quantity', 'input', s, unit);
  t?.step('demand_quantity', 'input', d, unit);
  const q = s < d ? s : d;
  t?.step(label, 'min(supply_quantity, demand_quantity)', q, unit);
  return q;
}

/**
 * A supply sold elsewhere today already serves someone: taking it away makes that buyer fall back on
 * its own counterfactual, so the receiver's avoided production is not credited (DESIGN's caveat made
 * numeric). The pair then shows no net saving and is rejected with that reason in the detail.
 */
export function displacedUse(c: PairContext): boolean {
  if (c.s.currentHandling !== 'sold_elsewhere') return false;
  c.flags |= FLAG_BIT.displaces_existing_use;
  c.trace?.why(
    'the supply is sold elsewhere today (displaces_existing_use): its current buyer would have to replace it, so the receiver’s avoided production is not credited',
  );
  return true;
}

/** Unit with '/yr' for annual estimates; a delivered quantity covers its own period. */
export function perPeriod(c: PairContext, unit: string): string {
  return c.annual ? `${unit}/yr` : unit;
}

import fc from 'fast-check';
import { FLAGS, flagsFromMask, maskOfFlags } from './pair.types';

describe('flag masks', () => {
  // Stored masks (matches.flag_mask) depend on these bits: a change here needs a data migration.
  it.each([
    [[], 0],
    [['heat_pump_required'], 1],
    [['cross_border_shipment'], 2],
    [['waste_status_permit'], 4],
    [['displaces_existing_use'], 8],
    [['low_confidence_factor'], 16],
    [['shared_counterfactual'], 32],
    [['waste_status_permit', 'cross_border_shipment'], 6],
    [['low_confidence_factor', 'heat_pump_required', 'low_confidence_factor'], 17],
  ])('maskOfFlags(%j) = %i', (flags, mask) => {
    expect(maskOfFlags(flags)).toBe(mask);
  });

  it('turns a name that is not a flag away', () => {
    expect(() => maskOfFlags(['stale'])).toThrow(RangeError);
    expect(() => maskOfFlags(['toString'])).toThrow(RangeError);
  });

  it('round-trips every mask and every set of flags, in FLAGS order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** FLAGS.length - 1 }), (mask) => {
        expect(maskOfFlags(flagsFromMask(mask))).toBe(mask);
      }),
    );
    fc.assert(
      fc.property(fc.subarray([...FLAGS]), (flags) => {
        expect(flagsFromMask(maskOfFlags(flags))).toEqual(flags);
      }),
    );
  });
});

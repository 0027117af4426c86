import { CURRENT_FACTOR_SET } from './factors/factor-set';
import {
  demandTypesServedBy,
  findSubstitution,
  isHazardousEwcCode,
  isValidEwcCode,
  MATERIAL_TAXONOMY,
  MATERIAL_TYPES,
  SUBSTITUTIONS,
} from './material.taxonomy';

describe('material taxonomy', () => {
  it('has every required type with typical EWC codes', () => {
    for (const t of MATERIAL_TYPES) {
      const info = MATERIAL_TAXONOMY[t];
      expect(info.id).toBe(t);
      expect(info.ewcCodes.length).toBeGreaterThan(0);
      for (const code of info.ewcCodes) expect(isValidEwcCode(code)).toBe(true);
    }
    expect(MATERIAL_TAXONOMY.spent_sulphuric_acid.hazardousDefault).toBe(true);
    expect(MATERIAL_TAXONOMY.blast_furnace_slag.ewcCodes).toContain('10 02 02');
  });

  it.each([
    ['10 02 02', true, false],
    ['06 01 01*', true, true],
    ['100202', false, false],
    ['10 02 2', false, false],
    ['10 02 02 *', false, false],
    ['10-02-02', false, false],
  ])('EWC code %s valid=%s hazardous=%s', (code, valid, hazardous) => {
    expect(isValidEwcCode(code)).toBe(valid);
    expect(isHazardousEwcCode(code)).toBe(hazardous);
  });

  it('substitutions name factors of the current set', () => {
    for (const s of SUBSTITUTIONS) {
      if (s.avoidedFactorId !== null) expect(CURRENT_FACTOR_SET.factors[s.avoidedFactorId]).toBeDefined();
      if (s.secondaryFactorId !== null) expect(CURRENT_FACTOR_SET.factors[s.secondaryFactorId]).toBeDefined();
    }
  });

  it('looks substitutions up both ways', () => {
    expect(findSubstitution('blast_furnace_slag', 'blast_furnace_slag')?.avoidedFactorId).toBe(
      'material.cement_cem1.co2_per_t',
    );
    expect(findSubstitution('blast_furnace_slag', 'gypsum')).toBeUndefined();
    expect(findSubstitution('toString', 'gypsum')).toBeUndefined();
    expect(demandTypesServedBy('wood')).toEqual(['wood', 'biomass_residue']);
  });
});

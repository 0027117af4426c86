/**
 * Material taxonomy: residue types with typical European List of Waste (EWC) codes, and the
 * substitution table saying which demand a supply can serve and what virgin production that avoids.
 * A substitution without a sourced factor is kept (the materials are compatible) but cannot be
 * quantified: the engine rejects it as `missing_factor` rather than inventing a number.
 */

export const MATERIAL_TYPES = [
  'gypsum',
  'blast_furnace_slag',
  'fly_ash',
  'steel_slag',
  'biomass_residue',
  'spent_sulphuric_acid',
  'plastics',
  'wood',
  'sludge',
  'glass',
  'metal_scrap',
] as const;
export type MaterialType = (typeof MATERIAL_TYPES)[number];

export interface MaterialTypeInfo {
  readonly id: MaterialType;
  readonly label: string;
  /** Typical EWC codes ('dd dd dd', hazardous entries end in '*'). */
  readonly ewcCodes: readonly string[];
  /** Default when a stream does not say; an EWC code with '*' makes a stream hazardous regardless. */
  readonly hazardousDefault: boolean;
}

export const MATERIAL_TAXONOMY: Readonly<Record<MaterialType, MaterialTypeInfo>> = {
  gypsum: {
    id: 'gypsum',
    label: 'Gypsum (FGD, titanogypsum, recycled plasterboard)',
    ewcCodes: ['10 01 05', '10 01 07', '06 11 01', '17 08 02'],
    hazardousDefault: false,
  },
  blast_furnace_slag: {
    id: 'blast_furnace_slag',
    label: 'Granulated blast-furnace slag',
    ewcCodes: ['10 02 02', '10 02 01'],
    hazardousDefault: false,
  },
  fly_ash: {
    id: 'fly_ash',
    label: 'Fly ash',
    ewcCodes: ['10 01 02', '10 01 03', '10 01 17', '10 01 16*', '19 01 14', '19 01 13*'],
    hazardousDefault: false,
  },
  steel_slag: {
    id: 'steel_slag',
    label: 'Steel (converter / electric arc furnace) slag',
    ewcCodes: ['10 02 02', '10 02 01'],
    hazardousDefault: false,
  },
  biomass_residue: {
    id: 'biomass_residue',
    label: 'Biomass residue (plant tissue, forestry, food-processing residue)',
    ewcCodes: ['02 01 03', '02 01 07', '02 03 04', '02 07 04', '20 02 01'],
    hazardousDefault: false,
  },
  spent_sulphuric_acid: {
    id: 'spent_sulphuric_acid',
    label: 'Spent sulphuric acid',
    ewcCodes: ['06 01 01*', '11 01 05*'],
    hazardousDefault: true,
  },
  plastics: {
    id: 'plastics',
    label: 'Plastics',
    ewcCodes: [
      '02 01 04',
      '07 02 13',
      '12 01 05',
      '15 01 02',
      '16 01 19',
      '17 02 03',
      '19 12 04',
      '20 01 39',
    ],
    hazardousDefault: false,
  },
  wood: {
    id: 'wood',
    label: 'Wood',
    ewcCodes: [
      '03 01 05',
      '15 01 03',
      '17 02 01',
      '19 12 07',
      '20 01 38',
      '03 01 04*',
      '19 12 06*',
      '20 01 37*',
    ],
    hazardousDefault: false,
  },
  sludge: {
    id: 'sludge',
    label: 'Sludge (waste-water treatment)',
    ewcCodes: ['19 08 05', '19 08 12', '03 03 11', '02 02 04', '19 08 11*'],
    hazardousDefault: false,
  },
  glass: {
    id: 'glass',
    label: 'Glass (cullet)',
    ewcCodes: ['10 11 12', '15 01 07', '16 01 20', '17 02 02', '19 12 05', '20 01 02'],
    hazardousDefault: false,
  },
  metal_scrap: {
    id: 'metal_scrap',
    label: 'Ferrous metal scrap',
    ewcCodes: ['12 01 01', '12 01 02', '16 01 17', '17 04 05', '19 10 01', '19 12 02', '20 01 40'],
    hazardousDefault: false,
  },
};

const EWC_CODE = /^\d{2} \d{2} \d{2}\*?$/;

/** 'dd dd dd', with a trailing '*' for hazardous entries of the List of Waste. */
export function isValidEwcCode(code: string): boolean {
  return EWC_CODE.test(code);
}

export function isHazardousEwcCode(code: string): boolean {
  return isValidEwcCode(code) && code.endsWith('*');
}

export function isMaterialType(value: unknown): value is MaterialType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MATERIAL_TAXONOMY, value);
}

export interface Substitution {
  readonly supplyType: MaterialType;
  /** The materialType a demand asks for. */
  readonly demandType: MaterialType;
  /** Factor (t CO2 per t) of the virgin production avoided per tonne supplied; null = no sourced factor. */
  readonly avoidedFactorId: string | null;
  /** Factor (t CO2 per t) of preparing the secondary material, deducted from the avoided one; null = included or none. */
  readonly secondaryFactorId: string | null;
  /** Why, and what the credit assumes. Shown in the explanation. */
  readonly note: string;
}

/** Mass ratio is 1:1 in every entry: one tonne of residue replaces one tonne of the virgin material. */
export const SUBSTITUTIONS: readonly Substitution[] = [
  {
    supplyType: 'gypsum',
    demandType: 'gypsum',
    avoidedFactorId: 'material.gypsum_natural.co2_per_t',
    secondaryFactorId: 'material.gypsum_fgd.co2_per_t',
    note: 'secondary gypsum replaces natural gypsum 1:1 (both factors are for calcined gypsum, so the difference is the credit)',
  },
  {
    supplyType: 'blast_furnace_slag',
    demandType: 'blast_furnace_slag',
    avoidedFactorId: 'material.cement_cem1.co2_per_t',
    secondaryFactorId: 'material.ggbs.co2_per_t',
    note: 'ground granulated slag replaces Portland cement (CEM I) 1:1 by mass in blended cement; grinding the slag is deducted',
  },
  {
    supplyType: 'metal_scrap',
    demandType: 'metal_scrap',
    avoidedFactorId: 'material.steel_scrap.avoided_co2_per_t',
    secondaryFactorId: null,
    note: 'ferrous scrap replaces iron from the blast furnace route; the worldsteel figure is already net of the scrap route',
  },
  {
    supplyType: 'fly_ash',
    demandType: 'fly_ash',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'fly ash can replace cement (CEM I), but the factor set has no sourced footprint for preparing fly ash',
  },
  {
    supplyType: 'steel_slag',
    demandType: 'steel_slag',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'steel slag replaces crushed aggregate, but the factor set has no sourced factors for aggregate or slag processing',
  },
  {
    supplyType: 'biomass_residue',
    demandType: 'biomass_residue',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'what biomass residue displaces (fuel, feedstock) depends on its use and moisture; no sourced factor',
  },
  {
    supplyType: 'wood',
    demandType: 'wood',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'recovered wood replaces virgin wood chips or fibre; no sourced factor',
  },
  {
    supplyType: 'wood',
    demandType: 'biomass_residue',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'clean recovered wood can serve a biomass demand; no sourced factor for what it displaces',
  },
  {
    supplyType: 'spent_sulphuric_acid',
    demandType: 'spent_sulphuric_acid',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'regenerated or reused acid replaces virgin sulphuric acid; no sourced factor',
  },
  {
    supplyType: 'plastics',
    demandType: 'plastics',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'recycled polymer replaces virgin polymer; factors depend on the polymer and are not in the set',
  },
  {
    supplyType: 'sludge',
    demandType: 'sludge',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'sludge use (digestion, co-processing) has no sourced factor in the set',
  },
  {
    supplyType: 'glass',
    demandType: 'glass',
    avoidedFactorId: null,
    secondaryFactorId: null,
    note: 'cullet replaces glass batch; no sourced per-tonne factor in the set',
  },
];

// Nested lookup so the hot path allocates nothing (no composite string keys).
const BY_PAIR: Readonly<Record<string, Readonly<Record<string, Substitution>>>> = (() => {
  const out: Record<string, Record<string, Substitution>> = {};
  for (const s of SUBSTITUTIONS) (out[s.supplyType] ??= {})[s.demandType] = s;
  return out;
})();

/** The substitution for a supply type serving a demand type, or undefined when incompatible. */
export function findSubstitution(supplyType: string, demandType: string): Substitution | undefined {
  if (!isMaterialType(supplyType)) return undefined;
  const row = BY_PAIR[supplyType];
  return row !== undefined && Object.prototype.hasOwnProperty.call(row, demandType)
    ? row[demandType]
    : undefined;
}

/** Demand material types a supply type can serve (used by the matcher's prefilter). */
export function demandTypesServedBy(supplyType: string): readonly MaterialType[] {
  return SUBSTITUTIONS.filter((s) => s.supplyType === supplyType).map((s) => s.demandType);
}

/** Supply material types that can serve a demand type. */
export function supplyTypesServing(demandType: string): readonly MaterialType[] {
  return SUBSTITUTIONS.filter((s) => s.demandType === demandType).map((s) => s.supplyType);
}

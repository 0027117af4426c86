/**
 * Water quality classes. A supply's class is what it delivers; a demand's class is the lowest quality
 * it can use. A supply serves a demand when its class is at least the demand's in this partial order:
 *
 *   demineralised ─┐
 *                  ├─> process_water ─> cooling_water ─> treated_effluent
 *   potable ───────┘
 *
 * Demineralised and potable are not comparable: demineralised water is not drinking water (no minerals,
 * not from a certified drinking-water system) and potable water needs treatment before it can feed a
 * boiler. Treated effluent (reuse-grade treated wastewater) serves only a demand that declares it can
 * take treated effluent (e.g. the feed of an own demineralisation plant), not a plain cooling-water need.
 */
export const WATER_QUALITIES = [
  'demineralised',
  'potable',
  'process_water',
  'cooling_water',
  'treated_effluent',
] as const;
export type WaterQualityClass = (typeof WATER_QUALITIES)[number];

/** For each supply class, the demand classes it can serve (itself included). */
export const WATER_SERVES: Readonly<Record<WaterQualityClass, readonly WaterQualityClass[]>> = {
  demineralised: ['demineralised', 'process_water', 'cooling_water', 'treated_effluent'],
  potable: ['potable', 'process_water', 'cooling_water', 'treated_effluent'],
  process_water: ['process_water', 'cooling_water', 'treated_effluent'],
  cooling_water: ['cooling_water', 'treated_effluent'],
  treated_effluent: ['treated_effluent'],
};

export function isWaterQuality(value: unknown): value is WaterQualityClass {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(WATER_SERVES, value);
}

export function waterServes(supply: string, demand: string): boolean {
  if (!isWaterQuality(supply)) return false;
  const served = WATER_SERVES[supply];
  for (let i = 0; i < served.length; i++) if (served[i] === demand) return true;
  return false;
}

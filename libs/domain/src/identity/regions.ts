import { Country } from './company.entity';

/**
 * The regions a site can lie in: ISO 3166-2 codes of the Belgian and Dutch provinces (and the
 * Brussels-Capital Region). The region fixes the site's country, and its bounding box (WGS84,
 * degrees; generous, rounded outwards) is used to reject coordinates that cannot lie in it.
 */
export interface RegionInfo {
  code: string;
  name: string;
  country: Country;
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

// prettier-ignore
const table: RegionInfo[] = [
  { code: 'BE-VAN', name: 'Antwerpen', country: 'BE', minLat: 50.96, maxLat: 51.51, minLon: 4.1, maxLon: 5.25 },
  { code: 'BE-VLI', name: 'Limburg (BE)', country: 'BE', minLat: 50.68, maxLat: 51.26, minLon: 4.98, maxLon: 5.92 },
  { code: 'BE-VOV', name: 'Oost-Vlaanderen', country: 'BE', minLat: 50.71, maxLat: 51.38, minLon: 3.33, maxLon: 4.35 },
  { code: 'BE-VWV', name: 'West-Vlaanderen', country: 'BE', minLat: 50.68, maxLat: 51.38, minLon: 2.54, maxLon: 3.48 },
  { code: 'BE-VBR', name: 'Vlaams-Brabant', country: 'BE', minLat: 50.68, maxLat: 51.06, minLon: 3.88, maxLon: 5.16 },
  { code: 'BE-WBR', name: 'Brabant wallon', country: 'BE', minLat: 50.52, maxLat: 50.81, minLon: 4.15, maxLon: 5.03 },
  { code: 'BE-WHT', name: 'Hainaut', country: 'BE', minLat: 49.95, maxLat: 50.82, minLon: 2.84, maxLon: 4.6 },
  { code: 'BE-WLG', name: 'Liège', country: 'BE', minLat: 50.13, maxLat: 50.83, minLon: 5.02, maxLon: 6.41 },
  { code: 'BE-WLX', name: 'Luxembourg', country: 'BE', minLat: 49.49, maxLat: 50.43, minLon: 4.96, maxLon: 6.03 },
  { code: 'BE-WNA', name: 'Namur', country: 'BE', minLat: 49.78, maxLat: 50.65, minLon: 4.3, maxLon: 5.41 },
  { code: 'BE-BRU', name: 'Brussels-Capital', country: 'BE', minLat: 50.76, maxLat: 50.92, minLon: 4.24, maxLon: 4.49 },
  { code: 'NL-DR', name: 'Drenthe', country: 'NL', minLat: 52.6, maxLat: 53.21, minLon: 6.12, maxLon: 7.1 },
  { code: 'NL-FL', name: 'Flevoland', country: 'NL', minLat: 52.25, maxLat: 52.88, minLon: 5.1, maxLon: 6.02 },
  { code: 'NL-FR', name: 'Fryslân', country: 'NL', minLat: 52.8, maxLat: 53.52, minLon: 4.85, maxLon: 6.45 },
  { code: 'NL-GE', name: 'Gelderland', country: 'NL', minLat: 51.74, maxLat: 52.52, minLon: 5.08, maxLon: 6.83 },
  { code: 'NL-GR', name: 'Groningen', country: 'NL', minLat: 52.95, maxLat: 53.56, minLon: 6.18, maxLon: 7.23 },
  { code: 'NL-LI', name: 'Limburg (NL)', country: 'NL', minLat: 50.75, maxLat: 51.78, minLon: 5.56, maxLon: 6.23 },
  { code: 'NL-NB', name: 'Noord-Brabant', country: 'NL', minLat: 51.22, maxLat: 51.84, minLon: 4.2, maxLon: 6.05 },
  { code: 'NL-NH', name: 'Noord-Holland', country: 'NL', minLat: 52.17, maxLat: 53.19, minLon: 4.49, maxLon: 5.33 },
  { code: 'NL-OV', name: 'Overijssel', country: 'NL', minLat: 52.21, maxLat: 52.85, minLon: 5.79, maxLon: 7.1 },
  { code: 'NL-UT', name: 'Utrecht', country: 'NL', minLat: 51.84, maxLat: 52.31, minLon: 4.79, maxLon: 5.63 },
  { code: 'NL-ZE', name: 'Zeeland', country: 'NL', minLat: 51.2, maxLat: 51.75, minLon: 3.36, maxLon: 4.3 },
  { code: 'NL-ZH', name: 'Zuid-Holland', country: 'NL', minLat: 51.66, maxLat: 52.33, minLon: 3.84, maxLon: 5.0 },
];

export const REGIONS: ReadonlyMap<string, Readonly<RegionInfo>> = new Map(table.map((r) => [r.code, r]));

/** Every supported region code, in table order (for validation messages and OpenAPI enums). */
export const REGION_CODES: readonly string[] = table.map((r) => r.code);

/** How far outside a region's bounding box a site may lie (geocoding slack, border plots). */
export const REGION_MARGIN_KM = 12;

const KM_PER_DEGREE_LAT = 111.2;

export function isRegionCode(value: unknown): value is string {
  return typeof value === 'string' && REGIONS.has(value);
}

/** The country a region belongs to; throws for an unknown code (validate with isRegionCode first). */
export function regionCountry(code: string): Country {
  const region = REGIONS.get(code);
  if (!region) throw new Error(`Unknown region ${code}`);
  return region.country;
}

/**
 * Which coordinate (if any) lies too far outside the region's bounding box, with a message, e.g.
 * `{ latitude: 'is 48.85000, outside BE-VOV (Oost-Vlaanderen: 50.71 to 51.38 ± 12 km)' }`.
 * Empty when the point is plausible for the region.
 */
export function coordinateProblems(
  code: string,
  latitude: number,
  longitude: number,
): Record<string, string> {
  const region = REGIONS.get(code);
  if (!region) return { region: `must be one of ${REGION_CODES.join(', ')}` };
  const latMargin = REGION_MARGIN_KM / KM_PER_DEGREE_LAT;
  const midLat = ((region.minLat + region.maxLat) / 2) * (Math.PI / 180);
  const lonMargin = REGION_MARGIN_KM / (KM_PER_DEGREE_LAT * Math.cos(midLat));
  const problems: Record<string, string> = {};
  const where = `${region.code} (${region.name})`;
  if (latitude < region.minLat - latMargin || latitude > region.maxLat + latMargin) {
    problems.latitude =
      `${latitude} lies outside ${where}, which spans latitudes ` +
      `${region.minLat} to ${region.maxLat} (± ${REGION_MARGIN_KM} km)`;
  }
  if (longitude < region.minLon - lonMargin || longitude > region.maxLon + lonMargin) {
    problems.longitude =
      `${longitude} lies outside ${where}, which spans longitudes ` +
      `${region.minLon} to ${region.maxLon} (± ${REGION_MARGIN_KM} km)`;
  }
  return problems;
}

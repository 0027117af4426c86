import { MatchableStream } from './matching.types';

/**
 * An active heat stream for pure matcher tests: numbered ids (`i` also names its own company, so any
 * two streams may pair), hot water, a cooling tower for a supply and a gas boiler for a demand.
 */
export function heatStream(
  i: number,
  direction: 'supply' | 'demand',
  latitude: number,
  longitude: number,
  annualQuantity: number,
  temperatureC = 120,
): MatchableStream {
  return {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    companyId: `company-${i}`,
    status: 'active',
    version: 1,
    direction,
    category: 'heat',
    annualQuantity,
    quality: { temperatureC, medium: 'hot_water' },
    currentHandling: direction === 'supply' ? 'cooling_tower' : null,
    currentSource: direction === 'demand' ? 'natural_gas_boiler' : null,
    site: { latitude, longitude, country: 'BE', hasQuay: false, hasRail: false },
  };
}

/** An active cooling-water stream for pure matcher tests, numbered like heatStream; demands replace mains water. */
export function waterStream(
  i: number,
  direction: 'supply' | 'demand',
  latitude: number,
  longitude: number,
  annualQuantity: number,
): MatchableStream {
  return {
    ...heatStream(i, direction, latitude, longitude, annualQuantity),
    category: 'water',
    quality: { quality: 'cooling_water' },
    currentHandling: direction === 'supply' ? 'discharged' : null,
    currentSource: direction === 'demand' ? 'mains_water' : null,
  };
}

/** An active CO2 stream for pure matcher tests, numbered like heatStream: vented by a supply, made from natural gas by a demand. */
export function co2Stream(
  i: number,
  direction: 'supply' | 'demand',
  latitude: number,
  longitude: number,
  annualQuantity: number,
): MatchableStream {
  return {
    ...heatStream(i, direction, latitude, longitude, annualQuantity),
    category: 'co2',
    quality: { purityPct: 99 },
    currentHandling: direction === 'supply' ? 'vented' : null,
    currentSource: direction === 'demand' ? 'gas_combustion_co2' : null,
  };
}

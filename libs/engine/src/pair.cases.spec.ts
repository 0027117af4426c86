import type { StreamFacts } from './domain.types';
import { estimatePair, scorePair } from './pair.engine';
import type { Flag, RejectionReason } from './pair.types';
import { demand, north, site, supply } from './testing/stream.fixtures';

/**
 * Hand-computed cases. Factors (set 2026.1): gas 0.202 t/MWh, boiler η 0.90, grid BE 0.167 / NL 0.349 t/MWh,
 * approach ΔT 10 K, Carnot fraction 0.5, max lift 60 K, pipe loss 0.005 /km, pumping 0.006 MWh/MWh/km,
 * circuity pipeline 1.2 / road, rail, barge 1.3, road 0.0903 / rail 0.0113 / barge 0.0386 kg/t·km,
 * compression 0.10 MWh/t, H2 LHV 33.33 MWh/t, SMR 9.35 t/t, gypsum 0.141 − 0.105, CEM I 0.85, GGBS 0.067,
 * steel scrap 1.5 t/t, mains water 0.00051 MWh/m3, water pumping 7.8e-6 MWh/m3/km.
 *
 * Distances: sites on one meridian (lon 3.8), so great-circle d = 6371.0088 × Δlat × π/180:
 *   Δlat 0.015° → d = 1.667926204 km;  Δlat 0.1° → 11.119508023 km;  Δlat 0.15° → 16.679262035 km;
 *   Δlat 0.27° → 30.022671663 km;       Δlat 0.3° → 33.358524070 km.
 */

interface Expect {
  reason?: RejectionReason;
  exchanged?: number;
  supplyUsed?: number;
  routeKm?: number;
  mode?: string;
  gross?: number;
  deducted?: number;
  net?: number;
  energy?: number;
  flags?: Flag[];
}
interface Case {
  name: string;
  s: StreamFacts;
  d: StreamFacts;
  e: Expect;
}

const heat = (t: number) => ({ temperatureC: t, medium: 'hot_water' as const });
const gypsum = { materialType: 'gypsum' as const };
const LOW: Flag = 'low_confidence_factor';

const CASES: Case[] = [
  // ---------------------------------------------------------------- heat
  {
    // Direct (90 ≥ 70 + 10), d = 0: delivered = min(1000, 800) = 800; fuel = 800 / 0.9 = 888.888889;
    // gross = 888.888889 × 0.202 = 179.555556; no pumping at 0 km; net 179.555556; energy 888.888889.
    name: 'heat direct, same site, gas boiler',
    s: supply('heat', { quality: heat(90) }),
    d: demand('heat', { annualQuantity: 800, quality: heat(70) }),
    e: {
      exchanged: 800,
      supplyUsed: 800,
      routeKm: 0,
      mode: 'pipeline',
      gross: 179.555555556,
      deducted: 0,
      net: 179.555555556,
      energy: 888.888888889,
      flags: [LOW],
    },
  },
  {
    // Boundary: supply exactly demand + ΔT (80 = 70 + 10) is direct, no heat pump flag. Same numbers as 1000 MWh:
    // gross = 1000 / 0.9 × 0.202 = 224.444444.
    name: 'heat direct at exactly the approach temperature',
    s: supply('heat', { quality: heat(80) }),
    d: demand('heat', { quality: heat(70) }),
    e: { exchanged: 1000, net: 224.444444444, flags: [LOW] },
  },
  {
    // Losses at ~2 km: route = 1.667926204 × 1.2 = 2.001511444 km; loss = 0.005 × 2.001511 = 0.010007557;
    // delivered = 1000 × 0.989992443 = 989.992443; fuel = 989.992443 / 0.9 = 1099.991603; gross × 0.202 = 222.198304;
    // pumping = 0.006 × 1000 × 2.001511 = 12.009069 MWh × 0.349 (NL) = 4.191165; net = 218.007139;
    // energy = 1099.991603 − 12.009069 = 1087.982534.
    name: 'heat direct, losses and pumping at 2 km',
    s: supply('heat', { quality: heat(90) }),
    d: demand('heat', { quality: heat(70), site: north(0.015) }),
    e: {
      exchanged: 989.992442779,
      routeKm: 2.001511444,
      gross: 222.198303824,
      deducted: 4.191164964,
      net: 218.00713886,
      energy: 1087.982534423,
    },
  },
  {
    // Losses at ~20 km: route = 16.679262035 × 1.2 = 20.015114442; loss = 0.100075572; delivered = 899.924428;
    // gross = 899.924428 / 0.9 × 0.202 = 201.983038; pumping = 0.006 × 1000 × 20.015114 = 120.090687 × 0.349 = 41.911650;
    // net = 160.071389; energy = 999.916031 − 120.090687 = 879.825344.
    name: 'heat direct, losses and pumping at 20 km',
    s: supply('heat', { quality: heat(90) }),
    d: demand('heat', { quality: heat(70), site: north(0.15) }),
    e: {
      exchanged: 899.92442779,
      routeKm: 20.015114442,
      gross: 201.983038237,
      deducted: 41.911649642,
      net: 160.071388596,
      energy: 879.825344225,
    },
  },
  {
    // Heat pump: 50 < 80 + 10. Lift 30 K ≤ 60. T_cond = 80 + 10 + 273.15 = 363.15 K, T_evap = 50 − 10 + 273.15 = 313.15 K;
    // COP = 0.5 × 363.15 / 50 = 3.6315. d = 0: delivered 1000; electricity = 1000 / 3.6315 = 275.368305 MWh × 0.349 (NL)
    // = 96.103538; gross = 1000 / 0.9 × 0.202 = 224.444444; net = 128.340906; energy = 1111.111111 − 275.368305 = 835.742806;
    // drawn from supplier = 1000 × (1 − 1/3.6315) = 724.631695.
    name: 'heat with heat pump, gas boiler, NL receiver',
    s: supply('heat', { quality: heat(50) }),
    d: demand('heat', { quality: heat(80) }),
    e: {
      exchanged: 1000,
      supplyUsed: 724.631694892,
      gross: 224.444444444,
      deducted: 96.103538483,
      net: 128.340905962,
      energy: 835.742806003,
      flags: ['heat_pump_required', LOW],
    },
  },
  {
    // Same heat pump, electric boiler in BE: gross = 1000 × 0.167 = 167; heat pump 275.368305 × 0.167 = 45.986507;
    // net = 121.013493; energy = 1000 − 275.368305 = 724.631695.
    name: 'heat with heat pump, electric boiler, BE receiver',
    s: supply('heat', { quality: heat(50), site: site(51, 3.8, 'BE') }),
    d: demand('heat', { quality: heat(80), currentSource: 'electric_boiler', site: site(51, 3.8, 'BE') }),
    e: {
      gross: 167,
      deducted: 45.986506953,
      net: 121.013493047,
      energy: 724.631694892,
      flags: ['heat_pump_required', LOW],
    },
  },
  {
    // Direct to an electric boiler in BE, d = 0: gross = 500 × 0.167 = 83.5 = net; energy 500.
    name: 'heat direct, electric boiler, BE',
    s: supply('heat', { annualQuantity: 500, quality: heat(90), site: site(51, 3.8, 'BE') }),
    d: demand('heat', { quality: heat(70), currentSource: 'electric_boiler', site: site(51, 3.8, 'BE') }),
    e: { exchanged: 500, gross: 83.5, deducted: 0, net: 83.5, energy: 500 },
  },
  {
    // Lift 110 − 40 = 70 K > 60 K.
    name: 'heat beyond lift',
    s: supply('heat', { quality: heat(40) }),
    d: demand('heat', { quality: heat(110) }),
    e: { reason: 'temperature_lift_too_high' },
  },
  {
    // d = 33.36 km > reach 30 / 1.2 = 25 km.
    name: 'heat beyond reach',
    s: supply('heat'),
    d: demand('heat', { quality: heat(70), site: north(0.3) }),
    e: { reason: 'beyond_reach' },
  },
  {
    // d = 1.668 km > the demand's own limit of 1 km.
    name: "heat beyond the receiver's maxDistanceKm",
    s: supply('heat'),
    d: demand('heat', { quality: heat(70), site: north(0.015), maxDistanceKm: 1 }),
    e: { reason: 'beyond_reach' },
  },
  {
    // Sold elsewhere: nothing credited, d = 0 so nothing deducted: net 0 → rejected.
    name: 'heat sold elsewhere is not credited',
    s: supply('heat', { currentHandling: 'sold_elsewhere' }),
    d: demand('heat', { quality: heat(70) }),
    e: { reason: 'no_net_saving' },
  },
  {
    name: 'heat demand with a counterfactual of another category',
    s: supply('heat'),
    d: demand('heat', { quality: heat(70), currentSource: 'smr_hydrogen' }),
    e: { reason: 'unknown_counterfactual' },
  },
  // ---------------------------------------------------------------- co2
  {
    // Purity 99.5 ≥ 99.0. q = min(1000, 600) = 600 t; gas not burned = 600 / 0.202 = 2970.297030 MWh; gross = 600;
    // compression = 600 × 0.10 = 60 MWh × 0.349 (NL supplier) = 20.94; net = 579.06; energy = 2970.297030 − 60 = 2910.297030.
    name: 'co2 purity passes, greenhouse burning gas for CO2',
    s: supply('co2', { quality: { purityPct: 99.5 } }),
    d: demand('co2', { annualQuantity: 600, quality: { purityPct: 99.0 } }),
    e: {
      exchanged: 600,
      gross: 600,
      deducted: 20.94,
      net: 579.06,
      energy: 2910.2970297,
      mode: 'pipeline',
      flags: [LOW, 'shared_counterfactual'],
    },
  },
  {
    // Compression in BE: 1000 × 0.10 × 0.167 = 16.7; net = 1000 − 16.7 = 983.3; energy = 1000 / 0.202 − 100 = 4850.495050.
    name: 'co2 from a BE supplier: compression at the BE grid',
    s: supply('co2', { site: site(51, 3.8, 'BE') }),
    d: demand('co2', { quality: { purityPct: 99.0 } }),
    e: { gross: 1000, deducted: 16.7, net: 983.3, energy: 4850.495049505 },
  },
  {
    name: 'co2 purity too low',
    s: supply('co2', { quality: { purityPct: 98.0 } }),
    d: demand('co2', { quality: { purityPct: 99.0 } }),
    e: { reason: 'purity_too_low' },
  },
  {
    // Purchased liquid CO2 is not credited (no sourced factor) and compression is deducted: net −34.9 → rejected.
    name: 'co2 replacing purchased liquid CO2 is not credited',
    s: supply('co2'),
    d: demand('co2', { quality: { purityPct: 99.0 }, currentSource: 'purchased_liquid_co2' }),
    e: { reason: 'no_net_saving' },
  },
  {
    name: 'co2 sold elsewhere is not credited',
    s: supply('co2', { currentHandling: 'sold_elsewhere' }),
    d: demand('co2', { quality: { purityPct: 99.0 } }),
    e: { reason: 'no_net_saving' },
  },
  // ---------------------------------------------------------------- hydrogen
  {
    // Burned as fuel today: q = 100 t; gross = 100 × 9.35 = 935; replacement gas = 100 × 33.33 = 3333 MWh × 0.202 = 673.266;
    // net = 261.734; SMR gas = 100 × 9.35 / 0.202 = 4628.712871; energy = 4628.712871 − 3333 = 1295.712871.
    name: 'hydrogen with the fuel counterfactual',
    s: supply('hydrogen', { annualQuantity: 100, currentHandling: 'fuel' }),
    d: demand('hydrogen', { quality: { purityPct: 99.0 } }),
    e: {
      exchanged: 100,
      gross: 935,
      deducted: 673.266,
      net: 261.734,
      energy: 1295.712871287,
      flags: ['displaces_existing_use', LOW],
    },
  },
  {
    // Vented today: nothing to replace: net = gross = 935; energy = 4628.712871.
    name: 'hydrogen without the fuel counterfactual (vented)',
    s: supply('hydrogen', { annualQuantity: 100, currentHandling: 'vented' }),
    d: demand('hydrogen', { quality: { purityPct: 99.0 } }),
    e: { gross: 935, deducted: 0, net: 935, energy: 4628.712871287, flags: [LOW] },
  },
  {
    // Handling not stated: treated as fuel (conservative) — the same numbers as the fuel case.
    name: 'hydrogen with unstated handling is treated as fuel',
    s: supply('hydrogen', { annualQuantity: 100, currentHandling: null }),
    d: demand('hydrogen', { quality: { purityPct: 99.0 } }),
    e: { net: 261.734, flags: ['displaces_existing_use', LOW] },
  },
  {
    name: 'hydrogen purity too low',
    s: supply('hydrogen', { quality: { purityPct: 99.5 } }),
    d: demand('hydrogen', { quality: { purityPct: 99.9 } }),
    e: { reason: 'purity_too_low' },
  },
  // ---------------------------------------------------------------- material
  {
    // Both quays, rail at one end only → barge. d = 11.119508 km; route = × 1.3 = 14.455360 km; q = min(10000, 5000) = 5000 t;
    // gross = 5000 × (0.141 − 0.105) = 180; transport = 5000 × 14.455360 × 0.0386 / 1000 = 2.789885; net = 177.210115.
    name: 'material by barge (quays at both ends)',
    s: supply('material', { annualQuantity: 10000, quality: gypsum, site: site(51, 3.8, 'NL', true, true) }),
    d: demand('material', { annualQuantity: 5000, quality: gypsum, site: north(0.1, 'NL', true, false) }),
    e: {
      mode: 'barge',
      exchanged: 5000,
      routeKm: 14.45536043,
      gross: 180,
      deducted: 2.789884563,
      net: 177.210115437,
      energy: 0,
      flags: [LOW],
    },
  },
  {
    // Both rail and both quays → rail (0.0113 < 0.0386): transport = 5000 × 14.455360 × 0.0113 / 1000 = 0.816728; net = 179.183272.
    name: 'material by rail (rail and quays at both ends)',
    s: supply('material', { annualQuantity: 10000, quality: gypsum, site: site(51, 3.8, 'NL', true, true) }),
    d: demand('material', { annualQuantity: 5000, quality: gypsum, site: north(0.1, 'NL', true, true) }),
    e: { mode: 'rail', deducted: 0.816727864, net: 179.183272136 },
  },
  {
    // Neither end has both → road: transport = 5000 × 14.455360 × 0.0903 / 1000 = 6.526595; net = 173.473405.
    name: 'material by road',
    s: supply('material', { annualQuantity: 10000, quality: gypsum, site: site(51, 3.8, 'NL', true, false) }),
    d: demand('material', { annualQuantity: 5000, quality: gypsum, site: north(0.1, 'NL', false, true) }),
    e: { mode: 'road', deducted: 6.526595234, net: 173.473404766 },
  },
  {
    // Waste crossing BE → NL: both flags. Same site geometry, d = 0: gross = 1000 × 0.036 = 36 = net.
    name: 'material waste crossing the border',
    s: supply('material', { quality: gypsum, regulatoryStatus: 'waste', site: site(51, 3.8, 'BE') }),
    d: demand('material', { quality: gypsum }),
    e: { net: 36, flags: ['cross_border_shipment', 'waste_status_permit', LOW] },
  },
  {
    name: 'material waste within one country: permit only',
    s: supply('material', { quality: gypsum, regulatoryStatus: 'waste' }),
    d: demand('material', { quality: gypsum }),
    e: { net: 36, flags: ['waste_status_permit', LOW] },
  },
  {
    name: 'material by-product crossing the border: no waste flags',
    s: supply('material', { quality: gypsum, regulatoryStatus: 'by_product', site: site(51, 3.8, 'BE') }),
    d: demand('material', { quality: gypsum }),
    e: { flags: [LOW] },
  },
  {
    // Slag for cement, d = 0: gross = 1000 × (0.85 − 0.067) = 783 = net. Road circuity is medium, CEM I / GGBS medium:
    // no low-confidence factor used.
    name: 'blast-furnace slag replacing CEM I',
    s: supply('material', { quality: { materialType: 'blast_furnace_slag' }, currentHandling: 'landfill' }),
    d: demand('material', { quality: { materialType: 'blast_furnace_slag' } }),
    e: { mode: 'road', gross: 783, net: 783, flags: [] },
  },
  {
    // Scrap, d = 0: 1000 × 1.5 = 1500.
    name: 'ferrous scrap replacing blast-furnace iron',
    s: supply('material', { quality: { materialType: 'metal_scrap' } }),
    d: demand('material', { quality: { materialType: 'metal_scrap' } }),
    e: { net: 1500, flags: [] },
  },
  {
    name: 'material incompatible',
    s: supply('material', { quality: { materialType: 'blast_furnace_slag' } }),
    d: demand('material', { quality: gypsum }),
    e: { reason: 'incompatible_material' },
  },
  {
    name: 'material compatible but without a sourced factor',
    s: supply('material', { quality: { materialType: 'fly_ash' } }),
    d: demand('material', { quality: { materialType: 'fly_ash' } }),
    e: { reason: 'missing_factor' },
  },
  {
    name: 'material sold elsewhere: virgin production not credited',
    s: supply('material', {
      quality: { materialType: 'blast_furnace_slag' },
      currentHandling: 'sold_elsewhere',
    }),
    d: demand('material', { quality: { materialType: 'blast_furnace_slag' }, site: north(0.1) }),
    e: { reason: 'no_net_saving' },
  },
  {
    // Incinerated today: credited, but flagged (lost energy recovery not quantified). 1000 × 0.036 = 36.
    name: 'material incinerated today is flagged',
    s: supply('material', { quality: gypsum, currentHandling: 'incineration' }),
    d: demand('material', { quality: gypsum }),
    e: { net: 36, flags: ['displaces_existing_use', LOW] },
  },
  // ---------------------------------------------------------------- water
  {
    // d = 0: mains electricity = 100000 × 0.00051 = 51 MWh × 0.349 (NL) = 17.799 t = net; energy 51.
    name: 'water process → cooling, same site',
    s: supply('water', { annualQuantity: 100000 }),
    d: demand('water', { annualQuantity: 100000, quality: { quality: 'cooling_water' } }),
    e: { exchanged: 100000, gross: 17.799, deducted: 0, net: 17.799, energy: 51 },
  },
  {
    // route = 11.119508 × 1.2 = 13.343410 km; pumping = 100000 × 7.8e-6 × 13.343410 = 10.407860 MWh × 0.349 = 3.632343;
    // net = 17.799 − 3.632343 = 14.166657; energy = 51 − 10.407860 = 40.592140.
    name: 'water pumped 13 km',
    s: supply('water', { annualQuantity: 100000 }),
    d: demand('water', { annualQuantity: 100000, quality: { quality: 'cooling_water' }, site: north(0.1) }),
    e: { routeKm: 13.343409628, deducted: 3.632342969, net: 14.166657031, energy: 40.59214049 },
  },
  {
    // Per m3: gross = 0.00051 × 0.167 (BE receiver) = 8.517e-5 t; pumping at the NL supplier over 36.027 km route =
    // 7.8e-6 × 36.027206 × 0.349 = 9.807e-5 t > gross → no net saving.
    name: 'water pumped 36 km from NL to BE: no net saving',
    s: supply('water', { annualQuantity: 100000 }),
    d: demand('water', {
      annualQuantity: 100000,
      quality: { quality: 'cooling_water' },
      site: north(0.27, 'BE'),
    }),
    e: { reason: 'no_net_saving' },
  },
  {
    name: 'water: cooling-grade cannot serve a potable need',
    s: supply('water', { quality: { quality: 'cooling_water' } }),
    d: demand('water', { quality: { quality: 'potable' } }),
    e: { reason: 'incompatible_water_quality' },
  },
  {
    name: 'water: demineralised is not potable',
    s: supply('water', { quality: { quality: 'demineralised' } }),
    d: demand('water', { quality: { quality: 'potable' } }),
    e: { reason: 'incompatible_water_quality' },
  },
  // ---------------------------------------------------------------- general
  {
    name: 'category mismatch',
    s: supply('heat'),
    d: demand('co2'),
    e: { reason: 'category_mismatch' },
  },
  {
    name: 'two supplies',
    s: supply('heat'),
    d: supply('heat', { id: 'S2' }),
    e: { reason: 'same_direction' },
  },
  {
    name: 'supply and demand swapped',
    s: demand('heat'),
    d: supply('heat'),
    e: { reason: 'wrong_direction' },
  },
  {
    name: 'availability windows do not overlap',
    s: supply('heat', { availableUntil: '2026-03-31' }),
    d: demand('heat', { quality: heat(70), availableFrom: '2026-04-01' }),
    e: { reason: 'not_available_in_period' },
  },
  {
    // Inclusive ends: one shared day overlaps. Numbers as the 1000 MWh direct case: 224.444444.
    name: 'availability windows touching on one day',
    s: supply('heat', { availableFrom: '2026-01-01', availableUntil: '2026-04-01' }),
    d: demand('heat', { quality: heat(70), availableFrom: '2026-04-01', availableUntil: null }),
    e: { net: 224.444444444 },
  },
  {
    name: 'invalid latitude',
    s: supply('heat', { site: site(91) }),
    d: demand('heat'),
    e: { reason: 'invalid_input' },
  },
];

function close(actual: number, expected: number): void {
  // Hand values carry ~10 significant digits.
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(expected)));
}

describe('pair estimates computed by hand', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('$name', ({ s, d, e }) => {
    const r = estimatePair(s, d);
    const fast = scorePair(s, d);
    if (e.reason !== undefined) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe(e.reason);
        expect(r.detail.length).toBeGreaterThan(0);
      }
      expect(fast).toEqual({ ok: false, reason: e.reason });
      return;
    }
    if (!r.ok) throw new Error(`rejected: ${r.reason}: ${r.detail}`);
    if (e.exchanged !== undefined) close(r.exchangedQuantity.amount, e.exchanged);
    if (e.supplyUsed !== undefined) close(r.supplyUsedQuantity.amount, e.supplyUsed);
    if (e.routeKm !== undefined) close(r.routeKm, e.routeKm);
    if (e.mode !== undefined) expect(r.transportMode).toBe(e.mode);
    if (e.gross !== undefined) close(r.grossCo2TonnesPerYear, e.gross);
    if (e.deducted !== undefined) close(r.deductedCo2TonnesPerYear, e.deducted);
    if (e.net !== undefined) close(r.co2AvoidedTonnesPerYear, e.net);
    if (e.energy !== undefined) close(r.energySavedMWhPerYear, e.energy);
    if (e.flags !== undefined) expect([...r.flags].sort()).toEqual([...e.flags].sort());
    expect(r.score).toBe(r.co2AvoidedTonnesPerYear);
  });
});

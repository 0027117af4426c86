import { generateApiKey } from './api-keys.service';
import {
  belgianEnterpriseNumber,
  isValidBelgianEnterpriseNumber,
  normaliseRegistrationNumber,
} from './company.rules';
import { pageOffset, pageRequest } from './page';
import { hashApiKeySecret, parseApiKey, Principal } from './principal';
import { coordinateProblems, REGION_CODES, REGIONS, regionCountry } from './regions';
import { companyScope, PLATFORM_SCOPE, tenantCondition, tenantScopeOf, tenantWhere } from './tenant-scope';

describe('regions', () => {
  it('lists the Belgian and Dutch provinces with sane boxes and the country of their code', () => {
    expect(REGION_CODES).toHaveLength(23);
    for (const region of REGIONS.values()) {
      expect(region.minLat).toBeLessThan(region.maxLat);
      expect(region.minLon).toBeLessThan(region.maxLon);
      expect(region.code.slice(0, 2)).toBe(region.country);
      expect(regionCountry(region.code)).toBe(region.country);
    }
  });

  it.each([
    ['Gent', 51.05, 3.72, 'BE-VOV'],
    ['Antwerpen port', 51.28, 4.34, 'BE-VAN'],
    ['Brugge', 51.21, 3.22, 'BE-VWV'],
    ['Genk', 50.96, 5.5, 'BE-VLI'],
    ['Leuven', 50.88, 4.7, 'BE-VBR'],
    ['Brussel', 50.85, 4.35, 'BE-BRU'],
    ['Charleroi', 50.41, 4.44, 'BE-WHT'],
    ['Liège', 50.63, 5.57, 'BE-WLG'],
    ['Namur', 50.47, 4.87, 'BE-WNA'],
    ['Arlon', 49.68, 5.82, 'BE-WLX'],
    ['Wavre', 50.72, 4.6, 'BE-WBR'],
    ['Terneuzen', 51.33, 3.83, 'NL-ZE'],
    ['Rotterdam', 51.92, 4.48, 'NL-ZH'],
    ['Moerdijk', 51.7, 4.62, 'NL-NB'],
    ['Geleen', 50.97, 5.79, 'NL-LI'],
    ['Amsterdam', 52.37, 4.9, 'NL-NH'],
    ['Utrecht', 52.09, 5.12, 'NL-UT'],
    ['Arnhem', 51.98, 5.91, 'NL-GE'],
    ['Zwolle', 52.51, 6.09, 'NL-OV'],
    ['Lelystad', 52.52, 5.47, 'NL-FL'],
    ['Assen', 52.99, 6.56, 'NL-DR'],
    ['Groningen', 53.22, 6.57, 'NL-GR'],
    ['Leeuwarden', 53.2, 5.8, 'NL-FR'],
  ])('accepts %s in its region', (_city, lat, lon, code) => {
    expect(coordinateProblems(code, lat, lon)).toEqual({});
  });

  it('rejects points far outside the region, naming the coordinate', () => {
    expect(Object.keys(coordinateProblems('BE-VOV', 48.85, 2.35)).sort()).toEqual(['latitude', 'longitude']);
    expect(Object.keys(coordinateProblems('NL-GR', 51.05, 3.72)).sort()).toEqual(['latitude', 'longitude']);
    expect(Object.keys(coordinateProblems('BE-VOV', 51.05, 5.5))).toEqual(['longitude']);
    expect(coordinateProblems('XX-YY', 0, 0)).toEqual({ region: expect.any(String) });
  });

  it('allows a margin of about 12 km across the border', () => {
    // Zelzate lies in Oost-Vlaanderen, a few km south of the Zeeland border.
    expect(coordinateProblems('NL-ZE', 51.2, 3.81)).toEqual({});
    // 30 km south of Zeeland's box is too far.
    expect(coordinateProblems('NL-ZE', 50.93, 3.81)).toEqual({ latitude: expect.any(String) });
  });
});

describe('registration numbers', () => {
  it('checks Belgian enterprise numbers with mod 97 and normalises spellings', () => {
    expect(isValidBelgianEnterpriseNumber('0403170701')).toBe(true);
    expect(isValidBelgianEnterpriseNumber('0403170702')).toBe(false);
    expect(isValidBelgianEnterpriseNumber('2403170701')).toBe(false);
    expect(normaliseRegistrationNumber('BE', 'BE 0403.170.701')).toEqual({ value: '0403170701' });
    expect(normaliseRegistrationNumber('BE', '0403.170.702')).toEqual({ error: expect.any(String) });
    expect(normaliseRegistrationNumber('NL', '6890 1234')).toEqual({ value: '68901234' });
    expect(normaliseRegistrationNumber('NL', '123456789')).toEqual({ error: expect.any(String) });
    for (const base of [0, 1, 4031707, 19_999_999]) {
      expect(isValidBelgianEnterpriseNumber(belgianEnterpriseNumber(base))).toBe(true);
    }
  });
});

describe('API keys', () => {
  it('generates sym_<prefix>_<secret> keys that parse back', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { prefix, secret, key } = generateApiKey();
      expect(key).toMatch(/^sym_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(parseApiKey(key)).toEqual({ prefix, secret });
      seen.add(prefix);
    }
    expect(seen.size).toBe(200);
    expect(hashApiKeySecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(parseApiKey('sym_short_x')).toBeNull();
  });
});

describe('tenant scope', () => {
  const principal = (role: Principal['role'], companyId: string | null = null): Principal => ({
    userId: 'u',
    email: 'e@x.test',
    role,
    companyId,
    region: role === 'province' ? 'BE-VOV' : null,
    via: 'jwt',
  });

  it('gives staff the platform, an officer their company, and a province user nothing', () => {
    expect(tenantScopeOf(principal('admin'))).toEqual(PLATFORM_SCOPE);
    expect(tenantScopeOf(principal('coordinator'))).toEqual(PLATFORM_SCOPE);
    expect(tenantScopeOf(principal('officer', 'c1'))).toEqual({ kind: 'company', companyId: 'c1' });
    expect(() => tenantScopeOf(principal('officer'))).toThrow();
    expect(() => tenantScopeOf(principal('province'))).toThrow();
  });

  it('always produces a filter', () => {
    expect(tenantWhere(PLATFORM_SCOPE, 'companyId')).toEqual({});
    expect(tenantWhere(companyScope('c1'), 'companyId')).toEqual({ companyId: 'c1' });
    expect(tenantCondition(PLATFORM_SCOPE, 's.companyId')).toEqual(['TRUE', {}]);
    expect(tenantCondition(companyScope('c1'), 's.companyId')).toEqual([
      's.companyId = :tenantCompanyId',
      { tenantCompanyId: 'c1' },
    ]);
  });
});

describe('paging', () => {
  it('clamps to sane values', () => {
    expect(pageRequest()).toEqual({ page: 1, pageSize: 20 });
    expect(pageRequest(0, 1000)).toEqual({ page: 1, pageSize: 100 });
    expect(pageOffset(pageRequest(3, 10))).toBe(20);
  });
});

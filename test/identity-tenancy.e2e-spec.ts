/**
 * Companies, sites and users over HTTP: role rules, company scoping, validation of every field,
 * mass assignment, pagination and the OpenAPI document. Bad input is a 400 that writes nothing.
 */
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { belgianEnterpriseNumber, SiteChangeHook, SiteChangeHooks } from '@symbiose/domain';
import { DomainError } from '@symbiose/core';
import { randomInt } from 'node:crypto';
import request from 'supertest';
import { IdentityModule } from '../apps/api/src/identity/identity.module';
import {
  API,
  bearer,
  createCompany,
  createSites,
  createTenant,
  createUser,
  DEFAULT_PASSWORD,
  SITE_LOCATIONS,
  TestTenant,
  TestUser,
  tokenFor,
  uniqueTag,
} from './factories';
import { ApiHarness, startApi } from './support/api-harness';

const kvk = () => String(randomInt(10_000_000, 100_000_000));

describe('identity: companies, sites and users', () => {
  let api: ApiHarness;
  let admin: TestUser;
  let coordinator: TestUser;
  let tenant: TestTenant;
  let other: TestTenant;
  const as = (user: { id: string }) => bearer(tokenFor(api, user));
  const http = () => request(api.url);

  beforeAll(async () => {
    api = await startApi();
    [admin, coordinator] = await Promise.all([
      createUser(api.db, { role: 'admin' }),
      createUser(api.db, { role: 'coordinator' }),
    ]);
    [tenant, other] = await Promise.all([
      createTenant(api.db),
      createTenant(api.db, { company: { country: 'NL' }, location: SITE_LOCATIONS.terneuzen }),
    ]);
  });
  afterAll(async () => api?.close());

  /** Row snapshot for "nothing was written" checks. */
  const snapshot = async (table: 'companies' | 'sites' | 'users' | 'api_keys', id: string) =>
    (await api.db.query(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0] as
      Record<string, unknown> | undefined;

  describe('companies', () => {
    it('registers a company, normalising a Belgian enterprise number', async () => {
      const number = belgianEnterpriseNumber(randomInt(2_000_000, 20_000_000));
      const dotted = `${number.slice(0, 4)}.${number.slice(4, 7)}.${number.slice(7)}`;
      const res = await http()
        .post(`${API}/companies`)
        .set(as(coordinator))
        .send({
          name: '  Canal Zone Steel NV  ',
          country: 'BE',
          registrationNumber: dotted,
          naceCode: '24.10',
        })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        name: 'Canal Zone Steel NV',
        country: 'BE',
        registrationNumber: number,
        naceCode: '24.10',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const again = await http()
        .post(`${API}/companies`)
        .set(as(admin))
        .send({ name: 'Copy', country: 'BE', registrationNumber: `BE ${number}`, naceCode: '24.10' })
        .expect(409);
      expect(again.body).toMatchObject({
        code: 'CONFLICT',
        errors: { registrationNumber: expect.any(String) },
      });
    });

    const valid = () => ({
      name: `Valid ${uniqueTag()}`,
      country: 'NL',
      registrationNumber: kvk(),
      naceCode: '20.14',
    });
    it.each([
      ['missing name', { name: undefined }, 'name'],
      ['empty name', { name: '   ' }, 'name'],
      ['long name', { name: 'x'.repeat(201) }, 'name'],
      ['control character', { name: 'Evil\u0000Corp' }, 'name'],
      ['200 emoji with variation selectors', { name: '\u2764\ufe0f'.repeat(200) }, 'name'],
      ['number as name', { name: 42 }, 'name'],
      ['unknown country', { country: 'DE' }, 'country'],
      ['lower-case country', { country: 'nl' }, 'country'],
      ['short KvK number', { registrationNumber: '1234567' }, 'registrationNumber'],
      ['BE number failing mod 97', { country: 'BE', registrationNumber: '0403170702' }, 'registrationNumber'],
      ['bad NACE code', { naceCode: 'C20' }, 'naceCode'],
      ['unknown property', { website: 'https://example.com' }, 'website'],
      ['client-chosen id', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      ['client-chosen createdAt', { createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
    ])('rejects %s with 400 and writes nothing', async (_what, change, field) => {
      const body = { ...valid(), ...change } as Record<string, unknown>;
      const res = await http().post(`${API}/companies`).set(as(admin)).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(Object.keys(res.body.errors)).toContain(field);
      const written = await api.db.query(`SELECT 1 FROM companies WHERE registration_number = $1`, [
        String(body.registrationNumber).replace(/\D/g, ''),
      ]);
      expect(written).toHaveLength(0);
    });

    it('rejects an empty or non-JSON body with 400', async () => {
      expect((await http().post(`${API}/companies`).set(as(admin))).status).toBe(400);
      expect((await http().post(`${API}/companies`).set(as(admin)).send([])).status).toBe(400);
      const res = await http()
        .post(`${API}/companies`)
        .set(as(admin))
        .set('content-type', 'application/json')
        .send('{"name": ');
      expect(res.status).toBe(400);
    });

    it('edits a company; a country change revalidates the registration number', async () => {
      const company = await createCompany(api.db, { country: 'NL' });
      const patch = (body: object) =>
        http().patch(`${API}/companies/${company.id}`).set(as(coordinator)).send(body);
      expect((await patch({ name: 'Renamed BV' })).body).toMatchObject({ name: 'Renamed BV', country: 'NL' });
      const bad = await patch({ country: 'BE' }).expect(400);
      expect(bad.body.errors).toEqual({ registrationNumber: expect.any(String) });
      const number = belgianEnterpriseNumber(randomInt(2_000_000, 20_000_000));
      expect((await patch({ country: 'BE', registrationNumber: number })).body).toMatchObject({
        country: 'BE',
        registrationNumber: number,
      });
      expect((await patch({ name: null })).status).toBe(400);
      expect((await patch({})).status).toBe(200);
    });

    it("gives an officer only their own company and a 404 for another's", async () => {
      const officerToken = as(tenant.officer);
      const list = await http().get(`${API}/companies`).set(officerToken).expect(200);
      expect(list.body).toEqual({
        items: [expect.objectContaining({ id: tenant.company.id })],
        page: 1,
        pageSize: 20,
        total: 1,
      });
      await http().get(`${API}/companies/${other.company.id}`).set(officerToken).expect(404);
      const nl = await http().get(`${API}/companies?country=NL`).set(officerToken).expect(200);
      expect(nl.body.total).toBe(0);
    });
  });

  describe('sites', () => {
    const site = () => ({ name: `Site ${uniqueTag()}`, ...SITE_LOCATIONS.gent, hasQuay: true });

    it('creates a site; the region fixes its country, which may differ from the company’s', async () => {
      const res = await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(as(tenant.officer))
        .send({ ...site(), ...SITE_LOCATIONS.terneuzen })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        companyId: tenant.company.id,
        name: expect.stringMatching(/^Site /),
        latitude: SITE_LOCATIONS.terneuzen.latitude,
        longitude: SITE_LOCATIONS.terneuzen.longitude,
        region: 'NL-ZE',
        country: 'NL',
        municipality: 'Terneuzen',
        hasQuay: true,
        hasRail: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(tenant.company.country).toBe('BE');
    });

    it('rejects coordinates far outside the named region', async () => {
      const count = async () =>
        Number(
          (
            await api.db.query(`SELECT count(*) AS n FROM sites WHERE company_id = $1`, [tenant.company.id])
          )[0].n,
        );
      const before = await count();
      const res = await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(as(tenant.officer))
        .send({ ...site(), region: 'NL-GR' })
        .expect(400);
      expect(res.body.errors).toEqual({
        latitude: expect.stringContaining('NL-GR'),
        longitude: expect.any(String),
      });
      // Paris is not in Oost-Vlaanderen either.
      await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(as(tenant.officer))
        .send({ ...site(), latitude: 48.85, longitude: 2.35 })
        .expect(400);
      // A border plot a few km across the line is fine (Zelzate named as Zeeland).
      await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(as(tenant.officer))
        .send({ ...site(), latitude: 51.2, longitude: 3.81, region: 'NL-ZE' })
        .expect(201);
      expect(await count()).toBe(before + 1);
    });

    it.each([
      ['latitude above 90', { latitude: 91 }, 'latitude'],
      ['longitude below -180', { longitude: -181 }, 'longitude'],
      ['latitude as a string', { latitude: '51.1' }, 'latitude'],
      ['unknown region', { region: 'BE-XXX' }, 'region'],
      ['country as region', { region: 'BE' }, 'region'],
      ['missing municipality', { municipality: undefined }, 'municipality'],
      ['long municipality', { municipality: 'm'.repeat(101) }, 'municipality'],
      ['long name', { name: 'n'.repeat(201) }, 'name'],
      ['hasQuay as a string', { hasQuay: 'yes' }, 'hasQuay'],
      ['hasRail null', { hasRail: null }, 'hasRail'],
      ['companyId in the body', { companyId: '00000000-0000-4000-8000-000000000000' }, 'companyId'],
      ['id in the body', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      ['country in the body', { country: 'BE' }, 'country'],
    ])('rejects %s with 400 and writes nothing', async (_what, change, field) => {
      const body = { ...site(), ...change } as Record<string, unknown>;
      const res = await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(as(coordinator))
        .send(body)
        .expect(400);
      expect(Object.keys(res.body.errors)).toContain(field);
      const written = await api.db.query(`SELECT 1 FROM sites WHERE name = $1`, [String(body.name).trim()]);
      expect(written).toHaveLength(0);
    });

    it('edits a site, keeping coordinates and region consistent', async () => {
      const [s] = await createSites(api.db, [{ companyId: tenant.company.id, ...SITE_LOCATIONS.gent }]);
      const patch = (body: object, who: { id: string } = tenant.officer) =>
        http().patch(`${API}/sites/${s.id}`).set(as(who)).send(body);
      const before = await snapshot('sites', s.id);
      expect((await patch({ region: 'NL-LI' })).status).toBe(400);
      expect((await patch({ latitude: 52.5 })).status).toBe(400);
      expect(await snapshot('sites', s.id)).toEqual(before);
      const moved = await patch({ ...SITE_LOCATIONS.vlissingen, hasRail: true }).expect(200);
      expect(moved.body).toMatchObject({
        region: 'NL-ZE',
        country: 'NL',
        municipality: 'Vlissingen',
        hasRail: true,
      });
      expect((await patch({ name: 'Renamed' }, other.officer)).status).toBe(404);
      expect((await snapshot('sites', s.id))?.name).toBe(s.name);
    });

    it('runs registered site-change hooks in the same transaction', async () => {
      const [s] = await createSites(api.db, [{ companyId: tenant.company.id, ...SITE_LOCATIONS.gent }]);
      const hooks = api.app.get(SiteChangeHooks);
      const seen: boolean[] = [];
      const hook: SiteChangeHook = {
        async onSiteChanged(_manager, change) {
          seen.push(change.locationChanged);
          if (change.after.name === 'veto') throw DomainError.validation({ name: 'vetoed by a hook' });
        },
      };
      hooks.register(hook);
      try {
        await http()
          .patch(`${API}/sites/${s.id}`)
          .set(as(coordinator))
          .send({ name: 'just a name' })
          .expect(200);
        await http().patch(`${API}/sites/${s.id}`).set(as(coordinator)).send({ hasQuay: true }).expect(200);
        await http().patch(`${API}/sites/${s.id}`).set(as(coordinator)).send({ name: 'veto' }).expect(400);
      } finally {
        hooks.unregister(hook);
      }
      expect(seen).toEqual([false, true, false]);
      expect((await snapshot('sites', s.id))?.name).toBe('just a name');
    });

    it('lists an officer’s sites only, paginated in a stable order', async () => {
      const t = await createTenant(api.db, { sites: 5 });
      const token = as(t.officer);
      const page = async (n: number, size = 2) =>
        (await http().get(`${API}/sites?page=${n}&pageSize=${size}`).set(token).expect(200)).body;
      const pages = [await page(1), await page(2), await page(3), await page(4)];
      expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1, 0]);
      expect(pages.every((p) => p.total === 5 && p.pageSize === 2)).toBe(true);
      const ids = pages.flatMap((p) => p.items.map((i: { id: string }) => i.id));
      expect(new Set(ids)).toEqual(new Set(t.sites.map((x) => x.id)));
      expect((await page(1)).items).toEqual(pages[0].items);
      const all = (await http().get(`${API}/sites?pageSize=100`).set(token).expect(200)).body;
      expect(all.items.map((i: { id: string }) => i.id)).toEqual(ids);
      const foreign = await http().get(`${API}/sites?companyId=${other.company.id}`).set(token).expect(200);
      expect(foreign.body).toEqual({ items: [], page: 1, pageSize: 20, total: 0 });
    });

    it.each([
      'pageSize=101',
      'pageSize=0',
      'page=0',
      'page=abc',
      'page=1.5',
      'page=1&page=2',
      'companyId=nope',
      'region=XX',
      'sort=name',
    ])('rejects ?%s with 400', async (query) => {
      const res = await http().get(`${API}/sites?${query}`).set(as(coordinator));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it.each([
      'not-a-uuid',
      '12345',
      `{${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}}`,
      'x'.repeat(150),
      '%00',
    ])('answers a malformed id (%s) with 404', async (id) => {
      const res = await http().get(`${API}/sites/${id}`).set(as(coordinator));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });
  });

  describe('users', () => {
    const newUser = (role: string, extra: object = {}) => ({
      email: `created.${uniqueTag()}@factory.test`,
      password: DEFAULT_PASSWORD,
      role,
      ...extra,
    });
    const userRows = (email: string) =>
      api.db.query(`SELECT * FROM users WHERE lower(email) = lower($1)`, [email]);

    it('lets a coordinator create officers only', async () => {
      const officer = newUser('officer', { companyId: tenant.company.id });
      const created = await http().post(`${API}/users`).set(as(coordinator)).send(officer).expect(201);
      expect(created.body).toMatchObject({
        role: 'officer',
        companyId: tenant.company.id,
        region: null,
        disabled: false,
      });
      expect(JSON.stringify(created.body)).not.toMatch(/password|argon2/i);
      for (const body of [
        newUser('coordinator'),
        newUser('admin'),
        newUser('province', { region: 'BE-VOV' }),
      ]) {
        await http().post(`${API}/users`).set(as(coordinator)).send(body).expect(403);
        expect(await userRows(body.email)).toHaveLength(0);
      }
      const [row] = await userRows(officer.email);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('binds officers to a company and province users to a region, nobody else', async () => {
      const post = (body: object) => http().post(`${API}/users`).set(as(admin)).send(body);
      const cases: [object, string][] = [
        [newUser('officer'), 'companyId'],
        [newUser('officer', { companyId: '00000000-0000-4000-8000-000000000000' }), 'companyId'],
        [newUser('officer', { companyId: tenant.company.id, region: 'BE-VOV' }), 'region'],
        [newUser('province'), 'region'],
        [newUser('province', { region: 'FR-IDF' }), 'region'],
        [newUser('coordinator', { companyId: tenant.company.id }), 'companyId'],
        [newUser('superuser'), 'role'],
        [{ ...newUser('admin'), password: 'short' }, 'password'],
        [{ ...newUser('admin'), password: 'p'.repeat(201) }, 'password'],
        [{ ...newUser('admin'), email: 'no-at-sign' }, 'email'],
        [{ ...newUser('admin'), id: '00000000-0000-4000-8000-000000000000' }, 'id'],
        [{ ...newUser('admin'), createdAt: '2020-01-01' }, 'createdAt'],
        [{ ...newUser('admin'), disabled: true }, 'disabled'],
      ];
      for (const [body, field] of cases) {
        const res = await post(body);
        expect({ field, status: res.status, errors: Object.keys(res.body.errors ?? {}) }).toEqual({
          field,
          status: 400,
          errors: expect.arrayContaining([field]),
        });
        expect(await userRows((body as { email: string }).email)).toHaveLength(0);
      }
      const province = await post(newUser('province', { region: 'NL-ZE' })).expect(201);
      expect(province.body).toMatchObject({ role: 'province', region: 'NL-ZE', companyId: null });
    });

    it('treats e-mail addresses case-insensitively and uniquely', async () => {
      const body = newUser('coordinator');
      await http().post(`${API}/users`).set(as(admin)).send(body).expect(201);
      const dup = await http()
        .post(`${API}/users`)
        .set(as(admin))
        .send({ ...body, email: body.email.toUpperCase() })
        .expect(409);
      expect(dup.body).toMatchObject({ code: 'CONFLICT', errors: { email: expect.any(String) } });
    });

    it('moves a user between roles keeping the bindings consistent', async () => {
      const u = await createUser(api.db, { role: 'officer', companyId: tenant.company.id });
      const patch = (body: object) => http().patch(`${API}/users/${u.id}`).set(as(admin)).send(body);
      expect((await patch({ role: 'coordinator' })).body).toMatchObject({
        role: 'coordinator',
        companyId: null,
      });
      expect((await patch({ role: 'officer' })).body.errors).toEqual({ companyId: expect.any(String) });
      expect((await patch({ role: 'officer', companyId: other.company.id })).body).toMatchObject({
        role: 'officer',
        companyId: other.company.id,
      });
      expect((await patch({ role: 'province', region: 'BE-VWV' })).body).toMatchObject({
        role: 'province',
        companyId: null,
        region: 'BE-VWV',
      });
    });

    it('lists users with filters, without secrets', async () => {
      const res = await http()
        .get(`${API}/users?companyId=${tenant.company.id}&role=officer&pageSize=100`)
        .set(as(coordinator))
        .expect(200);
      expect(res.body.items.map((u: { id: string }) => u.id)).toContain(tenant.officer.id);
      expect(res.body.items.every((u: { companyId: string }) => u.companyId === tenant.company.id)).toBe(
        true,
      );
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/i);
    });
  });

  describe('mass assignment: forbidden fields are a 400 and change nothing', () => {
    const zeroUuid = '00000000-0000-4000-8000-000000000000';

    it.each([
      ['PATCH /sites/:id', 'sites', { companyId: 'other' }],
      ['PATCH /sites/:id', 'sites', { id: zeroUuid }],
      ['PATCH /sites/:id', 'sites', { createdAt: '2020-01-01T00:00:00Z' }],
      ['PATCH /sites/:id', 'sites', { country: 'NL' }],
      ['PATCH /companies/:id', 'companies', { id: zeroUuid }],
      ['PATCH /companies/:id', 'companies', { createdAt: '2020-01-01T00:00:00Z' }],
      ['PATCH /users/:id', 'users', { id: zeroUuid }],
      ['PATCH /users/:id', 'users', { createdAt: '2020-01-01T00:00:00Z' }],
      ['PATCH /users/:id', 'users', { passwordHash: 'x' }],
    ] as const)('%s with %j', async (route, table, extra) => {
      const s = (await createSites(api.db, [{ companyId: tenant.company.id }]))[0];
      const u = await createUser(api.db, { role: 'officer', companyId: tenant.company.id });
      const id = table === 'sites' ? s.id : table === 'companies' ? tenant.company.id : u.id;
      const body: Record<string, unknown> = { ...extra };
      if (body.companyId === 'other') body.companyId = other.company.id;
      const before = await snapshot(table, id);
      const path = route.replace('/:id', `/${id}`).replace(/^PATCH /, '');
      const res = await http()
        .patch(`${API}${path}`)
        .set(as(admin))
        .send({ ...body, ...(table === 'users' ? { disabled: false } : { name: 'changed?' }) })
        .expect(400);
      expect(Object.values(res.body.errors)).toContain('unknown property');
      expect(await snapshot(table, id)).toEqual(before);
    });

    it('an officer cannot raise their own role or move to another company', async () => {
      const officer = await createUser(api.db, { role: 'officer', companyId: tenant.company.id });
      const token = as(officer);
      const before = await snapshot('users', officer.id);
      await http().patch(`${API}/users/${officer.id}`).set(token).send({ role: 'admin' }).expect(403);
      await http()
        .patch(`${API}/users/${officer.id}`)
        .set(token)
        .send({ companyId: other.company.id })
        .expect(403);
      const res = await http()
        .put(`${API}/auth/me/password`)
        .set(token)
        .send({
          currentPassword: officer.password,
          newPassword: 'a-new-password-123',
          role: 'admin',
          companyId: other.company.id,
        })
        .expect(400);
      expect(res.body.errors).toEqual({ role: 'unknown property', companyId: 'unknown property' });
      expect(await snapshot('users', officer.id)).toEqual(before);
    });

    it('an admin cannot change their own role, disable themselves or take a company', async () => {
      const self = await createUser(api.db, { role: 'admin' });
      const before = await snapshot('users', self.id);
      for (const body of [
        { role: 'coordinator' },
        { disabled: true },
        { role: 'officer', companyId: tenant.company.id },
      ]) {
        await http().patch(`${API}/users/${self.id}`).set(as(self)).send(body).expect(403);
      }
      expect(await snapshot('users', self.id)).toEqual(before);
      await http()
        .patch(`${API}/users/${self.id}`)
        .set(as(self))
        .send({ role: 'admin', disabled: false })
        .expect(200);
    });

    it('POST bodies cannot choose owners or ids', async () => {
      const token = bearer(tokenFor(api, tenant.officer));
      const siteName = `Sneaky ${uniqueTag()}`;
      await http()
        .post(`${API}/companies/${tenant.company.id}/sites`)
        .set(token)
        .send({ name: siteName, ...SITE_LOCATIONS.gent, companyId: other.company.id })
        .expect(400);
      expect(await api.db.query(`SELECT 1 FROM sites WHERE name = $1`, [siteName])).toHaveLength(0);
      const keyName = `sneaky ${uniqueTag()}`;
      for (const extra of [{ userId: admin.id }, { id: zeroUuid }, { prefix: 'AAAAAAAAAAAA' }]) {
        await http()
          .post(`${API}/api-keys`)
          .set(token)
          .send({ name: keyName, ...extra })
          .expect(400);
      }
      expect(await api.db.query(`SELECT 1 FROM api_keys WHERE name = $1`, [keyName])).toHaveLength(0);
    });
  });

  it('documents the identity routes in OpenAPI, with security and response schemas', async () => {
    const config = new DocumentBuilder()
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', name: 'X-Api-Key', in: 'header' }, 'api-key')
      .build();
    const doc = SwaggerModule.createDocument(api.app, config, { include: [IdentityModule] });
    const paths = doc.paths as Record<
      string,
      Record<string, { security?: object[]; responses: Record<string, unknown>; tags?: string[] }>
    >;
    for (const [path, methods] of Object.entries({
      '/api/v1/auth/login': ['post'],
      '/api/v1/auth/me': ['get'],
      '/api/v1/auth/me/password': ['put'],
      '/api/v1/api-keys': ['post', 'get'],
      '/api/v1/api-keys/{id}': ['get', 'delete'],
      '/api/v1/users': ['post', 'get'],
      '/api/v1/users/{id}': ['get', 'patch'],
      '/api/v1/companies': ['post', 'get'],
      '/api/v1/companies/{id}': ['get', 'patch'],
      '/api/v1/companies/{id}/sites': ['post'],
      '/api/v1/sites': ['get'],
      '/api/v1/sites/{id}': ['get', 'patch'],
    })) {
      for (const method of methods) {
        expect({ path, method, documented: !!paths[path]?.[method] }).toEqual({
          path,
          method,
          documented: true,
        });
        if (path !== '/api/v1/auth/login')
          expect(paths[path][method].security).toEqual(expect.arrayContaining([{ bearer: [] }]));
      }
    }
    const schemas = doc.components?.schemas ?? {};
    for (const name of [
      'UserResponse',
      'CompanyResponse',
      'SiteResponse',
      'ApiKeyResponse',
      'CreatedApiKeyResponse',
      'LoginResponse',
      'SitePage',
      'ErrorResponse',
    ]) {
      expect(schemas[name]).toBeDefined();
    }
    expect(JSON.stringify(schemas.UserResponse)).not.toMatch(/password|hash/i);
  });
});

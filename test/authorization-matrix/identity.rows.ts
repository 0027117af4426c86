import { randomInt } from 'node:crypto';
import { DEFAULT_PASSWORD, SITE_LOCATIONS } from '../factories';
import { line, MatrixFeature, RequestContext } from './matrix';

const login = ({ world }: RequestContext) => ({
  email: world.loginUser.email,
  password: world.loginUser.password,
});
const wrongCurrentPassword = {
  currentPassword: 'not-the-current-password',
  newPassword: 'another-password-123',
};
const newUser =
  (role: string, extra: (ctx: RequestContext) => Record<string, unknown> = () => ({})) =>
  (ctx: RequestContext) => ({
    email: `matrix.${role}.${ctx.seq}@factory.test`,
    password: DEFAULT_PASSWORD,
    role,
    ...extra(ctx),
  });
const newOfficerOfA = newUser('officer', ({ world }) => ({ companyId: world.companyA.id }));
const newProvinceUser = newUser('province', () => ({ region: 'NL-ZE' }));
const newCompany = ({ seq }: RequestContext) => ({
  name: `Matrix New Company ${seq}`,
  country: 'NL',
  registrationNumber: String(randomInt(10_000_000, 100_000_000)),
  naceCode: '35.30',
});
const newSite = ({ seq }: RequestContext) => ({ name: `Matrix New Site ${seq}`, ...SITE_LOCATIONS.zelzate });
const sameCompanyName = (which: 'companyA' | 'companyB') => (ctx: RequestContext) => ({
  name: ctx.world[which].name,
});
const sameSiteName = (which: 'siteA' | 'siteB') => (ctx: RequestContext) => ({ name: ctx.world[which].name });

/**
 * Issue #3: identity and tenancy. Officer A belongs to company A (site A), officer B to company B
 * (site B); the province user is bound to BE-VOV. Another company's resource is a 404, a route the
 * role may not use a 403, no credentials a 401.
 */
export const identityMatrix: MatrixFeature = {
  name: 'identity and tenancy',
  prefixes: ['/auth', '/api-keys', '/users', '/companies', '/sites'],
  // prettier-ignore
  lines: [
    //   method    path template                    admin coord offA offB prov anon
    line('POST',   '/auth/login',                    200, 200, 200, 200, 200, 200, { body: login }),
    line('GET',    '/auth/me',                       200, 200, 200, 200, 200, 401),
    line('PUT',    '/auth/me/password',              400, 400, 400, 400, 400, 401, { body: wrongCurrentPassword }),

    line('POST',   '/api-keys',                      201, 201, 201, 201, 201, 401, { body: { name: 'matrix' } }),
    line('GET',    '/api-keys',                      200, 200, 200, 200, 200, 401),
    line('GET',    '/api-keys/:ownApiKey',           200, 200, 200, 200, 200, 401),
    line('GET',    '/api-keys/:foreignApiKey',       404, 404, 404, 404, 404, 401),
    line('GET',    '/api-keys/not-a-uuid',           404, 404, 404, 404, 404, 401),
    line('DELETE', '/api-keys/:ownSpareKey',         204, 204, 204, 204, 204, 401),
    line('DELETE', '/api-keys/:foreignApiKey',       404, 404, 404, 404, 404, 401),
    line('DELETE', '/api-keys/:unknownId',           404, 404, 404, 404, 404, 401),

    line('POST',   '/users',                         201, 201, 403, 403, 403, 401, { body: newOfficerOfA, note: 'create officer' }),
    line('POST',   '/users',                         201, 403, 403, 403, 403, 401, { body: newUser('coordinator'), note: 'create coordinator' }),
    line('POST',   '/users',                         201, 403, 403, 403, 403, 401, { body: newProvinceUser, note: 'create province' }),
    line('POST',   '/users',                         201, 403, 403, 403, 403, 401, { body: newUser('admin'), note: 'create admin' }),
    line('GET',    '/users',                         200, 200, 403, 403, 403, 401),
    line('GET',    '/users?companyId=:companyB',     200, 200, 403, 403, 403, 401),
    line('GET',    '/users/:targetOfficerA',         200, 200, 403, 403, 403, 401),
    line('GET',    '/users/:self',                   200, 200, 403, 403, 403, 401),
    line('GET',    '/users/:unknownId',              404, 404, 403, 403, 403, 401),
    line('GET',    '/users/not-a-uuid',              404, 404, 403, 403, 403, 401),
    line('PATCH',  '/users/:targetOfficerA',         200, 403, 403, 403, 403, 401, { body: { disabled: false } }),
    line('PATCH',  '/users/:targetOfficerB',         200, 403, 403, 403, 403, 401, { body: { disabled: false } }),
    line('PATCH',  '/users/:self',                   200, 403, 403, 403, 403, 401, { body: { role: 'admin' }, note: 'own role' }),
    line('PATCH',  '/users/:unknownId',              404, 403, 403, 403, 403, 401, { body: { disabled: false } }),

    line('POST',   '/companies',                     201, 201, 403, 403, 403, 401, { body: newCompany }),
    line('GET',    '/companies',                     200, 200, 200, 200, 403, 401),
    line('GET',    '/companies?country=NL',          200, 200, 200, 200, 403, 401),
    line('GET',    '/companies/:companyA',           200, 200, 200, 404, 403, 401),
    line('GET',    '/companies/:companyB',           200, 200, 404, 200, 403, 401),
    line('GET',    '/companies/:unknownId',          404, 404, 404, 404, 403, 401),
    line('GET',    '/companies/not-a-uuid',          404, 404, 404, 404, 403, 401),
    line('PATCH',  '/companies/:companyA',           200, 200, 403, 403, 403, 401, { body: sameCompanyName('companyA') }),
    line('PATCH',  '/companies/:companyB',           200, 200, 403, 403, 403, 401, { body: sameCompanyName('companyB') }),
    line('PATCH',  '/companies/:unknownId',          404, 404, 403, 403, 403, 401, { body: { name: 'Nobody' } }),
    line('POST',   '/companies/:companyA/sites',     201, 201, 201, 404, 403, 401, { body: newSite }),
    line('POST',   '/companies/:companyB/sites',     201, 201, 404, 201, 403, 401, { body: newSite }),
    line('POST',   '/companies/:unknownId/sites',    404, 404, 404, 404, 403, 401, { body: newSite }),
    line('POST',   '/companies/not-a-uuid/sites',    404, 404, 404, 404, 403, 401, { body: newSite }),

    line('GET',    '/sites',                         200, 200, 200, 200, 403, 401),
    line('GET',    '/sites?companyId=:companyA',     200, 200, 200, 200, 403, 401),
    line('GET',    '/sites?companyId=:companyB',     200, 200, 200, 200, 403, 401),
    line('GET',    '/sites/:siteA',                  200, 200, 200, 404, 403, 401),
    line('GET',    '/sites/:siteB',                  200, 200, 404, 200, 403, 401),
    line('GET',    '/sites/:unknownId',              404, 404, 404, 404, 403, 401),
    line('GET',    '/sites/not-a-uuid',              404, 404, 404, 404, 403, 401),
    line('PATCH',  '/sites/:siteA',                  200, 200, 200, 404, 403, 401, { body: sameSiteName('siteA') }),
    line('PATCH',  '/sites/:siteB',                  200, 200, 404, 200, 403, 401, { body: sameSiteName('siteB') }),
    line('PATCH',  '/sites/:unknownId',              404, 404, 404, 404, 403, 401, { body: { name: 'Nowhere' } }),
  ],
};

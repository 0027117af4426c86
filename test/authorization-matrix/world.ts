import { randomUUID } from 'node:crypto';
import {
  createApiKey,
  createCompanies,
  createSites,
  createUsers,
  SITE_LOCATIONS,
  tokenFor,
} from '../factories';
import type { ApiHarness } from '../support/api-harness';
import { ACTORS, Actor, MatrixWorld, SIGNED_IN_ACTORS, SignedInActor } from './matrix';

/** Builds the matrix world (see MatrixWorld) with the factories; tokens are minted, not logged in. */
export async function buildMatrixWorld(api: ApiHarness): Promise<MatrixWorld> {
  const { db } = api;
  const [companyA, companyB] = await createCompanies(db, [
    { name: 'Matrix Company A', country: 'BE' },
    { name: 'Matrix Company B', country: 'NL' },
  ]);
  const [siteA, siteB] = await createSites(db, [
    { companyId: companyA.id, name: 'Matrix Site A', ...SITE_LOCATIONS.gent },
    { companyId: companyB.id, name: 'Matrix Site B', ...SITE_LOCATIONS.terneuzen },
  ]);
  const [admin, coordinator, officerA, officerB, province, targetOfficerA, targetOfficerB, loginUser] =
    await createUsers(db, [
      { role: 'admin' },
      { role: 'coordinator' },
      { role: 'officer', companyId: companyA.id },
      { role: 'officer', companyId: companyB.id },
      { role: 'province', region: 'BE-VOV' },
      { role: 'officer', companyId: companyA.id },
      { role: 'officer', companyId: companyB.id },
      { role: 'coordinator' },
    ]);
  const users: Record<SignedInActor, typeof admin> = { admin, coordinator, officerA, officerB, province };
  const tokens = Object.fromEntries(SIGNED_IN_ACTORS.map((a) => [a, tokenFor(api, users[a])])) as Record<
    SignedInActor,
    string
  >;
  const apiKeys = Object.fromEntries(
    await Promise.all(
      SIGNED_IN_ACTORS.map(async (a) => [
        a,
        { primary: await createApiKey(db, users[a].id), spare: await createApiKey(db, users[a].id) },
      ]),
    ),
  ) as MatrixWorld['apiKeys'];

  const ids: Record<string, string> = {
    companyA: companyA.id,
    companyB: companyB.id,
    siteA: siteA.id,
    siteB: siteB.id,
    targetOfficerA: targetOfficerA.id,
    targetOfficerB: targetOfficerB.id,
    loginUser: loginUser.id,
    unknownId: randomUUID(),
  };
  const companyAIds = [companyA.id, siteA.id, officerA.id, targetOfficerA.id, apiKeys.officerA.primary.id];
  const companyBIds = [companyB.id, siteB.id, officerB.id, targetOfficerB.id, apiKeys.officerB.primary.id];
  const hiddenFrom = Object.fromEntries(ACTORS.map((a) => [a, new Set<string>()])) as Record<
    Actor,
    Set<string>
  >;
  companyBIds.forEach((id) => hiddenFrom.officerA.add(id));
  companyAIds.forEach((id) => hiddenFrom.officerB.add(id));
  [...companyAIds, ...companyBIds].forEach((id) => hiddenFrom.province.add(id));
  [...companyAIds, ...companyBIds].forEach((id) => hiddenFrom.anonymous.add(id));

  return {
    api,
    companyA,
    companyB,
    siteA,
    siteB,
    users,
    loginUser,
    tokens,
    apiKeys,
    ids,
    hiddenFrom,
  };
}

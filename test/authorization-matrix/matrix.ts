/**
 * The authorization matrix: for every route, what each kind of caller gets, written as a table.
 *
 * A feature contributes a `MatrixFeature` (see identity.rows.ts): the URL prefixes it owns, an
 * optional `setup` that creates its own resources and names their ids, and `lines` — one per
 * method + path, with the expected status for each actor in column order:
 *
 *   //    method  path template              admin coord offA offB prov anon
 *   line('GET',  '/companies/:companyA',      200,  200,  200, 404, 403, 401),
 *
 * `expandRows` turns lines into plain rows (method, path, role, expected status). The spec
 * (test/authorization-matrix.e2e-spec.ts) runs every row, checks every successful response with
 * a leak detector, and fails if a route of a feature's prefixes has no line at all.
 *
 * Path templates: `:name` is replaced by `world.ids[name]` or, first, by the calling actor's own
 * ids (`:self`, `:ownApiKey`, `:ownSpareKey`, `:foreignApiKey`). Query strings may use them too.
 */
import type { ApiHarness } from '../support/api-harness';
import type { TestApiKey, TestCompany, TestSite, TestUser } from '../factories';

export const ACTORS = ['admin', 'coordinator', 'officerA', 'officerB', 'province', 'anonymous'] as const;
export type Actor = (typeof ACTORS)[number];
export type SignedInActor = Exclude<Actor, 'anonymous'>;
export const SIGNED_IN_ACTORS = ACTORS.filter((a): a is SignedInActor => a !== 'anonymous');

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext {
  world: MatrixWorld;
  actor: Actor;
  /** Unique per request, for unique names and e-mail addresses in bodies. */
  seq: string;
}

export type Body = Record<string, unknown> | ((ctx: RequestContext) => Record<string, unknown>);

export interface LineOptions {
  body?: Body;
  /** Skip the leak detector for this line (e.g. a route that legitimately reveals a counterpart). */
  leakCheck?: boolean;
  note?: string;
}

export interface MatrixLine extends LineOptions {
  method: Method;
  path: string;
  expect: Record<Actor, number>;
}

/** One cell of the table: what one actor gets for one method + path. */
export interface MatrixRow extends LineOptions {
  method: Method;
  path: string;
  role: Actor;
  expected: number;
}

/** A table line; status columns in ACTORS order: admin, coordinator, officerA, officerB, province, anonymous. */
export function line(
  method: Method,
  path: string,
  admin: number,
  coordinator: number,
  officerA: number,
  officerB: number,
  province: number,
  anonymous: number,
  options: LineOptions = {},
): MatrixLine {
  return {
    method,
    path,
    expect: { admin, coordinator, officerA, officerB, province, anonymous },
    ...options,
  };
}

export function expandRows(lines: MatrixLine[]): MatrixRow[] {
  return lines.flatMap(({ expect, ...rest }) =>
    ACTORS.map((role) => ({ ...rest, role, expected: expect[role] })),
  );
}

/**
 * Two companies (A and B), each with a site and an officer; an admin, a coordinator and a province
 * user (BE-VOV); every signed-in actor has a token and two API keys.
 */
export interface MatrixWorld {
  api: ApiHarness;
  companyA: TestCompany;
  companyB: TestCompany;
  siteA: TestSite;
  siteB: TestSite;
  users: Record<SignedInActor, TestUser>;
  /** Not an actor: the user whose credentials public login rows send, so actors never change. */
  loginUser: TestUser;
  tokens: Record<SignedInActor, string>;
  /** `primary` stays valid; `spare` is the one the DELETE rows revoke. */
  apiKeys: Record<SignedInActor, { primary: TestApiKey; spare: TestApiKey }>;
  /** Named ids for path templates. Features add theirs in `setup`. */
  ids: Record<string, string>;
  /** Ids each actor must never see in a 2xx response body. Features add theirs in `setup`. */
  hiddenFrom: Record<Actor, Set<string>>;
}

export interface MatrixFeature {
  name: string;
  /** Route prefixes (below /api/v1) this feature owns; each of their routes needs a line. */
  prefixes: string[];
  /** Creates the feature's resources; returned ids are merged into `world.ids`. */
  setup?: (world: MatrixWorld) => Promise<Record<string, string>>;
  lines: MatrixLine[];
}

function actorIds(world: MatrixWorld, actor: Actor): Record<string, string> {
  if (actor === 'anonymous') {
    return {
      self: world.users.officerA.id,
      ownApiKey: world.apiKeys.officerA.primary.id,
      ownSpareKey: world.apiKeys.officerA.spare.id,
      foreignApiKey: world.apiKeys.officerB.primary.id,
    };
  }
  const other: SignedInActor = actor === 'officerA' ? 'officerB' : 'officerA';
  return {
    self: world.users[actor].id,
    ownApiKey: world.apiKeys[actor].primary.id,
    ownSpareKey: world.apiKeys[actor].spare.id,
    foreignApiKey: world.apiKeys[other].primary.id,
  };
}

/** `/sites/:siteA?companyId=:companyB` → concrete URL below /api/v1 for this actor. */
export function resolvePath(template: string, world: MatrixWorld, actor: Actor): string {
  const ids = { ...world.ids, ...actorIds(world, actor) };
  return template.replace(/:([A-Za-z][A-Za-z0-9]*)/g, (_match, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`Matrix path ${template}: no id named "${name}"`);
    return id;
  });
}

/** Does a line's path (template or literal) address this route (`/sites/:id`, `/sites/{id}`)? */
export function lineMatchesRoute(linePath: string, routePath: string): boolean {
  const split = (p: string) => p.split('?')[0].replace(/\/+$/, '').split('/');
  const a = split(linePath);
  const b = split(routePath);
  return (
    a.length === b.length &&
    b.every((segment, i) => segment.startsWith(':') || /^\{.*\}$/.test(segment) || segment === a[i])
  );
}

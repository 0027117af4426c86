/**
 * Every route × every kind of caller × own vs another company's resource, against the real API.
 * The expected statuses are tables in test/authorization-matrix/*.rows.ts; this spec runs them,
 * looks for other companies' ids in every successful response, and fails when a route of a
 * feature's prefixes has no line in its table.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { API, bearer, testClientIp } from './factories';
import {
  ACTORS,
  Actor,
  buildMatrixWorld,
  lineMatchesRoute,
  MATRIX_FEATURES,
  MATRIX_ROWS,
  MatrixLine,
  MatrixWorld,
  resolvePath,
} from './authorization-matrix';
import { ApiHarness, startApi } from './support/api-harness';

interface Outcome {
  actor: Actor;
  status: number;
  leaked: string[];
}

async function send(world: MatrixWorld, row: MatrixLine, actor: Actor): Promise<Outcome> {
  const path = `${API}${resolvePath(row.path, world, actor)}`;
  const method = row.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let req = request(world.api.url)[method](path).set('x-forwarded-for', testClientIp());
  if (actor !== 'anonymous') req = req.set(bearer(world.tokens[actor]));
  const body =
    typeof row.body === 'function'
      ? row.body({ world, actor, seq: randomBytes(5).toString('hex') })
      : row.body;
  const res = body === undefined ? await req : await req.send(body);
  const text = JSON.stringify(res.body ?? '');
  const leaked =
    res.status < 300 && row.leakCheck !== false
      ? [...world.hiddenFrom[actor]].filter((id) => text.includes(id))
      : [];
  return { actor, status: res.status, leaked };
}

/** Every controller route below /api/v1, from Nest's own route metadata. */
function registeredRoutes(api: ApiHarness): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  for (const moduleRef of api.app.get(ModulesContainer).values()) {
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      if (base === 'health' || base === 'metrics') continue; // operational routes live outside /api/v1
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const path = `/${[base, sub]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        routes.push({ method: RequestMethod[method], path });
      }
    }
  }
  return routes;
}

describe('authorization matrix', () => {
  let api: ApiHarness;
  let world: MatrixWorld;

  beforeAll(async () => {
    api = await startApi();
    world = await buildMatrixWorld(api);
    for (const feature of MATRIX_FEATURES) {
      if (feature.setup) Object.assign(world.ids, await feature.setup(world));
    }
  });
  afterAll(async () => api?.close());

  it('is a table of (method, path, role, expected status) rows covering all six callers', () => {
    expect(MATRIX_ROWS.length).toBe(MATRIX_FEATURES.flatMap((f) => f.lines).length * ACTORS.length);
    for (const row of MATRIX_ROWS) {
      expect(row).toEqual(expect.objectContaining({ method: row.method, path: row.path, role: row.role }));
      expect([200, 201, 204, 400, 401, 403, 404, 409, 429]).toContain(row.expected);
    }
  });

  for (const feature of MATRIX_FEATURES) {
    describe(feature.name, () => {
      it('has a line for every route under its prefixes', () => {
        const owned = registeredRoutes(api).filter((route) =>
          feature.prefixes.some((prefix) => route.path === prefix || route.path.startsWith(`${prefix}/`)),
        );
        expect(owned.length).toBeGreaterThan(0);
        const uncovered = owned.filter(
          (route) =>
            !feature.lines.some((l) => l.method === route.method && lineMatchesRoute(l.path, route.path)),
        );
        expect(uncovered).toEqual([]);
      });

      it.each(feature.lines.map((l) => [`${l.method} ${l.path}${l.note ? ` (${l.note})` : ''}`, l] as const))(
        '%s',
        async (_name, row) => {
          const outcomes: Outcome[] = [];
          for (const actor of ACTORS) outcomes.push(await send(world, row, actor));
          const statuses = Object.fromEntries(outcomes.map((o) => [o.actor, o.status]));
          expect(statuses).toEqual(row.expect);
          expect(outcomes.filter((o) => o.leaked.length > 0)).toEqual([]);
        },
      );
    });
  }

  it('lists routes that no feature table claims yet (informational)', () => {
    const claimed = (path: string) =>
      MATRIX_FEATURES.some((f) => f.prefixes.some((p) => path === p || path.startsWith(`${p}/`)));
    const unclaimed = registeredRoutes(api).filter((r) => !claimed(r.path));
    if (unclaimed.length > 0) {
      console.warn(
        `Routes without authorization-matrix rows (add test/authorization-matrix/<feature>.rows.ts):\n` +
          unclaimed.map((r) => `  ${r.method} ${r.path}`).join('\n'),
      );
    }
  });
});

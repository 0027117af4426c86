/**
 * Scenario 6: the savings report at millions of deliveries, served from the summary tables, against a
 * raw GROUP BY over the deliveries. Skipped with a "not yet built" reason while the schema or the API
 * lacks deliveries or reports.
 *
 * It runs on a database of its own holding a fixture (a region, matches set active, N deliveries, the
 * summary tables rebuilt by the product's own check job). Building it takes minutes, so it is kept and
 * reused while its fingerprint (the migrations' source, the seed, N, this file's fixture version)
 * is unchanged; BENCH_REUSE_FIXTURES=0 rebuilds it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { connect, createUsers, prepareDatabase, recreateDatabase, TokenMinter } from '../bench-db';
import { REPO_ROOT, type BenchConfig } from '../config';
import { qualifyingPairsSample } from '../candidates';
import { quiesce } from '../quiesce';
import { generateRegion, toMatchableStream } from '../region.generator';
import { loadRegion } from '../region.loader';
import type { ScenarioResult } from '../report';
import { startServices, type BenchServices } from '../services';
import { fmt, percentile, sleep } from '../stats';
import { writePairsSetBased } from './persist';

const TITLE = 'Savings report at 5M deliveries';
const REQUESTS_PER_REPEAT = 20;
const FIXTURE_VERSION = 1;
/** Months of deliveries per match; the number of matches follows from the deliveries wanted. */
const MONTHS = 60;
const FIXTURE_STREAMS = 20_000;

function skipped(reason: string): ScenarioResult {
  return { id: 6, title: TITLE, status: 'skipped', reason, figures: [], notes: [] };
}

/** Whether the schema has what the scenario writes and reads; a reason when not. */
export async function reportsPrerequisite(db: Client): Promise<string | null> {
  const { rows } = await db.query<{ t: string | null; c: string | null }>(
    `SELECT to_regclass('deliveries')::text AS t, to_regclass('report_cells')::text AS c`,
  );
  if (!rows[0].t) return 'not yet built: the migrated schema has no deliveries table';
  if (!rows[0].c) return 'not yet built: the migrated schema has no report summary tables';
  return null;
}

function fingerprint(cfg: BenchConfig): string {
  const dir = join(REPO_ROOT, 'migrations');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  h.update(
    JSON.stringify({
      seed: cfg.seed,
      deliveries: cfg.reportDeliveries,
      FIXTURE_VERSION,
      MONTHS,
      FIXTURE_STREAMS,
    }),
  );
  return h.digest('hex').slice(0, 16);
}

/** The last `count` whole months before the current one. */
function monthsBack(count: number): { first: string; last: string } {
  const now = new Date();
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const first = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() - (count - 1), 1));
  const ym = (d: Date) => d.toISOString().slice(0, 7);
  return { first: ym(first), last: ym(last) };
}

interface Fixture {
  deliveries: number;
  matches: number;
  first: string;
  last: string;
  buildS: number;
  rebuildS: number;
  builtAt: string;
  reused: boolean;
}

/** Requests the product's summary check and waits for it; seconds are the check row's own start to finish. */
async function summaryCheck(
  services: BenchServices,
  auth: Record<string, string>,
  db: Client,
): Promise<{ status: string; error: string | null; seconds: number }> {
  const started = performance.now();
  const check = await fetch(`${services.apiUrl}/api/v1/reports/summary-checks`, {
    method: 'POST',
    headers: auth,
  });
  if (check.status !== 202)
    throw new Error(`POST /reports/summary-checks: ${check.status} ${await check.text()}`);
  const { id } = (await check.json()) as { id: string };
  let status = 'queued';
  let error: string | null = null;
  while (performance.now() - started < 1_200_000) {
    await sleep(1000);
    const res = await fetch(`${services.apiUrl}/api/v1/reports/summary-checks/${id}`, { headers: auth });
    const body = (await res.json()) as { status: string; error?: string | null };
    status = body.status;
    error = body.error ?? null;
    if (!['queued', 'running'].includes(status)) break;
  }
  const [row] = (
    await db.query<{ seconds: number | null }>(
      `SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM report_summary_checks WHERE id = $1::bigint`,
      [id],
    )
  ).rows;
  return { status, error, seconds: row?.seconds ?? (performance.now() - started) / 1000 };
}

async function buildFixture(
  cfg: BenchConfig,
  db: Client,
  services: () => Promise<BenchServices>,
  auth: () => Record<string, string>,
  log: (m: string) => void,
): Promise<Omit<Fixture, 'reused' | 'builtAt'> & { check: string; checkError: string | null }> {
  const started = performance.now();
  const region = generateRegion({ streams: FIXTURE_STREAMS, seed: cfg.seed });
  await loadRegion(db, region);
  const matchesWanted = Math.ceil(cfg.reportDeliveries / MONTHS);
  const pairs = qualifyingPairsSample(
    region.streams.map((s) => toMatchableStream(s)),
    matchesWanted,
  );
  log(`reports fixture: ${pairs.length} matches, ${cfg.reportDeliveries} deliveries to insert`);
  await writePairsSetBased(cfg.reportsDatabaseUrl, pairs);
  const { first, last } = monthsBack(MONTHS);
  await db.query('BEGIN');
  try {
    await db.query(`UPDATE matches SET status = 'active'`);
    // The match's monthly share of its annual estimate ×0.7–1.3; ~10 % of the last two months unverified.
    await db.query(
      `INSERT INTO deliveries (match_id, period, entered_amount, entered_unit, quantity, quantity_unit,
         energy_saved_mwh, co2_avoided_t, explanation, engine_version, factor_set_version, recorded_role,
         verified_at)
       SELECT m.id, ($1::date + make_interval(months => g))::date, q, u, q, u,
              m.energy_saved_mwh / 12 * f, m.co2_avoided_t / 12 * f, '{}'::jsonb, m.engine_version,
              m.factor_set_version, 'officer',
              CASE WHEN g < $2::int - 2 OR abs(hashtext(m.id::text || 'v' || g)) % 10 <> 0 THEN now() END
       FROM matches m
       CROSS JOIN generate_series(0, $2::int - 1) AS g
       CROSS JOIN LATERAL (SELECT 0.7 + 0.6 * ((hashtext(m.id::text || g) & 1023) / 1023.0) AS f,
                                  CASE m.exchanged_unit WHEN 'MWh/yr' THEN 'MWh' WHEN 'm3/yr' THEN 'm3' ELSE 't' END AS u) x
       CROSS JOIN LATERAL (SELECT round((m.exchanged_quantity / 12 * f)::numeric, 3)::float8 AS q) y
       LIMIT $3::int`,
      [`${first}-01`, MONTHS, cfg.reportDeliveries],
    );
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await db.query('VACUUM ANALYZE deliveries');
  await db.query('VACUUM ANALYZE matches');
  const buildS = (performance.now() - started) / 1000;
  log(
    `reports fixture: deliveries loaded in ${fmt(buildS)} s; rebuilding the summary tables with the product's check job`,
  );
  const s = await services();
  await quiesce(s);
  const check = await summaryCheck(s, auth(), db);
  return {
    deliveries: cfg.reportDeliveries,
    matches: pairs.length,
    first,
    last,
    buildS,
    rebuildS: check.seconds,
    check: check.status,
    checkError: check.error,
  };
}

export async function reportsScenario(cfg: BenchConfig, log: (m: string) => void): Promise<ScenarioResult> {
  await prepareDatabase(cfg.reportsDatabaseUrl);
  let db = await connect(cfg.reportsDatabaseUrl);
  let services: BenchServices | null = null;
  const minter = { current: null as TokenMinter | null };
  try {
    const missing = await reportsPrerequisite(db);
    if (missing) return skipped(missing);
    await db.query(`CREATE TABLE IF NOT EXISTS bench_fixture (key text PRIMARY KEY, value jsonb NOT NULL)`);
    const print = fingerprint(cfg);
    const [stored] = (
      await db.query<{ value: Fixture & { print: string } }>(
        `SELECT value FROM bench_fixture WHERE key = 'reports'`,
      )
    ).rows;
    const coordinatorFor = async () => (await createUsers(db, cfg.seed, [])).coordinator;
    const start = async () => {
      services ??= await startServices({
        ...cfg,
        databaseUrl: cfg.reportsDatabaseUrl,
        queuePrefix: cfg.queuePrefix.replace(/\}$/, '-reports}'),
      });
      minter.current = new TokenMinter(services.jwtSecret);
      return services;
    };
    let fixture: Fixture;
    if (cfg.reuseFixtures && stored?.value.print === print) {
      fixture = { ...stored.value, reused: true };
      log(`reports: reusing the fixture built ${fixture.builtAt}`);
    } else {
      log('reports: building the fixture (database recreated)');
      await db.end();
      await recreateDatabase(cfg.reportsDatabaseUrl);
      db = await connect(cfg.reportsDatabaseUrl);
      const coordinator = await coordinatorFor();
      const built = await buildFixture(
        cfg,
        db,
        start,
        () => ({
          authorization: `Bearer ${minter.current?.tokenFor(coordinator)}`,
        }),
        log,
      );
      if (!['ok', 'drift'].includes(built.check)) {
        return {
          id: 6,
          title: TITLE,
          status: 'failed',
          reason:
            `the product's summary check (rebuilding the report tables from ${built.deliveries.toLocaleString('en-US')} ` +
            `deliveries) ended ${built.check} after ${fmt(built.rebuildS)} s${built.checkError ? `: ${built.checkError}` : ''}`,
          figures: [],
          notes: [`Deliveries were loaded in ${fmt(built.buildS)} s; the fixture is not kept.`],
        };
      }
      fixture = { ...built, builtAt: new Date().toISOString(), reused: false };
      await db.query(`CREATE TABLE IF NOT EXISTS bench_fixture (key text PRIMARY KEY, value jsonb NOT NULL)`);
      await db.query(
        `INSERT INTO bench_fixture (key, value) VALUES ('reports', $1::jsonb)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify({ ...fixture, print })],
      );
    }
    const s = await start();
    const coordinator = await coordinatorFor();
    await db.query('ANALYZE users');
    const auth = { authorization: `Bearer ${minter.current?.tokenFor(coordinator)}` };
    const probe = await fetch(`${s.apiUrl}/api/v1/reports/savings?from=${fixture.last}&to=${fixture.last}`, {
      headers: auth,
    });
    if (probe.status === 404) return skipped('not yet built: GET /api/v1/reports/savings answers 404');
    await quiesce(s);

    const query = `from=${fixture.first}&to=${fixture.last}&basis=realised&groupBy=period,category,region&period=month`;
    const raw = `
      SELECT date_trunc('month', d.period) AS month, m.category, rs.region,
             sum(d.energy_saved_mwh) AS energy, sum(d.co2_avoided_t) AS co2,
             count(DISTINCT d.match_id) AS exchanges,
             count(DISTINCT s.company_id) + count(DISTINCT r.company_id) AS companies
      FROM deliveries d
      JOIN matches m ON m.id = d.match_id
      JOIN streams s ON s.id = m.supply_stream_id
      JOIN streams r ON r.id = m.demand_stream_id
      JOIN sites rs ON rs.id = r.site_id
      WHERE d.superseded_by IS NULL AND d.verified_at IS NOT NULL AND d.period BETWEEN $1::date AND $2::date
      GROUP BY 1, 2, 3`;
    const apiP50: number[] = [];
    const apiP95: number[] = [];
    const sql: number[] = [];
    let rows = 0;
    for (let r = 0; r < cfg.repeat; r++) {
      const times: number[] = [];
      for (let i = 0; i < REQUESTS_PER_REPEAT; i++) {
        const t0 = performance.now();
        const res = await fetch(`${s.apiUrl}/api/v1/reports/savings?${query}`, { headers: auth });
        const body = (await res.json()) as { rows?: unknown[] };
        if (res.status !== 200)
          throw new Error(`GET /reports/savings: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        times.push(performance.now() - t0);
        rows = body.rows?.length ?? 0;
      }
      apiP50.push(percentile(times, 50));
      apiP95.push(percentile(times, 95));
      const t0 = performance.now();
      await db.query(raw, [`${fixture.first}-01`, `${fixture.last}-01`]);
      sql.push(performance.now() - t0);
      log(`reports repeat ${r + 1}: API p50 ${fmt(apiP50[r])} ms, raw GROUP BY ${fmt(sql[r])} ms`);
    }
    return {
      id: 6,
      title: TITLE,
      status: 'ran',
      figures: [
        {
          name: `GET /reports/savings p50 (${MONTHS} months by period, category and region: ${rows} rows)`,
          unit: 'ms',
          values: apiP50,
          baseline: { name: 'raw GROUP BY over the deliveries (SQL only, no HTTP)', values: sql },
          ratio: 'faster',
        },
        { name: 'GET /reports/savings p95', unit: 'ms', values: apiP95 },
      ],
      notes: [
        `A database of its own (\`${cfg.reportsDatabaseUrl.replace(/\/\/[^@]*@/, '//')}\`) with a ` +
          `${FIXTURE_STREAMS.toLocaleString('en-US')}-stream region of the same generator, ` +
          `${fixture.matches.toLocaleString('en-US')} of its qualifying pairs written with upsertPairs and set ` +
          `active, and ${fixture.deliveries.toLocaleString('en-US')} deliveries (${MONTHS} months ${fixture.first}…${fixture.last} ` +
          `per match; quantities and savings the month's share of the match's annual estimate ×0.7–1.3; about ` +
          `10 % of the last two months unverified) inserted set-based in ${fmt(fixture.buildS)} s; the summary ` +
          `tables were then rebuilt by the product's own check job (POST /reports/summary-checks) in ` +
          `${fmt(fixture.rebuildS)} s. ` +
          (fixture.reused
            ? `That fixture was built on ${fixture.builtAt.slice(0, 16).replace('T', ' ')} UTC and reused here (same migrations, seed and size).`
            : 'The fixture was built in this run and is kept for the next one.'),
        `${REQUESTS_PER_REPEAT} report requests per repeat as a coordinator (everything visible, no suppression), ` +
          `one at a time, through its own API and worker processes (started on that database for this scenario ` +
          `only); the baseline runs the equivalent GROUP BY (verified, current deliveries joined to matches, ` +
          `streams and the receiver's site) straight on Postgres once per repeat.`,
      ],
    };
  } finally {
    await (services as BenchServices | null)?.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

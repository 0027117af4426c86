/**
 * Scenario 6: the savings report at millions of deliveries, served from the summary tables, against a
 * raw GROUP BY over the deliveries measured in the same run. Three requests: the heavy one (every
 * month × category × region as a coordinator) and two typical ones of a province analyst (suppression
 * applied), each timed over enough requests for a p99, against the issue's target (p99 ≤ 50 ms).
 * Skipped with a "not yet built" reason while the schema or the API lacks deliveries or reports.
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
import { deterministicUuid, ID_KIND } from '../random';
import type { Figure, ScenarioResult } from '../report';
import { startServices, type BenchServices } from '../services';
import { fmt, percentile, sleep, summarize } from '../stats';
import { writePairsSetBased } from './persist';

const TITLE = 'Savings report at 5M deliveries';
/** Measured requests per case and repeat (enough for a p99), after a few unmeasured warm-up ones. */
const REQUESTS_PER_REPEAT = 100;
const WARMUP_REQUESTS = 5;
/** The issue's target for every report request of this scenario. */
const TARGET_P99_MS = 50;
/** The province whose analyst pulls the typical reports (the demo's Oost-Vlaanderen). */
const PROVINCE_REGION = 'BE-VOV';
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

const median = (values: number[]) => summarize(values).median;

/** A province analyst of PROVINCE_REGION (idempotent; the password is never used: tokens are minted). */
async function provinceUser(db: Client, seed: number, coordinatorId: string): Promise<{ id: string }> {
  const id = deterministicUuid(seed, ID_KIND.user, 2 ** 27 - 1);
  await db.query(
    `INSERT INTO users (id, email, password_hash, role, region)
     SELECT $1::uuid, 'bench-province-' || $1::text || '@bench.symbiose.local', password_hash, 'province', $2
     FROM users WHERE id = $3
     ON CONFLICT DO NOTHING`,
    [id, PROVINCE_REGION, coordinatorId],
  );
  return { id };
}

interface ReportCase {
  key: string;
  title: string;
  who: string;
  user: { id: string };
  restricted: boolean;
  query: string;
  raw: string;
  rawParams: unknown[];
  rawTitle: string;
}

/**
 * The raw aggregate a report replaces: verified current deliveries joined to their match, both
 * streams and the receiver's site, grouped by the delivery's month or year and the given columns, optionally
 * in one receiver region.
 */
function rawGroupBy(
  grain: 'month' | 'year',
  columns: ('m.category' | 'rs.region')[],
  inRegion: boolean,
): string {
  const keys = [`date_trunc('${grain}', d.period)`, ...columns];
  return `
      SELECT ${keys.map((k, i) => `${k} AS k${i}`).join(', ')},
             sum(d.energy_saved_mwh) AS energy, sum(d.co2_avoided_t) AS co2,
             count(DISTINCT d.match_id) AS exchanges,
             count(DISTINCT s.company_id) + count(DISTINCT r.company_id) AS companies
      FROM deliveries d
      JOIN matches m ON m.id = d.match_id
      JOIN streams s ON s.id = m.supply_stream_id
      JOIN streams r ON r.id = m.demand_stream_id
      JOIN sites rs ON rs.id = r.site_id
      WHERE d.superseded_by IS NULL AND d.verified_at IS NOT NULL AND d.period BETWEEN $1::date AND $2::date
        ${inRegion ? 'AND rs.region = $3' : ''}
      GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
}

/** The heavy request (everything, by month, category and region) and two typical province reports. */
function reportCases(fixture: Fixture, coordinator: { id: string }, province: { id: string }): ReportCase[] {
  const range = [`${fixture.first}-01`, `${fixture.last}-01`];
  const [y, m] = fixture.last.split('-').map(Number);
  const lastYear = { first: new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 7), last: fixture.last };
  return [
    {
      key: 'heavy',
      title: `Heavy: ${MONTHS} months by period, category and region`,
      who: 'a coordinator (everything visible, no suppression)',
      user: coordinator,
      restricted: false,
      query: `from=${fixture.first}&to=${fixture.last}&basis=realised&groupBy=period,category,region&period=month`,
      raw: rawGroupBy('month', ['m.category', 'rs.region'], false),
      rawParams: range,
      rawTitle: 'by month, category and receiver region',
    },
    {
      key: 'province-year-category',
      title: `Typical: ${PROVINCE_REGION}, ${MONTHS} months by year and category`,
      who: `a province analyst of ${PROVINCE_REGION} (own region, suppression and the differencing rule applied)`,
      user: province,
      restricted: true,
      query: `from=${fixture.first}&to=${fixture.last}&basis=realised&groupBy=period,category&period=year`,
      raw: rawGroupBy('year', ['m.category'], true),
      rawParams: [...range, PROVINCE_REGION],
      rawTitle: `by year and category in ${PROVINCE_REGION}`,
    },
    {
      key: 'province-months',
      title: `Typical: ${PROVINCE_REGION}, the fixture's last 12 months by month`,
      who: `the same province analyst`,
      user: province,
      restricted: true,
      query: `from=${lastYear.first}&to=${lastYear.last}&basis=realised&groupBy=period&period=month`,
      raw: rawGroupBy('month', [], true),
      rawParams: [`${lastYear.first}-01`, `${lastYear.last}-01`, PROVINCE_REGION],
      rawTitle: `by month in ${PROVINCE_REGION}`,
    },
  ];
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
    const province = await provinceUser(db, cfg.seed, coordinator.id);
    await db.query('ANALYZE users');
    // A freshly built fixture leaves autovacuum millions of summary rows to process (it would compete
    // with the measured requests) and report_cells without a visibility map (every index-only scan
    // would visit the heap). Runs start from the settled state of a live system; once vacuumed, this
    // takes a moment.
    for (const table of ['report_match_months', 'report_company_months', 'report_match_dims', 'report_cells'])
      await db.query(`VACUUM ANALYZE ${table}`);
    // Nor a checkpoint still flushing the build's gigabytes of WAL and dirty pages (as after the full
    // re-match, run.ts).
    if (!fixture.reused) await db.query('CHECKPOINT');
    const tokenOf = (user: { id: string }) => `Bearer ${minter.current?.tokenFor(user)}`;
    const probe = await fetch(`${s.apiUrl}/api/v1/reports/savings?from=${fixture.last}&to=${fixture.last}`, {
      headers: { authorization: tokenOf(coordinator) },
    });
    if (probe.status === 404) return skipped('not yet built: GET /api/v1/reports/savings answers 404');
    await quiesce(s);

    const cases = reportCases(fixture, coordinator, province);
    const results = cases.map(() => ({
      p50: [] as number[],
      p95: [] as number[],
      p99: [] as number[],
      raw: [] as number[],
      rows: 0,
      suppressed: 0,
      partial: 0,
    }));
    for (let r = 0; r < cfg.repeat; r++) {
      for (const [c, rc] of cases.map((c, i) => [c, results[i]] as const)) {
        const headers = { authorization: tokenOf(c.user) };
        const times: number[] = [];
        for (let i = 0; i < WARMUP_REQUESTS + REQUESTS_PER_REPEAT; i++) {
          const t0 = performance.now();
          const res = await fetch(`${s.apiUrl}/api/v1/reports/savings?${c.query}`, { headers });
          const body = (await res.json()) as { rows?: { suppressed?: boolean; partial?: boolean }[] };
          if (res.status !== 200)
            throw new Error(
              `GET /reports/savings?${c.query}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`,
            );
          if (i >= WARMUP_REQUESTS) times.push(performance.now() - t0);
          rc.rows = body.rows?.length ?? 0;
          rc.suppressed = body.rows?.filter((x) => x.suppressed).length ?? 0;
          rc.partial = body.rows?.filter((x) => x.partial).length ?? 0;
        }
        rc.p50.push(percentile(times, 50));
        rc.p95.push(percentile(times, 95));
        rc.p99.push(percentile(times, 99));
        const t0 = performance.now();
        await db.query(c.raw, c.rawParams);
        rc.raw.push(performance.now() - t0);
        log(
          `reports repeat ${r + 1}, ${c.key}: API p50 ${fmt(rc.p50[r])} / p95 ${fmt(rc.p95[r])} / p99 ${fmt(rc.p99[r])} ms, ` +
            `raw GROUP BY ${fmt(rc.raw[r])} ms`,
        );
      }
    }
    const figures: Figure[] = [];
    cases.forEach((c, i) => {
      const rc = results[i];
      const shape = `${rc.rows} rows${c.restricted ? `, ${rc.suppressed} suppressed, ${rc.partial} partial` : ''}`;
      figures.push(
        {
          name: `${c.title} (${shape}): p50`,
          unit: 'ms',
          values: rc.p50,
          baseline: {
            name: `raw GROUP BY over the deliveries, ${c.rawTitle} (SQL only, no HTTP)`,
            values: rc.raw,
          },
          ratio: 'faster',
        },
        { name: `${c.title}: p95`, unit: 'ms', values: rc.p95 },
        {
          name: `${c.title}: p99`,
          unit: 'ms',
          values: rc.p99,
          target: { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: median(rc.p99) <= TARGET_P99_MS },
        },
      );
    });
    return {
      id: 6,
      title: TITLE,
      status: 'ran',
      figures,
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
            : 'The fixture was built in this run and is kept for the next one.') +
          ' Before measuring, the summary tables are vacuumed (as autovacuum would have done on a live system), so ' +
          'no autovacuum of the fresh fixture runs during the measurement and index-only scans do not visit the heap.',
        `Three requests, each ${REQUESTS_PER_REPEAT} times per repeat after ${WARMUP_REQUESTS} unmeasured warm-up ` +
          `requests, one at a time, through the scenario's own API and worker processes (started on that database ` +
          `for this scenario only); a time is the client's, from sending the request to the parsed JSON body. ` +
          cases.map((c) => `${c.title}: \`${c.query}\` as ${c.who}.`).join(' ') +
          ` p50, p95 and p99 are taken over each repeat's ${REQUESTS_PER_REPEAT} requests; the table shows them over ` +
          `the repeats. Each request's baseline is the equivalent raw GROUP BY (current deliveries joined to ` +
          `matches, streams and the receiver's site, grouped the same way; distinct exchanges, distinct suppliers ` +
          `plus distinct receivers as companies; no suppression) ` +
          `straight on Postgres, once per repeat in the same run.`,
      ],
    };
  } finally {
    await (services as BenchServices | null)?.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

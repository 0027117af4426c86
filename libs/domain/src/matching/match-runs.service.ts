import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, JobName, JobQueue, rowsOf } from '@symbiose/core';
import { CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { MatchingService } from './matching.service';

export interface MatchRunView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  reason: string;
  /** Active streams the run matches (each finds its own top K), and how many of them are done. */
  total: number;
  done: number;
  matchesWritten: number;
  engineVersion: string;
  factorSetVersion: string;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface MatchRunRow {
  id: string;
  status: MatchRunView['status'];
  reason: string;
  total: number;
  done: number;
  matches_written: number;
  engine_version: string;
  factor_set_version: string;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toView = (r: MatchRunRow): MatchRunView => ({
  id: r.id,
  status: r.status,
  reason: r.reason,
  total: r.total,
  done: r.done,
  matchesWritten: r.matches_written,
  engineVersion: r.engine_version,
  factorSetVersion: r.factor_set_version,
  error: r.error,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** How long a version check that found the store current holds (see requestIfVersionsChanged). */
const VERSION_RECHECK_MS = 60 * 60 * 1000;

/** Full re-match runs: requested by a coordinator or by an engine/factor-set change, run by the worker. */
@Injectable()
export class MatchRunsService {
  private readonly logger = new Logger(MatchRunsService.name);
  /** When this process last found every stored match computed by its own engine and factor set. */
  private versionsConfirmedAt: number | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly matching: MatchingService,
    private readonly queue: JobQueue,
  ) {}

  async request(reason: string, requestedBy: string | null): Promise<MatchRunView> {
    const [row] = (await this.db.query(
      `INSERT INTO match_runs (status, reason, requested_by, engine_version, factor_set_version)
       VALUES ('queued', $1, $2, $3, $4) RETURNING *`,
      [reason, requestedBy, ENGINE_VERSION, CURRENT_FACTOR_SET.version],
    )) as MatchRunRow[];
    // The run row is the record; if Redis is down the sweeper's run check picks queued runs up later.
    await this.queue.addBestEffort(JobName.MatchRun, { runId: row.id });
    return toView(row);
  }

  async get(id: string): Promise<MatchRunView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw DomainError.notFound('Match run');
    const [row] = (await this.db.query(`SELECT * FROM match_runs WHERE id = $1`, [id])) as MatchRunRow[];
    if (!row) throw DomainError.notFound('Match run');
    return toView(row);
  }

  /** Runs (or re-runs after a crash) one full re-match; safe to repeat. */
  async execute(runId: string): Promise<MatchRunView | null> {
    const [row] = rowsOf<MatchRunRow>(
      await this.db.query(
        `UPDATE match_runs SET status = 'running', started_at = coalesce(started_at, now()), error = NULL
       WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING *`,
        [runId],
      ),
    );
    if (!row) return null;
    try {
      const result = await this.matching.fullRematch(async (done, total) => {
        await this.db.query(`UPDATE match_runs SET done = $2, total = $3 WHERE id = $1`, [
          runId,
          done,
          total,
        ]);
      });
      const [finished] = rowsOf<MatchRunRow>(
        await this.db.query(
          `UPDATE match_runs SET status = 'done', finished_at = now(), matches_written = $2,
           total = GREATEST(total, done), done = GREATEST(total, done)
         WHERE id = $1 RETURNING *`,
          [runId, result.written],
        ),
      );
      this.logger.log(
        `match run ${runId}: ${result.streams} streams, ${result.qualifying} qualifying pairs, ${result.kept} kept, ` +
          `${result.written} rows written in ${Math.round(result.totalMs)} ms ` +
          `(snapshot ${Math.round(result.snapshotMs)} ms, scoring ${Math.round(result.computeMs)} ms, ` +
          `writes ${Math.round(result.writeMs)} ms, then indexes, swap and commit ${Math.round(result.swapMs)} ms ` +
          `(readers held up ${Math.round(result.exclusiveMs)} ms), references checked ${Math.round(result.validateMs)} ms, ` +
          `statistics ${Math.round(result.analyzeMs)} ms, ` +
          `garbage collection ${Math.round(result.gcMs)} ms)`,
      );
      return toView(finished);
    } catch (err) {
      await this.db.query(`UPDATE match_runs SET error = $2 WHERE id = $1`, [runId, (err as Error).message]);
      throw err;
    }
  }

  /** Marks a run failed after its last attempt. */
  async fail(runId: string, message: string): Promise<void> {
    await this.db.query(
      `UPDATE match_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
      [runId, message],
    );
  }

  /**
   * A full re-match is due when the stored matches were computed by another engine or factor set.
   * Returns the run created, if any.
   *
   * Finding none outdated means reading every stored match (0.6 s at 3.6 million rows), so once the
   * store is found current the check waits `recheckAfterMs` (default an hour): the versions are
   * constants of the code, so only a process of another release, say in a rolling deploy, could
   * still write outdated rows. Finding an outdated row is fast (the scan stops at the first).
   */
  async requestIfVersionsChanged(recheckAfterMs = VERSION_RECHECK_MS): Promise<MatchRunView | null> {
    const now = Date.now();
    if (this.versionsConfirmedAt !== null && now - this.versionsConfirmedAt < recheckAfterMs) return null;
    const [outdated] = (await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM matches WHERE qualifies AND (engine_version <> $1 OR factor_set_version <> $2)) AS outdated,
              EXISTS (SELECT 1 FROM match_runs WHERE status IN ('queued', 'running')) AS pending`,
      [ENGINE_VERSION, CURRENT_FACTOR_SET.version],
    )) as { outdated: boolean; pending: boolean }[];
    if (!outdated?.outdated) {
      this.versionsConfirmedAt = now;
      return null;
    }
    this.versionsConfirmedAt = null;
    if (outdated.pending) return null;
    return this.request('engine or factor set changed', null);
  }

  /** Queued runs whose enqueue was lost (Redis down at request time). */
  async queuedRunIds(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM match_runs WHERE status = 'queued' AND created_at < now() - interval '5 seconds'`,
    );
    return rows.map((r) => r.id);
  }
}

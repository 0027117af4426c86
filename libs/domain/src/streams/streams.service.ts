import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, ErrorCode, JobName, JobQueue } from '@symbiose/core';
import type { Category, Direction } from '@symbiose/engine';
import { DataSource, EntityManager } from 'typeorm';
import { Paginated } from '../identity/page';
import type { Principal } from '../identity/principal';
import { tenantScopeOf } from '../identity/tenant-scope';
import { purgeExpiredIdempotencyKeys, requestHash, runIdempotent, StoredResponse } from './idempotency';
import type { CreateStreamInput, SiteLocation, StreamInput, StreamPatch, StreamView } from './stream-input';
import { isEditable, RequestableStatus, StreamStatus, streamTransition } from './stream-lifecycle';
import {
  anyFieldDiffers,
  inputFromRecord,
  locationOf,
  matchingFieldsDiffer,
  STREAM_COLUMN_NAMES,
  STREAM_SELECT,
  StreamColumns,
  streamColumns,
  StreamRecord,
  toStreamView,
} from './stream-mapping';
import { regionDate, streamInputErrors } from './stream-rules';
import { expireDueStreams } from './stream-expiry';
import { refreshStreamSiteFacts } from './stream-site-facts';

/** A stream at a version: what a match-stream job is enqueued with. */
export interface StreamVersion {
  streamId: string;
  version: number;
}

export interface StreamListFilter {
  direction?: Direction;
  category?: Category;
  status?: StreamStatus;
  siteId?: string;
  companyId?: string;
  page: number;
  pageSize: number;
}

export interface MaterialTypeView {
  id: string;
  label: string;
  ewcCodes: string[];
  hazardousDefault: boolean;
}

interface SiteRow extends SiteLocation {
  id: string;
  companyId: string;
}

const SITE_SELECT = `id, company_id AS "companyId", latitude, longitude, country, has_quay AS "hasQuay",
  has_rail AS "hasRail"`;

const siteNotFound = () =>
  new DomainError(ErrorCode.NotFound, 'Site not found', { siteId: 'site not found' });
const streamNotFound = () => DomainError.notFound('Stream');

/**
 * Residual-stream listings: create, read, edit, lifecycle, expiry and site-fact refresh. Every write
 * that can change matching bumps `version` in its transaction (a stream with matchedVersion < version
 * is dirty: the sweeper's outbox); after commit a match-stream job is enqueued best-effort.
 */
@Injectable()
export class StreamsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: JobQueue,
  ) {}

  // ---------------------------------------------------------------- reads

  async get(principal: Principal, id: string): Promise<StreamView> {
    const record = await this.findRecord(this.db.manager, principal, id, false);
    if (!record) throw streamNotFound();
    return toStreamView(record);
  }

  async list(principal: Principal, filter: StreamListFilter): Promise<Paginated<StreamView>> {
    const scope = this.companyScope(principal);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (scope) add('s.company_id = ?', scope);
    if (filter.companyId) add('s.company_id = ?', filter.companyId);
    if (filter.siteId) add('s.site_id = ?', filter.siteId);
    if (filter.direction) add('s.direction = ?', filter.direction);
    if (filter.category) add('s.category = ?', filter.category);
    if (filter.status) add('s.status = ?', filter.status);
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.db.query(
      `SELECT count(*)::int AS total FROM streams s ${whereSql}`,
      params,
    )) as { total: number }[];
    const offset = (filter.page - 1) * filter.pageSize;
    const records = (await this.db.query(
      `SELECT ${STREAM_SELECT} FROM streams s ${whereSql}
        ORDER BY s.created_at DESC, s.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.pageSize, offset],
    )) as StreamRecord[];
    return { items: records.map(toStreamView), page: filter.page, pageSize: filter.pageSize, total };
  }

  async listMaterialTypes(): Promise<MaterialTypeView[]> {
    return this.db.query(
      `SELECT id, label, ewc_codes AS "ewcCodes", hazardous_default AS "hazardousDefault"
         FROM material_types ORDER BY id`,
    );
  }

  // ---------------------------------------------------------------- writes

  /**
   * Creates a stream on one of the caller's sites. With an idempotency key, the same key and body
   * answer the first response again (nothing new written); the same key with another body is a 409.
   */
  async create(
    principal: Principal,
    input: CreateStreamInput,
    idempotency?: { key: string; rawBody: unknown },
  ): Promise<StoredResponse<StreamView>> {
    this.companyScope(principal);
    const result = await this.db.transaction(async (m) => {
      const work = async () => ({ statusCode: 201, body: await this.insert(m, principal, input) });
      if (!idempotency) return { ...(await work()), replayed: false };
      const hash = requestHash('POST /streams', idempotency.rawBody);
      return runIdempotent(m, principal.userId, idempotency.key, hash, work);
    });
    if (!result.replayed) await this.enqueueIfDirty(result.body);
    return result;
  }

  private async insert(
    m: EntityManager,
    principal: Principal,
    input: CreateStreamInput,
  ): Promise<StreamView> {
    this.assertValid(input, true);
    const site = await this.lockSite(m, principal, input.siteId);
    const columns = streamColumns(input);
    const status = input.status ?? 'active';
    // A draft cannot match, so it starts clean (matched_version = version); publishing makes it dirty.
    const matchedVersion = status === 'active' ? 0 : 1;
    const names = [...STREAM_COLUMN_NAMES, 'site_id', 'company_id', 'status', 'version', 'matched_version'];
    const values: unknown[] = [
      ...STREAM_COLUMN_NAMES.map((k) => columnParam(columns, k)),
      site.id,
      site.companyId,
      status,
      1,
      matchedVersion,
    ];
    const facts = siteFactColumns(site);
    names.push(...Object.keys(facts));
    values.push(...Object.values(facts));
    const [record] = (await m.query(
      `WITH s AS (
         INSERT INTO streams (${names.join(', ')})
         VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *)
       SELECT ${STREAM_SELECT} FROM s`,
      values,
    )) as StreamRecord[];
    return toStreamView(record);
  }

  /**
   * Applies a partial change at the version the caller read. Changes that can affect matching bump
   * the version; title, description and visibility alone do not. A stale version is a 409.
   */
  async update(
    principal: Principal,
    id: string,
    patch: StreamPatch,
    expectedVersion: number,
  ): Promise<StreamView> {
    const { view, bumped } = await this.db.transaction(async (m) => {
      const current = await this.findRecord(m, principal, id, true);
      if (!current) throw streamNotFound();
      if (current.version !== expectedVersion)
        throw DomainError.versionConflict(expectedVersion, current.version);
      if (!isEditable(current.status)) {
        throw new DomainError(ErrorCode.IllegalTransition, `A ${current.status} stream cannot be edited`);
      }
      const merged = mergePatch(inputFromRecord(current), patch);
      this.assertValid(merged, patch.availableUntil !== undefined);
      let site: SiteLocation = locationOf(current);
      if (patch.siteId !== undefined && patch.siteId !== current.siteId) {
        const newSite = await this.lockSite(m, principal, patch.siteId);
        if (newSite.companyId !== current.companyId) {
          throw DomainError.validation({ siteId: "must be a site of the stream's company" });
        }
        site = locationOf(newSite);
      }
      const before = streamColumns(inputFromRecord(current));
      const after = streamColumns(merged);
      const moved = JSON.stringify(site) !== JSON.stringify(locationOf(current));
      const relevant = moved || matchingFieldsDiffer(before, after);
      if (!relevant && !anyFieldDiffers(before, after)) return { view: toStreamView(current), bumped: false };
      const facts = siteFactColumns(site);
      const sets = [...STREAM_COLUMN_NAMES, 'site_id', ...Object.keys(facts)];
      const values = [
        ...STREAM_COLUMN_NAMES.map((k) => columnParam(after, k)),
        merged.siteId,
        ...Object.values(facts),
      ];
      const bump = relevant ? 1 : 0;
      const [record] = (await m.query(
        `WITH s AS (
             UPDATE streams SET ${sets.map((c, i) => `${c} = $${i + 2}`).join(', ')},
               version = version + ${bump},
               matched_version = CASE WHEN status = 'draft' THEN version + ${bump} ELSE matched_version END,
               updated_at = now()
             WHERE id = $1 RETURNING *)
           SELECT ${STREAM_SELECT} FROM s`,
        [id, ...values],
      )) as StreamRecord[];
      return { view: toStreamView(record), bumped: relevant };
    });
    if (bumped) await this.enqueueIfDirty(view);
    return view;
  }

  /** Publish, pause, resume or withdraw. An illegal move is a 409; so is a stale version if one is sent. */
  async changeStatus(
    principal: Principal,
    id: string,
    target: RequestableStatus,
    expectedVersion?: number,
  ): Promise<StreamView> {
    const view = await this.db.transaction(async (m) => {
      const current = await this.findRecord(m, principal, id, true);
      if (!current) throw streamNotFound();
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw DomainError.versionConflict(expectedVersion, current.version);
      }
      const t = streamTransition(current.status, target, 'user');
      if (!t.ok) throw new DomainError(ErrorCode.IllegalTransition, t.reason);
      const today = regionDate();
      if (target === 'active' && current.availableUntil !== null && current.availableUntil < today) {
        throw new DomainError(
          ErrorCode.IllegalTransition,
          `The stream's availability ended on ${current.availableUntil}; extend availableUntil first`,
        );
      }
      const bump = t.affectsMatching ? 1 : 0;
      const [record] = (await m.query(
        `WITH s AS (
             UPDATE streams SET status = $2, version = version + ${bump}, updated_at = now()
             WHERE id = $1 RETURNING *)
           SELECT ${STREAM_SELECT} FROM s`,
        [id, target],
      )) as StreamRecord[];
      return toStreamView(record);
    });
    await this.enqueueIfDirty(view);
    return view;
  }

  // ---------------------------------------------------------------- for other modules and the worker

  /**
   * Rewrites the site facts (coordinates, country, quay, rail) copied onto the site's streams and
   * bumps the version of each stream whose facts changed. Call it in the transaction that changes the
   * site, then pass the result to `enqueueMatching` after commit (the sweeper catches up otherwise).
   */
  async refreshSiteFacts(siteId: string, manager: EntityManager): Promise<StreamVersion[]> {
    return refreshStreamSiteFacts(manager, siteId);
  }

  /**
   * Expires active and paused streams whose availableUntil (a date in the region's calendar) has
   * passed, in one set-based statement that also bumps their versions; then enqueues their re-match.
   * Idempotent: a second call finds nothing. Called by the worker's expire-streams job.
   */
  async expireDue(now: Date = new Date()): Promise<StreamVersion[]> {
    const expired = await expireDueStreams(this.db, now);
    await this.enqueueMatching(expired);
    return expired;
  }

  /** Deletes idempotency keys older than their 24 h life (housekeeping; lookups already ignore them). */
  purgeIdempotencyKeys(now: Date = new Date()): Promise<number> {
    return purgeExpiredIdempotencyKeys(this.db.manager, now);
  }

  /** Enqueues match-stream jobs best-effort (deterministic job ids make a repeat a no-op). */
  async enqueueMatching(streams: readonly StreamVersion[]): Promise<void> {
    for (const s of streams) {
      await this.queue.addBestEffort(JobName.MatchStream, { streamId: s.streamId, version: s.version });
    }
  }

  // ---------------------------------------------------------------- helpers

  private async enqueueIfDirty(view: StreamView): Promise<void> {
    if (view.matchedVersion < view.version)
      await this.enqueueMatching([{ streamId: view.id, version: view.version }]);
  }

  /** Officers see their company only; coordinators and admins everything; province users no stream. */
  private companyScope(principal: Principal): string | null {
    const scope = tenantScopeOf(principal);
    return scope.kind === 'company' ? scope.companyId : null;
  }

  private async findRecord(
    m: EntityManager,
    principal: Principal,
    id: string,
    forUpdate: boolean,
  ): Promise<StreamRecord | undefined> {
    const scope = this.companyScope(principal);
    const [record] = (await m.query(
      `SELECT ${STREAM_SELECT} FROM streams s
        WHERE s.id = $1 AND ($2::uuid IS NULL OR s.company_id = $2) ${forUpdate ? 'FOR UPDATE' : ''}`,
      [id, scope],
    )) as StreamRecord[];
    return record;
  }

  /**
   * The site a stream goes on, locked FOR SHARE so a concurrent site edit (which refreshes the facts
   * of the site's streams) waits for this transaction and then sees the new stream.
   */
  private async lockSite(m: EntityManager, principal: Principal, siteId: string): Promise<SiteRow> {
    const scope = this.companyScope(principal);
    const [site] = (await m.query(
      `SELECT ${SITE_SELECT} FROM sites WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2) FOR SHARE`,
      [siteId, scope],
    )) as SiteRow[];
    if (!site) throw siteNotFound();
    return site;
  }

  private assertValid(input: StreamInput, availableUntilSet: boolean): void {
    const errors = streamInputErrors(input, { today: regionDate(), availableUntilSet });
    if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
  }
}

/** Applies a patch to a full input: present keys replace, `null` clears, absent keys keep. */
function mergePatch(base: StreamInput, patch: StreamPatch): StreamInput {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as unknown as StreamInput;
}

function columnParam(columns: StreamColumns, key: keyof StreamColumns): unknown {
  return key === 'quality' ? JSON.stringify(columns.quality) : columns[key];
}

function siteFactColumns(site: SiteLocation) {
  return {
    latitude: site.latitude,
    longitude: site.longitude,
    country: site.country,
    has_quay: site.hasQuay,
    has_rail: site.hasRail,
  };
}

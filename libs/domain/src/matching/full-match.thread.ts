/**
 * Entry point of a full re-match's scoring thread (started by ScoringPool, full-match.pool.ts):
 * matchFromScratch of one category at a time, off the worker's event loop, so the categories are
 * scored side by side while the main thread feeds Postgres. Kept pairs go back already encoded as the
 * writer's COPY statements (copyChunks' data, in memory the main thread hands back once written); a
 * category's kept pairs stay here until the main thread has read the stored rows the run did not
 * rewrite and asks for the category's stored floors.
 */
import { parentPort } from 'node:worker_threads';
import { scoreFromScratch } from './full-match';
import type { MatchableStream, ScoredPair } from './matching.types';
import { storedCopyChunks } from './pair-columns';
import { storedRankedRows, type StoredPairs } from './pair-store';
import { categoryFloorsJson } from './rank-floors';

export interface MatchCategoryRequest {
  kind: 'match';
  category: string;
  streams: MatchableStream[];
  k: number;
  /** Pairs per `rows` message (at least; a stream's K best are never split). */
  batch: number;
  rowsPerStatement: number;
  /** Encoded statements the thread may have sent ahead of the writer before it waits. */
  chunksAhead: number;
}

export type ToScoringThread =
  | MatchCategoryRequest
  /** The main thread has written this many of the thread's statements; their memory comes back. */
  | { kind: 'written'; chunks: number; buffers: ArrayBuffer[] }
  /** The category's floors over its kept pairs and `extra` (acted-on pairs that still qualify). */
  | { kind: 'floors'; category: string; streamIds: string[]; extra: ScoredPair[] };

export type FromScoringThread =
  | { kind: 'rows'; category: string; chunks: unknown[][] }
  | { kind: 'progress'; category: string; done: number }
  | {
      kind: 'scored';
      category: string;
      qualifying: number;
      scored: number;
      skipped: number;
      kept: number;
    }
  | { kind: 'floors'; category: string; floors: string[] }
  | { kind: 'failed'; message: string; stack?: string };

const port = parentPort;
if (!port) throw new Error('full-match.thread runs only as a worker thread');

const keptByCategory = new Map<string, { kept: StoredPairs; k: number }>();
let chunksInFlight = 0;
let chunksAhead = Infinity;
let waiting: (() => void)[] = [];
/**
 * Memory of statements written, for the next ones. A new buffer per statement (1.2 MB for 5,000 rows)
 * became external memory of the main thread once sent, which V8 reclaims only by a full collection of
 * its heap (the state of every stream, 160 MB): over a bench's two re-matches at 100,000 streams the main
 * thread ran 27 of them (3.3 s of marking), 14 (1.7 s) with the memory handed back.
 */
const spare: ArrayBuffer[] = [];
/** Spare buffers kept at most (beyond them, returned memory is let go). */
const SPARE_MAX = 64;

/** A buffer of exactly `bytes` in spare memory when some is large enough, else in new memory (5 % over). */
function allocate(bytes: number): Buffer {
  for (let i = spare.length - 1; i >= 0; i--) {
    if (spare[i].byteLength >= bytes) return Buffer.from(spare.splice(i, 1)[0], 0, bytes);
  }
  return Buffer.from(new ArrayBuffer(Math.ceil(bytes * 1.05)), 0, bytes);
}

const toMain = port;
const send = (message: FromScoringThread) => toMain.postMessage(message);

/** Sends the kept pairs at positions from … to, encoded (read from the run's store before it returns). */
function sendRows(
  category: string,
  kept: StoredPairs,
  from: number,
  to: number,
  r: MatchCategoryRequest,
): void {
  // The data only (the rows' ids are in it); its memory moves to the main thread instead of being copied.
  const chunks = [...storedCopyChunks(kept, r.rowsPerStatement, from, to, allocate)].map(([data]) => [data]);
  chunksInFlight += chunks.length;
  const transfer = chunks.map(([data]) => (data as Buffer).buffer as ArrayBuffer);
  toMain.postMessage({ kind: 'rows', category, chunks } satisfies FromScoringThread, transfer);
}

/** Holds the scoring while the writer is more than `chunksAhead` statements behind. */
async function writerCaughtUp(): Promise<void> {
  while (chunksInFlight > chunksAhead) await new Promise<void>((resolve) => waiting.push(resolve));
}

async function matchCategory(r: MatchCategoryRequest): Promise<void> {
  chunksAhead = r.chunksAhead;
  const result = await scoreFromScratch(
    r.streams,
    r.k,
    async (done) => {
      send({ kind: 'progress', category: r.category, done });
      await writerCaughtUp();
    },
    { batch: r.batch, take: (kept, from, to) => sendRows(r.category, kept, from, to, r) },
  );
  const { kept } = result;
  for (let i = result.handedOver; i < kept.length; i += r.batch) {
    sendRows(r.category, kept, i, Math.min(i + r.batch, kept.length), r);
  }
  keptByCategory.set(r.category, { kept: result.kept, k: r.k });
  send({
    kind: 'scored',
    category: r.category,
    qualifying: result.qualifying,
    scored: result.scored,
    skipped: result.skipped,
    kept: result.kept.length,
  });
}

function floors(category: string, streamIds: string[], extra: ScoredPair[]): void {
  const held = keptByCategory.get(category);
  if (!held) throw new Error(`no kept pairs of category ${category} in this scoring thread`);
  keptByCategory.delete(category);
  const stored = storedRankedRows(held.kept, extra);
  send({ kind: 'floors', category, floors: categoryFloorsJson(streamIds, stored, held.k) });
}

function fail(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  send({ kind: 'failed', message: e.message, stack: e.stack });
}

port.on('message', (message: ToScoringThread) => {
  try {
    if (message.kind === 'match') void matchCategory(message).catch(fail);
    else if (message.kind === 'floors') floors(message.category, message.streamIds, message.extra);
    else {
      chunksInFlight -= message.chunks;
      for (const buffer of message.buffers) if (spare.length < SPARE_MAX) spare.push(buffer);
      const resume = waiting;
      waiting = [];
      for (const r of resume) r();
    }
  } catch (err) {
    fail(err);
  }
});

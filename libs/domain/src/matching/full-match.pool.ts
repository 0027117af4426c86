import { extname, join } from 'node:path';
import { ResourceLimits, Worker } from 'node:worker_threads';
import type { FromScoringThread, MatchCategoryRequest, ToScoringThread } from './full-match.thread';
import type { MatchableStream, ScoredPair } from './matching.types';

/** What a scoring thread reports of a category once its kept pairs are all sent (see FullMatchResult). */
export interface ScoredCategory {
  qualifying: number;
  scored: number;
  skipped: number;
  kept: number;
}

/** Called on the main thread while a category is scored; an exception fails the category. */
export interface CategoryHandlers {
  /** Kept pairs encoded for the writer (copyChunks), in the order they are to be written. */
  rows(chunks: unknown[][]): void;
  /** Streams of the category done so far. */
  progress(done: number): void;
}

export type CategoryJob = Omit<MatchCategoryRequest, 'kind' | 'category' | 'streams'>;

/** A scoring thread crashed, exited or failed; every category it held fails with it. */
export class ScoringThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScoringThreadError';
  }
}

interface Pending {
  category: string;
  streams: MatchableStream[];
  job: CategoryJob;
  handlers: CategoryHandlers;
  resolve: (scored: ScoredCategory) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  current: Pending | null;
  /** Categories scored here whose floors have not been asked for yet, with the floors' waiter. */
  held: Map<string, { resolve: (floors: string[]) => void; reject: (err: Error) => void } | null>;
}

// Compiled, the pool and the thread are .js siblings; under ts-node or ts-jest they are .ts, and the
// thread, a fresh isolate, registers ts-node and the path aliases itself (as the allocation solve does).
const THREAD_EXT = extname(__filename);
const THREAD_FILE = join(__dirname, `full-match.thread${THREAD_EXT}`);
const TS_EXEC_ARGV = ['--require', 'ts-node/register/transpile-only', '--require', 'tsconfig-paths/register'];

/** Buffers again: a Buffer crosses to another thread as a plain Uint8Array. */
const asBuffers = (chunk: unknown[]) =>
  chunk.map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));

/**
 * Worker threads that score a full re-match's categories side by side (matchFromScratch, one category
 * per thread at a time, the next waiting category to the first thread free). A category's kept pairs
 * come back encoded for the writer (copyChunks); the thread keeps them for the category's floors.
 * One pool per run: close() ends the threads.
 */
export class ScoringPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: Pending[] = [];
  /** The thread each category went to (it holds the category's pairs until its floors are taken). */
  private readonly owner = new Map<string, Thread>();
  private failure: Error | null = null;

  /** `youngGenerationMb`: each thread's young generation, V8's default when 0 or absent (see MATCH_THREAD_YOUNG_GENERATION_MB). */
  constructor(size: number, options: { youngGenerationMb?: number } = {}) {
    const young = options.youngGenerationMb ?? 0;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(THREAD_FILE, {
        execArgv: THREAD_EXT === '.ts' ? TS_EXEC_ARGV : undefined,
        resourceLimits: young > 0 ? { maxYoungGenerationSizeMb: young } : undefined,
      });
      const thread: Thread = { worker, current: null, held: new Map() };
      worker.on('message', (message: FromScoringThread) => this.receive(thread, message));
      worker.once('error', (err) =>
        this.fail(new ScoringThreadError(`scoring thread crashed: ${err.message}`, { cause: err })),
      );
      worker.once('exit', (code) =>
        this.fail(new ScoringThreadError(`scoring thread exited with code ${code}`)),
      );
      this.threads.push(thread);
    }
  }

  /** Scores one category's streams in the first thread free; resolves once its kept pairs are all sent. */
  match(
    category: string,
    streams: MatchableStream[],
    job: CategoryJob,
    handlers: CategoryHandlers,
  ): Promise<ScoredCategory> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting.push({ category, streams, job, handlers, resolve, reject });
      this.dispatch();
    });
  }

  /** The V8 limits each thread runs with (see the constructor). */
  get resourceLimits(): ResourceLimits[] {
    return this.threads.map((t) => t.worker.resourceLimits ?? {});
  }

  /**
   * The writer has written `chunks` statements of the category: its thread may send more, in the memory
   * of `buffers` (the statements' data, handed back: no longer usable here).
   */
  written(category: string, chunks: number, buffers: ArrayBuffer[] = []): void {
    this.owner
      .get(category)
      ?.worker.postMessage({ kind: 'written', chunks, buffers } satisfies ToScoringThread, buffers);
  }

  /**
   * The stored floors of `streamIds` (storedFloorsJson, by position) over the category's kept pairs and
   * `extra`; the thread then lets the category's pairs go.
   */
  floors(category: string, streamIds: string[], extra: ScoredPair[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const thread = this.owner.get(category);
      if (!thread || thread.held.get(category) !== null)
        return reject(new Error(`category ${category} was not scored by this pool`));
      thread.held.set(category, { resolve, reject });
      thread.worker.postMessage({ kind: 'floors', category, streamIds, extra } satisfies ToScoringThread);
    });
  }

  async close(): Promise<void> {
    this.fail(new ScoringThreadError('the scoring pool was closed'));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.current || this.waiting.length === 0) continue;
      const next = this.waiting.shift()!;
      thread.current = next;
      this.owner.set(next.category, thread);
      thread.worker.postMessage({
        kind: 'match',
        category: next.category,
        streams: next.streams,
        ...next.job,
      } satisfies ToScoringThread);
    }
  }

  private receive(thread: Thread, message: FromScoringThread): void {
    if (message.kind === 'failed') {
      this.fail(new ScoringThreadError(`scoring failed in its thread: ${message.message}`));
      return;
    }
    if (message.kind === 'floors') {
      const waiter = thread.held.get(message.category);
      thread.held.delete(message.category);
      waiter?.resolve(message.floors);
      return;
    }
    const current = thread.current;
    if (!current || current.category !== message.category) return;
    try {
      if (message.kind === 'rows') current.handlers.rows(message.chunks.map(asBuffers));
      else if (message.kind === 'progress') current.handlers.progress(message.done);
      else {
        thread.current = null;
        thread.held.set(message.category, null);
        const { qualifying, scored, skipped, kept } = message;
        current.resolve({ qualifying, scored, skipped, kept });
        this.dispatch();
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Fails everything pending: the categories in threads and waiting, and the floors asked for. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const thread of this.threads) {
      thread.current?.reject(err);
      thread.current = null;
      for (const waiter of thread.held.values()) waiter?.reject(err);
      thread.held.clear();
    }
    for (const pending of this.waiting.splice(0)) pending.reject(err);
  }
}

import {
  AllocationInputError,
  type AllocationPair,
  type AllocationResult,
  type AllocationStream,
} from '@symbiose/engine';
import { extname, join } from 'node:path';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import {
  type AllocationThreadReply,
  decodeAllocationResult,
  type EncodedAllocationResult,
  encodeAllocationInput,
  type EncodedAllocationInput,
  inputTransferables,
  type ThreadSolveOptions,
} from './allocation-solve.codec';

export interface AllocationThreadOptions extends ThreadSolveOptions {
  /** Heap limits of the solve thread (default: Node's defaults); a thread that exceeds them fails the solve. */
  resourceLimits?: ResourceLimits;
}

/** The solve thread crashed, ran out of memory, exited early or failed inside the solver. */
export class AllocationThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AllocationThreadError';
  }
}

// Compiled, this module and the thread are .js siblings (tsc rewrites the @symbiose/* aliases to
// relative paths); under ts-node or ts-jest they are .ts, and the thread, a fresh isolate, must
// register ts-node and the path aliases itself.
const THREAD_EXT = extname(__filename);
const THREAD_FILE = join(__dirname, `allocation-solve.thread${THREAD_EXT}`);
const TS_EXEC_ARGV = ['--require', 'ts-node/register/transpile-only', '--require', 'tsconfig-paths/register'];

/**
 * solveAllocation (libs/engine) in a worker thread of its own, so the solve never blocks the caller's
 * event loop; the result is the in-process result (same plan, greedy, naive and solver info but
 * timings). Input errors are thrown as AllocationInputError before a thread is started; a thread that
 * fails for any other reason rejects with AllocationThreadError.
 */
export async function solveAllocationInThread(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
  options: AllocationThreadOptions = {},
): Promise<AllocationResult> {
  const { resourceLimits, ...solverOptions } = options;
  const input = await encodeAllocationInput(pairs, supplies, demands, solverOptions);
  const encoded = await runSolveThread(input, resourceLimits);
  return decodeAllocationResult(encoded, pairs);
}

function runSolveThread(
  input: EncodedAllocationInput,
  resourceLimits: ResourceLimits | undefined,
): Promise<EncodedAllocationResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD_FILE, {
      execArgv: THREAD_EXT === '.ts' ? TS_EXEC_ARGV : undefined,
      resourceLimits,
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      // The thread exits by itself after replying; terminate covers a reply followed by a hang.
      void worker.terminate();
    };
    worker.once('message', (reply: AllocationThreadReply) => {
      settle(() => {
        if (reply.ok) resolve(reply.result);
        else if (reply.name === 'AllocationInputError') reject(new AllocationInputError(reply.message));
        else reject(new AllocationThreadError(`allocation solve failed in its thread: ${reply.message}`));
      });
    });
    worker.once('error', (err) => {
      settle(() =>
        reject(new AllocationThreadError(`allocation solve thread crashed: ${err.message}`, { cause: err })),
      );
    });
    worker.once('exit', (code) => {
      settle(() =>
        reject(new AllocationThreadError(`allocation solve thread exited with code ${code} before replying`)),
      );
    });
    worker.postMessage(input, inputTransferables(input));
  });
}

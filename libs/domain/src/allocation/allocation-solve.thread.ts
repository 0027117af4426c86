/**
 * Entry point of the allocation solve thread (started by solveAllocationInThread, one per solve): the
 * HiGHS solve is synchronous WebAssembly that runs for minutes on a large region, so it runs here
 * instead of on the worker's event loop. Receives one EncodedAllocationInput, posts one reply, exits.
 */
import { solveAllocation } from '@symbiose/engine';
import { parentPort } from 'node:worker_threads';
import {
  type AllocationThreadReply,
  decodeAllocationInput,
  type EncodedAllocationInput,
  encodeAllocationResult,
  resultTransferables,
} from './allocation-solve.codec';

async function solve(input: EncodedAllocationInput): Promise<[AllocationThreadReply, ArrayBuffer[]]> {
  try {
    const { pairs, supplies, demands, positionOf } = decodeAllocationInput(input);
    const result = encodeAllocationResult(
      await solveAllocation(pairs, supplies, demands, input.options),
      positionOf,
    );
    return [{ ok: true, result }, resultTransferables(result)];
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return [{ ok: false, name: e.name, message: e.message, stack: e.stack }, []];
  }
}

const port = parentPort;
if (!port) throw new Error('allocation-solve.thread runs only as a worker thread');
// `once`: with no listener left the port no longer keeps the thread alive, so it exits after replying.
port.once('message', (input: EncodedAllocationInput) => {
  void solve(input).then(([reply, transfer]) => port.postMessage(reply, transfer));
});

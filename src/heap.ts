import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what was live after the last full collection. By
 * default it picks up to 4× for a process whose collections are cheap, and a gateway's live data is
 * small (about 27 MB) while every request leaves garbage behind: under 32 connections the heap grew to
 * 113 MB before V8 collected it, and the process's RSS to about 210 MB. At 1.5× the same load peaks at
 * about 145 MB with no loss of throughput (full collections of a small heap take ~5 ms). It is a growth
 * factor, not a cap: a process with more live data still gets the memory, rather than dying of OOM.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The most each of the young generation's two semi-spaces may grow to, in MB. V8 picks it from the
 * heap limit: 16 MB on Node 20 (V8 11.3) for a heap limit above 2 GB, but 64 MB on Node 24 (V8 13.6),
 * even with a 1 GB limit, so that the young generation alone may commit 128 MB. Every request's garbage passes
 * through it, so under load it fills to that size: at 32 connections the gateway's peak RSS was 199–210
 * MB on Node 24 against 127–129 MB on Node 20, and 156–184 MB on Node 24 at 16 MB, its JS heap then as
 * on Node 20 (the rest of the difference is Node 24's own, mostly its Maglev compiler). The bigger young
 * generation also promotes more into the old one, so the growing factor alone does not hold the heap on
 * Node 24.
 *
 * V8 sizes the young generation once, when it creates the heap: `v8.setFlagsFromString` accepts
 * `--max-semi-space-size` and it changes nothing. So it must be on node's command line (NODE_OPTIONS
 * allows it too): `npm start` passes START_FLAGS, and test/heap.test.ts checks that it does.
 */
export const MAX_SEMI_SPACE_MB = 16;

/** The node flags the gateway must be started with, since they cannot be set once it runs. */
export const START_FLAGS: readonly string[] = [`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`];

const FLAG = '--heap-growing-percent';

/**
 * Applies HEAP_GROWING_PERCENT unless the process was started with its own `--heap-growing-percent`.
 * V8 reads the factor at every collection, so setting it once the process runs takes effect (on Node
 * 20 and 24 alike, as much as the same flag on the command line). Returns whether it set it.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg.startsWith('--heap_growing_percent'))) return false;
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}

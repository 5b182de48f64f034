import v8 from 'node:v8';

/**
 * How far the old generation may grow past what the last full collection left live before the
 * next one starts, in percent. V8 lets a busy heap grow up to four times its live size; mail
 * under way lives just long enough to be promoted and then dies, so a node at 600 msgs/s
 * held 76 MiB of old space for 20 MiB live. With 50% the peak PSS at 4 KiB, 20 sessions fell
 * from 180 to 128 MiB in one bench run, for the same throughput and CPU (README, Memory).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The bound while the bodies of mail under way, held outside V8's heap, outweigh the heap
 * itself (large messages). Those bodies count toward the limit that starts a full collection,
 * so with 50% a node taking 1 MiB messages ran one every 150–200 ms, for a heap of about 25
 * MiB; with 200%, 13.3 instead of 15.5 CPU ms per message and 88 instead of 78 msgs/s
 * (medians of 5 runs each), for a peak PSS of about 255 instead of 215 MiB (README, Memory).
 */
export const LARGE_BODIES_HEAP_GROWING_PERCENT = 200;

/** Bodies outside the heap at least this many times the heap's size raise the bound... */
export const RAISE_AT_RATIO = 1;
/** ...and below this many times lower it again (between the two it stays as it is). */
export const LOWER_AT_RATIO = 0.5;

/**
 * How often the adapting node looks at its memory, how many of its last looks it weighs
 * together (3 s: a full collection comes every few hundred milliseconds under large
 * messages, so the window spans several of the memory's ups and downs), and how many it
 * needs before it decides at all.
 */
export const SAMPLE_EVERY_MS = 500;
export const SAMPLE_WINDOW = 6;
export const SAMPLES_TO_DECIDE = 2;

const FLAG = '--heap-growing-percent';

/**
 * Bounds the heap's growth for a long-running node, unless the operator chose a value of their
 * own (`node --heap-growing-percent=N bin/relaydesk.js start`; Node does not take this flag
 * from NODE_OPTIONS). Returns the percent in force, or null when it was left to the operator's flag.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): number | null {
  // V8 reads `_` and `-` alike in its flags' names.
  const chosen = execArgv.some((a) => {
    const name = a.split('=')[0]!.replaceAll('_', '-');
    return name === FLAG;
  });
  if (chosen) return null;
  setHeapGrowingPercent(HEAP_GROWING_PERCENT);
  return HEAP_GROWING_PERCENT;
}

/** One look at the process's memory: bytes outside V8's heap (buffers) and inside it. */
export interface HeapSample {
  readonly external: number;
  readonly heap: number;
}

/**
 * The bound for the next while, from the last looks (oldest first) and the bound in force:
 * raised while buffers outside the heap weigh at least RAISE_AT_RATIO times the heap, lowered
 * once they weigh less than LOWER_AT_RATIO times it; the gap between the two keeps a node
 * whose traffic sits near one ratio from switching back and forth.
 */
export function heapGrowthFor(samples: readonly HeapSample[], current: number): number {
  const mean = meanOf(samples);
  if (mean === null || mean.heap <= 0) return current;
  const ratio = mean.external / mean.heap;
  if (current !== LARGE_BODIES_HEAP_GROWING_PERCENT && ratio >= RAISE_AT_RATIO) return LARGE_BODIES_HEAP_GROWING_PERCENT;
  if (current === LARGE_BODIES_HEAP_GROWING_PERCENT && ratio < LOWER_AT_RATIO) return HEAP_GROWING_PERCENT;
  return current;
}

/** The looks' mean bytes outside and inside the heap (rounded), or null when there is none. */
function meanOf(samples: readonly HeapSample[]): HeapSample | null {
  if (samples.length === 0) return null;
  let external = 0;
  let heap = 0;
  for (const s of samples) {
    external += s.external;
    heap += s.heap;
  }
  return { external: Math.round(external / samples.length), heap: Math.round(heap / samples.length) };
}

export interface HeapGrowthChange {
  readonly from: number;
  readonly to: number;
  /** The window's mean bytes outside and inside the heap that decided it. */
  readonly external: number;
  readonly heap: number;
}

/**
 * Keeps the bound set by `boundHeapGrowth` fitted to the traffic: every SAMPLE_EVERY_MS it
 * looks at the memory outside and inside the heap and sets the bound `heapGrowthFor` gives
 * for the last SAMPLE_WINDOW looks. V8 reads the bound at the end of each collection, so a
 * change takes effect from the next one. Returns the function that stops it; its timer never
 * holds the process.
 */
export function adaptHeapGrowth(
  opts: {
    readonly onChange?: (change: HeapGrowthChange) => void;
    readonly everyMs?: number;
    readonly window?: number;
    readonly read?: () => HeapSample;
    readonly set?: (percent: number) => void;
  } = {},
): () => void {
  const read = opts.read ?? readHeap;
  const set = opts.set ?? setHeapGrowingPercent;
  const window = opts.window ?? SAMPLE_WINDOW;
  const samples: HeapSample[] = [];
  let current = HEAP_GROWING_PERCENT;
  const timer = setInterval(() => {
    samples.push(read());
    if (samples.length > window) samples.shift();
    if (samples.length < Math.min(window, SAMPLES_TO_DECIDE)) return;
    const next = heapGrowthFor(samples, current);
    if (next === current) return;
    set(next);
    opts.onChange?.({ from: current, to: next, ...meanOf(samples)! });
    current = next;
  }, opts.everyMs ?? SAMPLE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function readHeap(): HeapSample {
  const s = v8.getHeapStatistics();
  return { external: s.external_memory, heap: s.used_heap_size };
}

function setHeapGrowingPercent(percent: number): void {
  v8.setFlagsFromString(`${FLAG}=${percent}`);
}

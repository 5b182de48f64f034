import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  adaptHeapGrowth,
  boundHeapGrowth,
  HEAP_GROWING_PERCENT,
  heapGrowthFor,
  LARGE_BODIES_HEAP_GROWING_PERCENT,
  type HeapGrowthChange,
  type HeapSample,
} from './heap-growth.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Runs a child that keeps a ring of 200,000 short-lived objects (each lives long enough to be
 * promoted, then dies: mail under way) and prints the largest old space it saw, in MiB.
 */
function peakOldSpaceMiB(bound: boolean): number {
  const script = `
    import v8 from 'node:v8';
    import { boundHeapGrowth } from ${JSON.stringify(`${HERE}heap-growth.ts`)};
    if (${bound}) boundHeapGrowth([]);
    const ring = new Array(200000); let peak = 0;
    for (let i = 0; i < 4e6; i++) {
      ring[i % 200000] = { a: i, b: 'x' + i, c: [i] };
      if (i % 50000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
    }
    console.log(peak / 1048576);`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return Number(out.trim());
}

describe('boundHeapGrowth', () => {
  it("leaves a value the operator gave node on the command line, in either of V8's spellings", () => {
    expect(boundHeapGrowth(['--heap-growing-percent=80'])).toBeNull();
    expect(boundHeapGrowth(['--max-old-space-size=512', '--heap_growing_percent=30'])).toBeNull();
  });

  it('holds the old space of a node whose mail dies after promotion well below what V8 lets it grow to', () => {
    const free = peakOldSpaceMiB(false);
    const bounded = peakOldSpaceMiB(true);
    expect(HEAP_GROWING_PERCENT).toBe(50);
    // Measured: 141 -> 71 MiB with this workload.
    expect(bounded).toBeLessThan(free * 0.85);
  }, 120_000);
});

describe('heapGrowthFor', () => {
  const MiB = 2 ** 20;
  const looks = (external: number, heap: number, n = 3): HeapSample[] => Array.from({ length: n }, () => ({ external: external * MiB, heap: heap * MiB }));

  it('raises the bound once buffers outside the heap weigh as much as the heap, and lowers it below half', () => {
    expect(heapGrowthFor(looks(4, 33), HEAP_GROWING_PERCENT)).toBe(HEAP_GROWING_PERCENT); // 4 KiB mail
    expect(heapGrowthFor(looks(11, 30), HEAP_GROWING_PERCENT)).toBe(HEAP_GROWING_PERCENT); // 100 KiB
    expect(heapGrowthFor(looks(33, 25), HEAP_GROWING_PERCENT)).toBe(LARGE_BODIES_HEAP_GROWING_PERCENT); // 1 MiB
    expect(heapGrowthFor(looks(25, 25), HEAP_GROWING_PERCENT)).toBe(LARGE_BODIES_HEAP_GROWING_PERCENT);
    expect(heapGrowthFor(looks(12, 25), LARGE_BODIES_HEAP_GROWING_PERCENT)).toBe(HEAP_GROWING_PERCENT);
  });

  it('keeps the bound in force between the two ratios, so traffic near one does not flip it', () => {
    expect(heapGrowthFor(looks(20, 25), HEAP_GROWING_PERCENT)).toBe(HEAP_GROWING_PERCENT);
    expect(heapGrowthFor(looks(20, 25), LARGE_BODIES_HEAP_GROWING_PERCENT)).toBe(LARGE_BODIES_HEAP_GROWING_PERCENT);
  });

  it('weighs the window as a whole: one look at the top of the sawtooth does not raise it', () => {
    const window = [...looks(5, 30, 5), { external: 60 * MiB, heap: 30 * MiB }];
    expect(heapGrowthFor(window, HEAP_GROWING_PERCENT)).toBe(HEAP_GROWING_PERCENT);
  });

  it('leaves the bound alone with nothing to go on', () => {
    expect(heapGrowthFor([], 80)).toBe(80);
    expect(heapGrowthFor([{ external: 10, heap: 0 }], 80)).toBe(80);
  });
});

describe('adaptHeapGrowth', () => {
  it('sets the raised bound when large bodies arrive and the usual one when they are gone, and says so', async () => {
    const MiB = 2 ** 20;
    const script: HeapSample[] = [
      ...Array.from({ length: 2 }, () => ({ external: 4 * MiB, heap: 30 * MiB })),
      ...Array.from({ length: 4 }, () => ({ external: 40 * MiB, heap: 25 * MiB })),
      ...Array.from({ length: 8 }, () => ({ external: 3 * MiB, heap: 30 * MiB })),
    ];
    let i = 0;
    const set: number[] = [];
    const changes: HeapGrowthChange[] = [];
    const stop = adaptHeapGrowth({
      everyMs: 5,
      window: 4,
      read: () => script[Math.min(i++, script.length - 1)]!,
      set: (p) => set.push(p),
      onChange: (c) => changes.push(c),
    });
    try {
      await vi.waitFor(() => expect(i).toBeGreaterThanOrEqual(script.length), { timeout: 5_000, interval: 5 });
    } finally {
      stop();
    }
    expect(set).toEqual([LARGE_BODIES_HEAP_GROWING_PERCENT, HEAP_GROWING_PERCENT]);
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [HEAP_GROWING_PERCENT, LARGE_BODIES_HEAP_GROWING_PERCENT],
      [LARGE_BODIES_HEAP_GROWING_PERCENT, HEAP_GROWING_PERCENT],
    ]);
    expect(changes[0]!.external).toBeGreaterThan(changes[0]!.heap);
    // Stopped: no more looks.
    const seen = i;
    await new Promise((r) => setTimeout(r, 30));
    expect(i).toBe(seen);
  });

  it("sees a node's buffers in its own memory: 64 MiB of bodies held raise the bound", () => {
    const script = `
      import { adaptHeapGrowth } from ${JSON.stringify(`${HERE}heap-growth.ts`)};
      const held = Array.from({ length: 64 }, () => Buffer.alloc(1 << 20, 1));
      adaptHeapGrowth({ everyMs: 20, onChange: (c) => { console.log(JSON.stringify(c)); process.exit(0); } });
      // Still held when the time is up, and nothing changed.
      setTimeout(() => { console.log(held.length > 0 ? 'none' : ''); process.exit(0); }, 3000);`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const first = out.trim().split('\n')[0]!;
    expect(first).not.toBe('none');
    const change = JSON.parse(first) as HeapGrowthChange;
    expect(change).toMatchObject({ from: HEAP_GROWING_PERCENT, to: LARGE_BODIES_HEAP_GROWING_PERCENT });
    expect(change.external).toBeGreaterThan(64 * 2 ** 20);
  }, 60_000);
});

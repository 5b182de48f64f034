/**
 * Sizes and durations as an admin writes them ("35MB", "1h30m") and as code uses them
 * (bytes, milliseconds), both ways, so an exported file reads like the one applied.
 */

// Binary units: the 35MB is 36,700,160 bytes, as mail servers usually count.
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Bytes from `35MB`, `35M`, `36700160` or a number; undefined when it is none of those. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The shortest exact form: 36700160 → "35MB"; sizes that are not whole units stay numbers. */
export function renderSize(bytes: number): string | number {
  for (const [unit, factor] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return bytes;
}

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Milliseconds from `1m`, `90s`, `1h30m`, `5d`, `250ms`; undefined when malformed. */
export function parseDuration(value: string): number | undefined {
  const text = value.trim();
  if (!/^(\d+(ms|d|h|m|s))+$/i.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|d|h|m|s)/gi)) {
    const factor = DURATION_UNITS.find(([u]) => u === unit?.toLowerCase())?.[1] ?? 0;
    total += Number(n) * factor;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** 5400000 → "1h30m"; 0 → "0s". */
export function renderDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, factor] of DURATION_UNITS) {
    const n = Math.floor(rest / factor);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * factor;
    }
  }
  return out;
}

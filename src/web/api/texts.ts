import type { Text, TextValue } from '../../base/trace-texts.js';

type TraceTextOut = { code: string; params: Record<string, TextValue | Text> };

/** How deep a stored text may quote texts (a delivered line, the desk's effect, its reason). */
const MAX_DEPTH = 3;

function plain(v: unknown): TextValue | undefined {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((a) => `<${a}>`).join(', ');
  return undefined;
}

function quoted(v: unknown, depth: number): Text | undefined {
  if (depth > MAX_DEPTH || typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const t = v as Record<string, unknown>;
  if (typeof t['code'] !== 'string' || typeof t['params'] !== 'object' || t['params'] === null) return undefined;
  const params: Record<string, TextValue | Text> = {};
  for (const [k, x] of Object.entries(t['params'] as Record<string, unknown>)) {
    const p = plain(x) ?? quoted(x, depth + 1);
    if (p !== undefined) params[k] = p;
  }
  return { code: t['code'], params };
}

/**
 * A trace line's text for the console. A line stored without one (before texts existed) is
 * offered as its event code with its data's plain values: the console shows it in words when
 * its dictionary has that code and the data names every value, and the summary otherwise.
 */
export function stepText(step: {
  code: string;
  data?: Record<string, unknown>;
  text: { code: string; params: Readonly<Record<string, unknown>> } | null;
}): TraceTextOut {
  const source = step.text ?? { code: step.code, params: step.data ?? {} };
  const params: Record<string, TextValue | Text> = {};
  for (const [k, v] of Object.entries(source.params)) {
    const p = plain(v) ?? (step.text ? quoted(v, 1) : undefined);
    if (p !== undefined) params[k] = p;
  }
  return { code: source.code, params };
}

/**
 * Texts the server sends as codes (trace lines, problems, refusals), said from a dictionary;
 * no React here, so the server's tests can check the dictionaries with the same code.
 */

/** Fills `{name}` placeholders; a missing value stays visible as `{name}` rather than vanishing. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A code and its values as the server sends them; a value may be a text of its own (a reply quoted in a trace line). */
export interface ServerText {
  readonly code: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** The entry filled in, or null when there is none or a value it names is missing. */
export function fillEntry(dict: Readonly<Record<string, string>>, prefix: string, text: ServerText): string | null {
  const template = Object.prototype.hasOwnProperty.call(dict, prefix + text.code) ? dict[prefix + text.code] : undefined;
  if (template === undefined) return null;
  const values: Record<string, string | number> = {};
  for (const [name, v] of Object.entries(text.params)) {
    if (typeof v === 'string' || typeof v === 'number') values[name] = v;
    else if (isServerText(v)) {
      const inner = fillEntry(dict, prefix, v);
      if (inner === null) return null;
      values[name] = inner;
    }
  }
  return missing(template, values) ? null : format(template, values);
}

function isServerText(v: unknown): v is ServerText {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ServerText).code === 'string' &&
    typeof (v as ServerText).params === 'object' &&
    (v as ServerText).params !== null
  );
}

/** Whether the template names a value that is not given (a line stored before its values were). */
function missing(template: string, values: Record<string, string | number>): boolean {
  for (const m of template.matchAll(/\{(\w+)\}/g)) if (!(m[1]! in values)) return true;
  return false;
}

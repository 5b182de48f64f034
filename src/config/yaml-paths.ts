/**
 * YAML paths as people read them (`defaultRouting[2].match.pattern`) and the line and
 * column of the node a path names, so every problem can point into the file.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z0-9_$-]+$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/** The inverse of `formatPath`. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z0-9_$-]+)/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a path is in the file: its value node, or with `atKey` the key itself (for an
 * unknown field). A path that is missing (a required field) points at the nearest
 * ancestor that exists.
 */
export function locate(doc: Document, lineCounter: LineCounter, segments: readonly PathSegment[], atKey = false): Position | undefined {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (let i = 0; i < segments.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = segments[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (atKey && i === segments.length - 1) {
        found = pair.key;
        break;
      }
      node = pair.value;
      // `key:` with no value has a null value node; the key is the best place to point at.
      found = node ?? pair.key;
      if (node == null) break;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node == null) break;
      found = node;
    } else break;
  }
  const range = (found as Node | null | undefined)?.range;
  if (!range) return undefined;
  const { line, col } = lineCounter.linePos(range[0]);
  return { line, column: col };
}

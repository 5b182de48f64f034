/**
 * `raw` cut at the given places (any whole numbers, taken modulo its length + 1, repeats
 * ignored), for property tests that feed a stream in arbitrary pieces. Pieces may be empty.
 */
export function cutPieces(raw: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((n) => n % (raw.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(raw.subarray(from, p));
    from = p;
  }
  out.push(raw.subarray(from));
  return out;
}

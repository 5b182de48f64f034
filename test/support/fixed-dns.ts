/**
 * DNS for tests: answers from a table, fails like node's resolver otherwise, and
 * never touches the network. Pass the result wherever a `Resolver` is taken
 * (mailauth, the spam checks, MX lookups).
 */

import type { Resolver } from '../../src/spam/index.js';

export type FixedRecordType = 'TXT' | 'MX' | 'A' | 'AAAA' | 'PTR' | 'CNAME';

/**
 * Names → record type → answers. Names are case-insensitive, a trailing dot is
 * ignored. Answers are in node's shapes, except that a TXT answer may be a plain
 * string: it is split into 255-byte strings as DNS would carry it.
 */
export type FixedRecords = Record<string, Partial<Record<FixedRecordType, unknown[]>>>;

// A CNAME chain longer than this is a loop in the table.
const MAX_CNAME_HOPS = 8;
const TXT_STRING_MAX = 255;

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function syscallFor(rrtype: string): string {
  return `query${rrtype.charAt(0).toUpperCase()}${rrtype.slice(1).toLowerCase()}`;
}

/** An error shaped like node's: `queryTxt ENOTFOUND example.com`, with `code`, `syscall`, `hostname`. */
export function dnsError(code: string, rrtype: string, hostname: string): Error & { code: string } {
  const syscall = syscallFor(rrtype);
  return Object.assign(new Error(`${syscall} ${code} ${hostname}`), { code, errno: undefined, syscall, hostname });
}

function chunkTxt(answer: unknown): unknown {
  if (typeof answer !== 'string') return answer;
  const chunks: string[] = [];
  for (let i = 0; i < answer.length; i += TXT_STRING_MAX) chunks.push(answer.slice(i, i + TXT_STRING_MAX));
  return chunks.length > 0 ? chunks : [''];
}

export function fixedResolver(records: FixedRecords): Resolver {
  const table = new Map<string, Partial<Record<string, unknown[]>>>();
  for (const [name, byType] of Object.entries(records)) table.set(normalizeName(name), byType);

  return async (name, rrtype) => {
    const type = rrtype.toUpperCase();
    let current = normalizeName(name);
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      const entry = table.get(current);
      if (!entry) throw dnsError('ENOTFOUND', type, name);
      const answers = entry[type];
      if (answers && answers.length > 0) {
        const shaped = type === 'TXT' ? answers.map(chunkTxt) : answers;
        // A copy, so a caller that sorts or edits answers cannot change the table.
        return structuredClone(shaped);
      }
      // A recursive resolver follows a CNAME for any other type; DKIM keys are often delegated so.
      const alias = entry.CNAME?.[0];
      if (type === 'CNAME' || typeof alias !== 'string') throw dnsError('ENODATA', type, name);
      current = normalizeName(alias);
    }
    throw dnsError('ESERVFAIL', type, name);
  };
}

/** A resolver that never answers: for timeout tests. */
export function unresponsiveResolver(): Resolver {
  return () => new Promise<never>(() => {});
}

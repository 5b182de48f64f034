import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ';

/**
 * Random bytes from a pool refilled 4 KB at a time: one getrandom call per id costs more
 * than the rest of id making on a VM where system calls are dear.
 */
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/** A queue id: time-ordered prefix (so ids sort by arrival) and a random tail. */
export function newQueueId(nowMs: number): string {
  let t = Math.floor(nowMs);
  let head = '';
  for (let i = 0; i < 9; i++) {
    head = ALPHABET[t % ALPHABET.length] + head;
    t = Math.floor(t / ALPHABET.length);
  }
  let rnd = '';
  // 248 = 8 * 31: drop the tail of the byte range so every character is equally likely
  while (rnd.length < 6) {
    const b = randomByte();
    if (b < 248) rnd += ALPHABET[b % ALPHABET.length];
  }
  return head + rnd;
}

/** Lowercase letters and digits from a CSPRNG, for unguessable tokens and addresses. */
export function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      // 252 = 7 * 36: drop the tail so every character is equally likely
      if (b < 252 && out.length < length) out += alphabet[b % 36];
    }
  }
  return out;
}

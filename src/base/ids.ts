import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ';

/** A queue id: time-ordered prefix (so ids sort by arrival) and a random tail. */
export function newQueueId(nowMs: number): string {
  let t = Math.floor(nowMs);
  let head = '';
  for (let i = 0; i < 9; i++) {
    head = ALPHABET[t % ALPHABET.length] + head;
    t = Math.floor(t / ALPHABET.length);
  }
  const tail = randomBytes(6);
  let rnd = '';
  for (const b of tail) rnd += ALPHABET[b % ALPHABET.length];
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

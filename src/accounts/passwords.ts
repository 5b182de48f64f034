import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { randomToken } from '../base/ids.js';
import { isMailAddress } from '../routing/index.js';

/**
 * Passwords are kept as argon2id PHC strings (the library's default algorithm, with its
 * OWASP-minimum cost: 19 MiB, 2 passes). Long inputs are refused before hashing, so a
 * megabyte "password" costs nothing.
 */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `a password needs at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `a password has at most ${PASSWORD_MAX} characters`);

/** What a login form sends: any length up to the cap (old passwords predate no rule). */
export const givenPasswordSchema = z.string().min(1, 'the password is empty').max(1024, 'that password is too long');

/** Console users are named by their email, kept lowercased. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .refine((v) => isMailAddress(v), 'must be an email address like ana@solarmora.com');

export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash opens nothing.
    return false;
  }
}

/**
 * A hash of a password nobody knows, verified when the email is unknown or disabled, so
 * the answer takes as long as for a real user and does not tell which emails exist.
 */
let decoy: Promise<string> | null = null;
export async function verifyDecoy(password: string): Promise<false> {
  decoy ??= hash(randomToken(32));
  await verifyPassword(await decoy, password);
  return false;
}

/** An initial password for a user an admin adds: ~124 bits, readable in groups of six. */
export function generatePassword(): string {
  return randomToken(24)
    .match(/.{1,6}/g)!
    .join('-');
}

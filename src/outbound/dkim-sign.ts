/**
 * DKIM signing of mail we send from our own domains (acknowledgements, agents'
 * answers, users' mail). Mail we only forward keeps its author's signatures and is not
 * signed by us: its From is not ours. CPU only; the key arrives as an argument.
 */
import { summarizeHeaders } from '../base/headers.js';
import { sourceOf, wholeMessage, withHeader, type MessageSource } from '../base/message-source.js';

export interface DkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly privateKey: string;
}

/** The key for the domain of the From header, if we hold one (subdomains need their own). */
export function keyForMessage(header: Buffer, keys: readonly DkimKey[]): DkimKey | null {
  if (keys.length === 0) return null;
  const from = summarizeHeaders(header).from ?? '';
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /([^\s<>"]+@[^\s<>"]+)/.exec(from)?.[1] ?? '';
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return keys.find((k) => k.domain.toLowerCase() === domain) ?? null;
}

/**
 * Prepends a DKIM-Signature (relaxed/relaxed, rsa-sha256 or ed25519 by key). The message
 * is read once to hash it; the signed copy streams the same body again when sent.
 */
export async function signDkim(input: Buffer | MessageSource, key: DkimKey): Promise<MessageSource> {
  const src = Buffer.isBuffer(input) ? sourceOf(input) : input;
  const signing = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey, canonicalization: 'relaxed/relaxed' };
  // Loaded on first use: only nodes that sign need it (see spam/io/check-message.ts).
  const { dkimSign } = await import('mailauth');
  // mailauth 4 signs only what is in signatureData; its typings also want the fields on top.
  const result = await dkimSign(wholeMessage(src), { ...signing, signatureData: [signing] });
  if (result.errors.length > 0 || !result.signatures) {
    const why = result.errors.map((e) => e.message).join('; ');
    throw new Error(`DKIM signing for ${key.domain} failed: ${why || 'no signature produced'}; check dkim[].privateKey`);
  }
  return withHeader(src, Buffer.concat([Buffer.from(result.signatures), src.header]));
}

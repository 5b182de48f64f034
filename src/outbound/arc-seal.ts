/**
 * ARC sealing (RFC 8617) of mail a rule forwarded: the next hop sees the From domain's DKIM
 * signature broken by our edits (subject prefix, added headers) and SPF failing for our
 * address, and the seal tells it what we saw when the message came in. CPU only; the key,
 * the time and what we saw at receipt arrive as arguments.
 */
import { wholeMessage, withHeader, type MessageSource } from '../base/message-source.js';
import type { DkimKey } from './dkim-sign.js';
import { isRsaKey } from '../base/signing-keys.js';

/** The chain's validation status as this hop writes it into its seal (`cv=`). */
export type ChainValidation = 'none' | 'pass' | 'fail';

/** RFC 8617 §4.2.1: instances run from 1 to 50; a chain that long is not continued. */
export const MAX_ARC_INSTANCE = 50;

/** The configured ARC key, else the RSA DKIM key of the first of our domains that has one. */
export function arcKeyFor(config: {
  readonly arc?: DkimKey | undefined;
  readonly dkim: readonly DkimKey[];
  readonly domains: readonly string[];
}): DkimKey | null {
  if (config.arc) return config.arc;
  for (const domain of config.domains) {
    const key = config.dkim.find((k) => k.domain.toLowerCase() === domain.toLowerCase() && isRsaKey(k.privateKey));
    if (key) return key;
  }
  return null;
}

/** A copy is sealed when a rule gave it a recipient the sender did not write (replaced or added). */
export function forwardedByRule(deliveries: readonly { readonly recipient: string; readonly originalRecipient: string }[]): boolean {
  return deliveries.some((d) => d.recipient.toLowerCase() !== d.originalRecipient.toLowerCase());
}

function fieldsOf(header: Buffer): string[] {
  return header
    .toString('latin1')
    .replace(/\r\n\r\n$/, '')
    .split(/\r\n(?![ \t])/);
}

/** The highest instance among the message's ARC-Seal fields; 0 when it carries none. */
export function lastArcInstance(header: Buffer): number {
  let last = 0;
  for (const f of fieldsOf(header)) {
    if (!/^arc-seal[ \t]*:/i.test(f)) continue;
    const i = Number(/(?:^|[;:\s])i[ \t]*=[ \t]*(\d+)/i.exec(f.slice(f.indexOf(':') + 1))?.[1] ?? 0);
    if (i > last) last = i;
  }
  return last;
}

/**
 * `cv=` for our seal: none when the message came without a chain, pass only when the chain
 * validated when it came in (later hops' AMS cannot validate after our edits, so receipt is
 * the only time to judge it), fail otherwise, which ends the chain honestly rather than
 * vouching for it.
 */
export function chainValidation(lastInstance: number, arcResultAtReceipt: string | undefined): ChainValidation {
  if (lastInstance === 0) return 'none';
  return arcResultAtReceipt === 'pass' ? 'pass' : 'fail';
}

/**
 * Our verdict as written at receipt: the value of the Authentication-Results field we put on
 * top (forged ones naming our host were removed then). Without one: `<host>; none`.
 */
export function ourAuthResults(header: Buffer, hostname: string): string {
  for (const f of fieldsOf(header)) {
    const m = /^authentication-results[ \t]*:[ \t]*(?:\r\n[ \t]+)?([^;\s]+)/i.exec(f);
    if (m?.[1]?.toLowerCase() === hostname.toLowerCase()) return f.slice(f.indexOf(':') + 1).trim();
  }
  return `${hostname}; none`;
}

export interface ArcSeal {
  readonly source: MessageSource;
  readonly instance: number;
  readonly cv: ChainValidation;
}

/**
 * Prepends ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results (relaxed/relaxed,
 * rsa-sha256). Like DKIM signing, the message is read once as a
 * stream to hash the body; only its header block is held, and the sealed copy streams the
 * same body again when sent. null when the chain is already at its last instance.
 */
export async function sealArc(
  src: MessageSource,
  key: DkimKey,
  at: { readonly authResults: string; readonly arcResultAtReceipt: string | undefined; readonly now: Date },
): Promise<ArcSeal | null> {
  const last = lastArcInstance(src.header);
  if (last >= MAX_ARC_INSTANCE) return null;
  const instance = last + 1;
  const cv = chainValidation(last, at.arcResultAtReceipt);
  if (!isRsaKey(key.privateKey)) {
    throw new Error(`ARC sealing for ${key.domain} failed: the key is not an RSA private key (ARC seals are rsa-sha256); check arc.privateKey`);
  }
  // mailauth's typings leave out what sealMessage reads besides the key: i, cv, authResults.
  const seal = {
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: key.privateKey,
    algorithm: 'rsa-sha256',
    signTime: at.now,
    i: instance,
    cv,
    authResults: at.authResults,
  };
  // Loaded on first use: only nodes that seal need it (see spam/io/check-message.ts).
  const { sealMessage } = await import('mailauth');
  const fields = await sealMessage(wholeMessage(src), seal);
  if (!/^ARC-Seal:/i.test(fields.toString('latin1'))) {
    throw new Error(`ARC sealing for ${key.domain} produced no seal; check arc.privateKey`);
  }
  return { source: withHeader(src, Buffer.concat([fields, src.header])), instance, cv };
}

/**
 * The rspamd engine's shell: one `POST /checkv2` per message, the message streamed
 * from where it is stored (never whole in memory), the whole exchange bounded by
 * `timeoutMs` and the answer by `MAX_ANSWER_BYTES`. It never throws for a message:
 * an rspamd that is down, slow or answers nonsense becomes what `onError` says.
 *
 * The URL is the admin's own setting, so it may name a private or loopback address
 * (where rspamd usually runs): the rule against requests to private addresses is for
 * URLs that come from users, such as webhooks.
 */

import { wholeMessage, type MessageSource } from '../../base/message-source.js';
import type { SpamVerdict } from '../model.js';
import { rspamdOutcome, rspamdRequestHeaders, unscannedOutcome, type RspamdEnvelope, type RspamdSettings, type SpamRefusal } from '../rspamd.js';

/** A /checkv2 answer is a few kB, more with many symbols; anything past this is not rspamd. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface RspamdCheckResult {
  readonly outcome: { readonly kind: 'verdict'; readonly verdict: SpamVerdict } | { readonly kind: 'refuse'; readonly refusal: SpamRefusal };
  /**
   * For the trace and the quarantine: `{ rspamd: { action, score, requiredScore, symbols } }`,
   * or `{ rspamd: { unscanned: why } }` when rspamd could not be asked.
   */
  readonly details: Record<string, unknown>;
  /** One line for the log: rspamd's action and score, or why it could not be asked. */
  readonly summary: string;
}

export async function checkWithRspamd(source: MessageSource, env: RspamdEnvelope, settings: RspamdSettings): Promise<RspamdCheckResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  const body = wholeMessage(source);
  try {
    const res = await fetch(checkUrl(settings.url), {
      method: 'POST',
      headers: rspamdRequestHeaders(env),
      body: body as unknown as ReadableStream<Uint8Array>,
      // Node's fetch streams a request body only when told it may read the answer before it is sent.
      duplex: 'half',
      signal: controller.signal,
      redirect: 'error',
    } as RequestInit);
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`rspamd answered HTTP ${res.status}`);
    }
    const answer = await readBounded(res);
    let json: unknown;
    try {
      json = JSON.parse(answer);
    } catch {
      throw new Error("rspamd's answer is not JSON");
    }
    const outcome = rspamdOutcome(json);
    const { report } = outcome;
    return { outcome, details: { rspamd: report }, summary: `rspamd action "${report.action}", score ${report.score} of ${report.requiredScore}` };
  } catch (err) {
    const why = controller.signal.aborted ? `rspamd did not answer within ${settings.timeoutMs} ms` : failure(err, settings.url);
    return { outcome: unscannedOutcome(settings.onError), details: { rspamd: { unscanned: why } }, summary: `unscanned: ${why}` };
  } finally {
    clearTimeout(timer);
    body.destroy();
  }
}

/** `/checkv2` under the configured URL, which may carry a path (rspamd behind a proxy). */
function checkUrl(base: string): URL {
  return new URL('checkv2', base.endsWith('/') ? base : `${base}/`);
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new Error(`rspamd's answer is over ${MAX_ANSWER_BYTES} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

function failure(err: unknown, url: string): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  if (code) return `rspamd at ${url} could not be reached (${code})`;
  return err instanceof Error ? err.message : String(err);
}

import { refusalText } from '../../base/refusal-texts.js';
import { RelaydeskError } from '../../base/errors.js';
import { withHeader } from '../../base/message-source.js';
import { applyTransform } from '../../outbound/index.js';
import type { MessageTransform } from '../../routing/index.js';
import { loadDeliveries, loadFailed, loadMessage, loadSource, loadSuspended, setSuspendedState, updateFailed, type Db } from '../../store/index.js';
import { isoTime } from '../views.js';
import { runIntake, type DeskDeps } from './intake-worker.js';
import type { IntakeResult } from './apply-intake.js';
import type { Text } from '../../base/trace-texts.js';

/** Headers that set a message aside as machine mail or as one of our own. */
const MACHINE_MARKS = /^(Auto-Submitted|Precedence|X-Autoreply|X-Autorespond|X-Auto-Response-Suppress|X-Relaydesk-Loop):[^\r\n]*(\r\n[ \t][^\r\n]*)*\r\n/gim;

/** Runs the intake on a stored message again (recover, retry); returns the intake's line. */
export async function reprocessMessage(deps: DeskDeps, input: { queueId: string; recipient: string; asHuman: boolean }): Promise<IntakeResult> {
  const stored = await loadSource(deps.db, input.queueId);
  if (!stored) {
    const purgedAt = (await loadMessage(deps.db, input.queueId))?.bodyPurgedAt;
    throw new RelaydeskError(
      'NOT_FOUND',
      purgedAt != null
        ? `the body of message ${input.queueId} was purged on ${isoTime(purgedAt)} (retention.messages), so it cannot be taken in again; the email log keeps how it was delivered`
        : `the message ${input.queueId} is no longer in the store; the email log may still list it`,
    );
  }
  const { message } = stored;
  // The desk got the rule's copy (X-Original-To and other header edits), not the received bytes.
  const delivery = (await loadDeliveries(deps.db, input.queueId)).find(
    (d) => d.transport === 'desk' && d.recipient.toLowerCase() === input.recipient.toLowerCase(),
  );
  const copy = delivery
    ? await applyTransform(stored.source, delivery.transform as MessageTransform, { spamVerdict: { spam: message.spam, score: message.spamScore } })
    : stored.source;
  // Recovering says "this is ordinary mail": strip the marks that set it aside (header fields only).
  const source = input.asHuman ? withHeader(copy, Buffer.from(copy.header.toString('binary').replace(MACHINE_MARKS, ''), 'binary')) : copy;
  return runIntake(deps, {
    queueId: input.queueId,
    recipient: input.recipient,
    mailFrom: input.asHuman ? message.mailFrom || 'recovered@invalid' : message.mailFrom,
    source,
    spam: false,
    redo: true,
  });
}

/** Takes a suspended message in as if it were ordinary mail. */
export async function recoverSuspended(deps: DeskDeps, id: number): Promise<{ id: number; result: string; resultText: Text }> {
  const s = await loadSuspended(deps.db, id);
  if (!s || s.state !== 'suspended')
    throw new RelaydeskError('NOT_FOUND', `no suspended message ${id}; see \`relaydesk desk suspended\``, [], {
      text: refusalText('suspended-not-found', { id }),
    });
  const r = await reprocessMessage(deps, { queueId: s.queueId, recipient: s.recipient, asHuman: true });
  await setSuspendedState(deps.db, id, 'recovered');
  return { id, result: r.line, resultText: r.text };
}

export async function deleteSuspended(db: Db, id: number): Promise<{ id: number; deleted: true }> {
  const s = await loadSuspended(db, id);
  if (!s || s.state !== 'suspended' || !(await setSuspendedState(db, id, 'deleted')))
    throw new RelaydeskError('NOT_FOUND', `no suspended message ${id}; see \`relaydesk desk suspended\``, [], {
      text: refusalText('suspended-not-found', { id }),
    });
  return { id, deleted: true };
}

export type RetryOutcome =
  | { readonly id: number; readonly state: 'resolved'; readonly result: string; readonly resultText: Text }
  | { readonly id: number; readonly state: 'failed'; readonly error: string };

/** Runs the intake again for a dead letter; failing again is an outcome, kept with its error. */
export async function retryFailed(deps: DeskDeps, id: number): Promise<RetryOutcome> {
  const f = await loadFailed(deps.db, id);
  if (!f || f.state !== 'failed')
    throw new RelaydeskError('NOT_FOUND', `no failed message ${id}; see \`relaydesk desk failed\``, [], { text: refusalText('failed-not-found', { id }) });
  try {
    const r = await reprocessMessage(deps, { queueId: f.queueId, recipient: f.recipient, asHuman: false });
    await updateFailed(deps.db, { id, state: 'resolved', now: deps.clock.now() });
    return { id, state: 'resolved', result: r.line, resultText: r.text };
  } catch (e) {
    const error = (e as Error).message;
    await updateFailed(deps.db, { id, state: 'failed', error, now: deps.clock.now() });
    return { id, state: 'failed', error };
  }
}

/**
 * The texts of the message trace. A trace line is stored with its English `summary` (what the
 * CLI prints and logs show) and with a text: a code and the values the sentence names. The
 * console says the line in the reader's language from its dictionary (`trace.<code>`), and
 * falls back to the summary for a code it has no entry for (lines written before texts, or a
 * code newer than the console).
 *
 * A value is a string or a number, or, where a line quotes a reply that is ours (the desk's
 * effect, a mailbox store), a text of its own. A reply from a peer is a string: it is data,
 * shown as sent.
 */

/** A value of a text: shown as given. */
export type TextValue = string | number;

/** A text: a code and the values it names; a value may be a text of its own (a reply quoted in a trace line). */
export interface Text {
  readonly code: string;
  readonly params: Readonly<Record<string, TextValue | Text>>;
}

/** A trace line's text. */
export interface TraceText extends Text {
  readonly code: TraceTextCode;
}

/**
 * Every trace text and the names of its values. A code with one form is the event code
 * itself (so lines stored before texts existed still read right from their data); a code
 * with several forms adds `/form`. Codes under `reply.` and `desk.` are the quoted parts.
 */
export const TRACE_TEXTS = {
  'inbound.envelope': ['mailFrom', 'recipients', 'clientIp', 'helo'],
  'inbound.envelope/tls': ['mailFrom', 'recipients', 'clientIp', 'helo'],
  'inbound.envelope/dsn': ['mailFrom', 'recipients', 'queueId'],
  'inbound.envelope/acknowledgement': ['mailFrom', 'recipients', 'number'],
  'inbound.envelope/answer': ['mailFrom', 'recipients', 'number', 'author'],
  'inbound.envelope/forwarding-check': ['mailFrom', 'recipients', 'channel'],
  'inbound.envelope/webhook': ['event', 'eventId', 'count'],
  'inbound.accepted': ['queueId'],
  'inbound.accepted/generated': ['queueId'],
  'spam.auth_results': ['results'],
  'spam.auth_results/off': [],
  'spam.auth_results/rspamd': ['action', 'score', 'requiredScore'],
  'spam.auth_results/unscanned': ['why'],
  'spam.verdict/spam': ['score', 'reasons'],
  'spam.verdict/not-spam': ['score', 'reasons'],
  'routing.rule_applied': ['rule', 'recipient'],
  'routing.planned/route': ['originalRecipient', 'recipient', 'route'],
  'routing.planned/next-hop': ['originalRecipient', 'recipient'],
  'routing.planned/desk': ['originalRecipient', 'recipient'],
  'routing.planned/mailbox': ['originalRecipient', 'recipient'],
  'routing.planned/webhook': ['recipient', 'url'],
  'queue.held/spam': ['originalRecipient', 'recipient'],
  'queue.held/quarantine-rule': ['originalRecipient', 'recipient'],
  'queue.released/console': ['by'],
  'queue.released/cli': [],
  'queue.deleted/console': ['by'],
  'queue.deleted/cli': [],
  'queue.deleted/retention': ['duration'],
  'queue.delivered': ['recipient', 'remoteMta', 'reply'],
  'queue.delivered/local': ['recipient', 'reply'],
  'queue.delivered/noted': ['recipient', 'reply', 'note'],
  'queue.bounced': ['recipient', 'remoteMta', 'reply'],
  'queue.bounced/local': ['recipient', 'reply'],
  'queue.deferred': ['recipient', 'reply', 'nextAttemptAt'],
  'queue.expired': ['recipient', 'attempts', 'reply'],
  'queue.paced': ['recipient', 'reply', 'nextAttemptAt'],
  'queue.destination_down': ['recipient', 'destination', 'since', 'nextAttemptAt'],
  'queue.destination_up': ['destination'],
  'queue.dsn_queued': ['sender', 'dsnQueueId'],
  'queue.dsn_suppressed/added-recipient': ['recipient'],
  'queue.dsn_suppressed/null-sender': [],
  'queue.dsn_suppressed/undeliverable': ['sender'],
  'mailbox.stored': ['address'],
  'mailbox.stored/spam': ['address'],
  'outbound.arc_sealed': ['instance', 'domain', 'selector', 'cv'],
  // Replies of ours, quoted in a delivered, deferred or bounced line.
  'reply.mailbox-stored': [],
  'reply.no-outcome': [],
  'reply.no-transport': ['transport'],
  'reply.body-missing': [],
  'reply.local-error': ['error'],
  'reply.hop-silent': [],
  'reply.desk-store-unavailable': ['error'],
  'reply.desk-failed': ['error', 'id'],
  'reply.desk-failed-unrecorded': ['error', 'recordError'],
  'reply.webhook-removed': ['subscription'],
  'reply.webhook-not-event': ['queueId'],
  'desk.duplicate': ['of'],
  'desk.suspend': ['reason'],
  'desk.reason.loop': [],
  'desk.reason.flood': [],
  'desk.reason.no-requester': [],
  'desk.reason.auto-reply': [],
  'desk.reason.bulk': [],
  'desk.reason.bounce': [],
  'desk.reason.spam': [],
  'desk.reason.unknown-address': [],
  'desk.reason.retired-address': [],
  'desk.reason.mime-limits': [],
  'desk.reason.too-large': [],
  'desk.verification': ['channel'],
  'desk.forwarding-confirmation': ['code'],
  'desk.append': ['number', 'via'],
  'desk.append/reopened': ['number', 'via'],
  'desk.new-case': ['number'],
  'desk.new-case/acknowledged': ['number'],
  'desk.new-case/follow-up': ['number'],
  'desk.new-case/follow-up-acknowledged': ['number'],
  'desk.new-case/route-test': ['number'],
  'desk.new-lead': ['id', 'email'],
  'desk.new-lead/company': ['id', 'email', 'company'],
  'desk.append-lead': ['id', 'via'],
  'desk.attach-machine-mail/case': ['machine', 'id'],
  'desk.attach-machine-mail/lead': ['machine', 'id'],
  'desk.via.reply-address': [],
  'desk.via.subject-token': [],
  'desk.via.references': [],
  'desk.via.sender': [],
  'desk.message-id-reused': ['messageId', 'queueIds'],
  // IMAP intake.
  'desk.imap_taken': ['mailbox', 'uid', 'uidValidity', 'channel'],
  'inbound.accepted/imap': ['queueId'],
} as const satisfies Record<string, readonly string[]>;

export type TraceTextCode = keyof typeof TRACE_TEXTS;

/** A text of the registry with exactly the values it names. */
export function traceText<C extends TraceTextCode>(code: C, params: { readonly [K in (typeof TRACE_TEXTS)[C][number]]: TextValue | Text }): TraceText {
  return { code, params };
}

/** A quoted part (`reply.…`, `desk.…`) with exactly the values it names. */
export function replyText<C extends TraceTextCode>(code: C, params: { readonly [K in (typeof TRACE_TEXTS)[C][number]]: TextValue | Text }): Text {
  return { code, params };
}

/** Why the desk set a message aside, as a part of its trace line. */
export function suspendText(reason: string): TraceText {
  return { code: 'desk.suspend', params: { reason: { code: `desk.reason.${reason}`, params: {} } } };
}

/** How the desk threaded a message, as a part of its trace line. */
export function viaText(via: string): Text {
  return { code: `desk.via.${via}`, params: {} };
}

/** What kind of automatic mail the desk attached, as a part of its trace line. */
export function machineText(kind: string): Text {
  return { code: `desk.reason.${kind}`, params: {} };
}

/** The addresses of a line as it shows them: `<a>, <b>`. */
export function addressList(addresses: readonly string[]): string {
  return addresses.map((a) => `<${a}>`).join(', ');
}

/** Where a delivery goes, said the way the routing plan's trace line says it. */
export function plannedText(d: {
  readonly originalRecipient: string;
  readonly recipient: string;
  readonly transport: string;
  readonly route?: string | null;
  readonly held?: boolean;
  readonly holdReason?: string | null;
}): TraceText {
  const who = { originalRecipient: d.originalRecipient, recipient: d.recipient };
  if (d.held) return traceText(d.holdReason === 'quarantine-rule' ? 'queue.held/quarantine-rule' : 'queue.held/spam', who);
  if (d.transport === 'smtp') return d.route ? traceText('routing.planned/route', { ...who, route: d.route }) : traceText('routing.planned/next-hop', who);
  return traceText(d.transport === 'desk' ? 'routing.planned/desk' : 'routing.planned/mailbox', who);
}

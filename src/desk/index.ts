/**
 * desk — email to case: the CRM on the far side of a routing rule.
 *
 * JOB      Takes in mail delivered to a channel's inbound address: parses it within a
 *          budget, sanitises its HTML, tells machines from people, drops duplicates,
 *          threads replies, and opens or appends a case (support) or a lead (sales),
 *          acknowledging a new case to its requester where the channel says so, in the
 *          channel's language and words (its templates, or the defaults), and giving it an
 *          assignee by the assignment rules (round-robin among the channel's available
 *          agents; a disabled agent's cases go to others the same way). Carries
 *          out agents' actions: answers by email from the channel's public address,
 *          internal notes, status and assignee, lead moves and conversion, a new inbound
 *          address (rotate), a forwarding check (verify). Suspended and failed intakes can
 *          be recovered, retried or dropped. Each effect someone subscribed to becomes a
 *          signed webhook POST.
 * INPUTS   Deliveries with transport `desk` from the queue (deskTransport, the queue's
 *          Transport with key `desk`, added to the node's list by cli/start.ts); mail taken
 *          from IMAP mailboxes (ImapIntake, `desk.channels[].imap`: each message is stored
 *          with one `desk` delivery, so it reaches the same intake); agents' actions
 *          with a DeskContext (the store, the routing in force, this node's name and keys);
 *          the configuration in force (desk domain, channels, webhooks).
 * OUTPUTS  Cases, leads, desk messages, suspended and failed lists in the store; mail we
 *          write (acknowledgements, answers, checks) built by the queue's generatedMail,
 *          routed like received mail and put on the queue with enqueue in the effect's
 *          transaction; webhook events queued the same way as deliveries with transport
 *          `webhook`, posted by webhookTransport (the queue's Transport with that key); the
 *          shapes the API and webhooks show (caseView and the rest).
 * TRUSTS   Inbound mail is hostile: parts, depth, sizes and HTML length are capped
 *          (DEFAULT_PART_BUDGET), HTML loses scripts, handlers and remote loads; auto-replies,
 *          bulk mail, bounces and our own mail coming back (X-Relaydesk-Loop) are never
 *          acknowledged and open no case; a sender opens at most 20 cases an hour. A reply
 *          address reaches a case only with its signature. Webhook URLs are an admin's, but
 *          their POSTs leave from inside the network: private, loopback and link-local
 *          destinations are refused (unless desk.webhooks.allowPrivateDestinations), for
 *          literal addresses and for every address a name resolves to, and redirects are
 *          not followed.
 * SECURITY Holds the desk secret (loop id, reply-address signatures; made once per
 *          installation, kept in the store) and each webhook subscription's signing secret.
 *          Reads IMAP passwords from the store's secrets to log in, and never logs or shows
 *          them. No SMTP or CRM credentials: its mail leaves through the queue and outbound.
 * EVENTS   desk.intake, desk.failed, desk.sla_breached and desk.sla_sweep_error (log);
 *          desk.imap_connected, desk.imap_taken (also the first step of the taken message's
 *          trace), desk.imap_too_large, desk.imap_restarted (a new UIDVALIDITY) and
 *          desk.imap_failed (log). Mail it writes and webhook events carry inbound.envelope,
 *          routing.planned and inbound.accepted in their trace. Webhook event types:
 *          case.created, case.updated, message.received, lead.created, lead.converted,
 *          case.sla_breached. A case's history (desk_case_events) says who was given it and
 *          why: case.assigned, case.reassigned, case.unassigned, case.not_assigned,
 *          case.assigned_by_hand, case.unassigned_by_hand.
 *
 * The server is bundled with code splitting, and a command that imports this file loads
 * every module it names, used or not: esbuild keeps the chunk of each re-export. Code
 * that short commands load, and that never takes in or writes mail, uses the lighter
 * face, ./light.ts; the CLI's desk commands load the services they act with on use, from
 * their own files.
 */
export { newInboundAddress } from './channel-address.js';
export { ROUTE_TEST_HEADER, routeTestMark } from './route-test-mark.js';
export { previewAutoMail } from './auto-mail.js';
export { caseView, conversionView, isoTime, leadView, messageView } from './views.js';
export { cidReferences, inlineCidImages, inlineImageType } from './cid-images.js';
export { liveDeskContext, loadDeskContext, loadDeskDeps, loadDeskKeys } from './io/desk-context.js';
export {
  actOnLead,
  answerCase,
  changeCase,
  rotateChannel,
  rotationRules,
  verifyChannel,
  type DeskContext,
  type LeadAction,
  type RotateResult,
} from './io/desk-service.js';
export { deleteSuspended, recoverSuspended, retryFailed } from './io/set-aside.js';
export { reassignCasesOf } from './io/assignment.js';
export { deskTransport, type DeskDeps } from './io/intake-worker.js';
export { ImapIntake, type ImapIntakeDeps } from './io/imap-intake.js';
export { IMAP_ERROR_CODES } from './imap-intake.js';
export { deskKeys, newMessageId, type DeskKeys } from './io/outgoing.js';
export { loadChannelViews } from './io/channel-views.js';
export { addWebhook, listWebhookSummaries, removeWebhook } from './io/webhook-subscriptions.js';
export { WEBHOOK_EVENTS } from './webhook-format.js';
export { WEBHOOK_TRANSPORT } from './webhook-event.js';
export { webhookTransport, type WebhookLookup } from './io/webhooks.js';
export { SlaSweep, sweepSlaBreaches, SLA_SWEEP_INTERVAL_MS } from './io/sla-sweep.js';

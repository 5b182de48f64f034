/**
 * desk, light face — the part of the desk's face that loads no mail parser, composer or
 * HTML sanitiser, for code that short commands load: the configuration's apply and export,
 * and the webhook commands. index.ts describes the desk; this file only keeps a command
 * that never takes in or writes mail from loading the machinery that does (a command
 * loads every module a face names: see index.ts).
 */
export { newInboundAddress } from './channel-address.js';
export { addWebhook, listWebhookSummaries, removeWebhook } from './io/webhook-subscriptions.js';
export { WEBHOOK_EVENTS } from './webhook-format.js';

/**
 * desk, light face — the few parts of the desk's face that short commands need: the
 * configuration's apply and export (inbound addresses) and the webhook commands
 * (subscriptions). It names no module that loads the mail parser, composer or HTML
 * sanitiser, which a command importing index.ts would load (see there why). index.ts
 * describes the desk.
 */
export { newInboundAddress } from './channel-address.js';
export { addWebhook, listWebhookSummaries, removeWebhook } from './io/webhook-subscriptions.js';
export { WEBHOOK_EVENTS } from './webhook-format.js';

/** What /api/tokens and /api/webhooks answer, as the console reads it. */
export type ApiRole = 'admin' | 'agent';
export const API_ROLES: readonly ApiRole[] = ['agent', 'admin'];

export interface ApiToken {
  readonly name: string;
  readonly role: ApiRole;
  /** The first characters of the token: enough to tell tokens apart, useless to an attacker. */
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** The answer to a create: the only time the token itself is sent. */
export interface CreatedApiToken extends ApiToken {
  readonly token: string;
}

/** The server's list (src/desk/webhook-format.ts); a unit test keeps the two equal. */
export const WEBHOOK_EVENTS = ['case.created', 'case.updated', 'message.received', 'lead.created', 'lead.converted'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly createdBy: string;
  readonly createdAt: string;
  /** The newest event sent to it; absent in a create's answer, null before the first. */
  readonly lastDelivery?: { readonly queueId: string; readonly status: string; readonly attempts: number; readonly lastReply: string | null; readonly at: string } | null;
}

/** The answer to a create: the only time the signing secret is sent. */
export interface CreatedWebhook extends Webhook {
  readonly secret: string;
}

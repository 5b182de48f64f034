import type { integrationsEn } from './integrations.en.js';

/** integrations の日本語。キーは integrations.en.ts と同じ。 */
export const integrationsJa: Record<keyof typeof integrationsEn, string> = {
  'integrations.title': 'API トークンと Webhook',
};

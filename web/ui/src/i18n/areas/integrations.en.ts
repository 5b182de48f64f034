/** English strings of the integrations pages; merged into en.ts. */
export const integrationsEn = {
  'integrations.title': 'API tokens and webhooks',
} as const;

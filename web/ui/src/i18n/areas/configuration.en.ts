/** English strings of the configuration pages; merged into en.ts. */
export const configurationEn = {
  'configuration.title': 'Configuration as code',
} as const;

/** English strings of the settings page; merged into en.ts. */
export const settingsEn = {
  'settings.title': 'Mail settings',
} as const;

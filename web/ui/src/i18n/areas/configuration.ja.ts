import type { configurationEn } from './configuration.en.js';

/** configuration の日本語。キーは configuration.en.ts と同じ。 */
export const configurationJa: Record<keyof typeof configurationEn, string> = {
  'configuration.title': 'コードとしての設定',
};

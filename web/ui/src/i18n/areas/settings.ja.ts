import type { settingsEn } from './settings.en.js';

/** settings の日本語。キーは settings.en.ts と同じ。 */
export const settingsJa: Record<keyof typeof settingsEn, string> = {
  'settings.title': 'メールの設定',
};

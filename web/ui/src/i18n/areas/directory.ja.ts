import type { directoryEn } from './directory.en.js';

/** directory の日本語。キーは directory.en.ts と同じ。 */
export const directoryJa: Record<keyof typeof directoryEn, string> = {
  'directory.title': 'ディレクトリ',
};

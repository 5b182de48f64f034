import type { peopleEn } from './people.en.js';

/** people の日本語。キーは people.en.ts と同じ。 */
export const peopleJa: Record<keyof typeof peopleEn, string> = {
  'people.title': 'コンソールのユーザー',
};

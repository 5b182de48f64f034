import type { leadsEn } from './leads.en.js';

/** leads の日本語。キーは leads.en.ts と同じ。 */
export const leadsJa: Record<keyof typeof leadsEn, string> = {
  'leads.title': 'リード詳細',
};

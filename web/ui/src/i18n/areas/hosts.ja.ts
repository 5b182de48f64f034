import type { hostsEn } from './hosts.en.js';

/** hosts の日本語。キーは hosts.en.ts と同じ。 */
export const hostsJa: Record<keyof typeof hostsEn, string> = {
  'hosts.title': 'ホスト',
};

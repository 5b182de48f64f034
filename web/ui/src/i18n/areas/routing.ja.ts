import type { routingEn } from './routing.en.js';

/** routing の日本語。キーは routing.en.ts と同じ。 */
export const routingJa: Record<keyof typeof routingEn, string> = {
  'routing.title': 'デフォルト ルーティング',
};

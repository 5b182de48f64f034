/** English strings of the routing pages; merged into en.ts. */
export const routingEn = {
  'routing.title': 'Default routing',
} as const;

// Apart from start.ts so that parsing `start --roles` does not load the whole node.
export type Role = 'inbound' | 'queue' | 'web';
export const ALL_ROLES: readonly Role[] = ['inbound', 'queue', 'web'];

/** English strings of the hosts page; merged into en.ts. */
export const hostsEn = {
  'hosts.title': 'Hosts',
} as const;

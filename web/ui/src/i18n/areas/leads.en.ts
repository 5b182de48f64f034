/** English strings of the leads pages; merged into en.ts. */
export const leadsEn = {
  'leads.title': 'Lead',
} as const;

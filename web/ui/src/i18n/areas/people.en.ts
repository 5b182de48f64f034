/** English strings of the people pages; merged into en.ts. */
export const peopleEn = {
  'people.title': 'Console users',
} as const;

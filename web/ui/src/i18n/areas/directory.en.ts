/** English strings of the directory pages; merged into en.ts. */
export const directoryEn = {
  'directory.title': 'Directory',
} as const;

/** English strings of a message in a thread (recipients, original headers, attachment names); merged into en.ts. */
export const mailEn = {
  'mail.cc': 'Cc {cc}',
  'mail.headers.show': 'Show original headers',
  'mail.headers.hide': 'Hide original headers',
  'mail.headers.label': 'Original headers of the message from {from}',
  'mail.headers.truncated': 'The headers are longer than 64 KiB; only their beginning is shown.',
  'mail.attachment.sentAs': 'Sent as “{name}”',
} as const;

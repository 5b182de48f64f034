/** English strings of a channel's automatic mail (its language, templates and preview); merged into en.ts. */
export const automailEn = {
  'automail.title': 'Automatic mail',
  'automail.intro':
    'What this channel sends by itself, in its language. A field left as it is keeps the default wording; placeholders in double braces are filled in for each mail.',
  'automail.language': 'Language of its automatic mail',
  'automail.language.en': 'English',
  'automail.language.ja': 'Japanese',
  'automail.kind.acknowledgement': 'Acknowledgement of a new case',
  'automail.kind.forwardingCheck': 'Forwarding check',
  'automail.subject': 'Subject',
  'automail.body': 'Body',
  'automail.own': 'Own wording',
  'automail.default': 'Default wording',
  'automail.reset': 'Use the default wording',
  'automail.tokenNote': 'The case number [#N] is always put in front of the subject: replies are threaded by it.',
  'automail.placeholders': 'Placeholders',
  'automail.sample': 'sample: {value}',
  'automail.preview': 'Preview',
  'automail.previewHint': 'What the recipient receives, filled with sample values. Nothing is sent.',
  'automail.from': 'From',
  'automail.to': 'To',
  'automail.problems': 'Fix the template to see the preview:',
} as const;

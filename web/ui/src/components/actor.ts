import type { Message } from '../api/shapes.js';
import type { Translate } from '../i18n/i18n.js';

/** Who did something, as the server reads a record's raw actor id back (`web:…`, `cli:…`, `token:…`). */
export type Actor = NonNullable<Message['authorActor']>;

/** The actor as a person, in the page's language: "admin@… (console)", "command line". */
export function actorText(t: Translate, actor: Actor): string {
  const name = actor.name ?? '';
  switch (actor.kind) {
    case 'console':
      return t('actor.console', { name });
    case 'api-token':
      return t('actor.apiToken', { name });
    case 'cli':
      return name === '' ? t('actor.cli') : t('actor.cliNamed', { name });
    case 'system':
      return t('actor.system');
    case 'acknowledgement':
      return t('actor.acknowledgement');
    case 'unknown':
      return name;
  }
}

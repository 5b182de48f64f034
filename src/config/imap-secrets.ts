/**
 * IMAP passwords in the configuration: written in once as `passwordSecret`, kept in the
 * store's secrets, and named in every saved version by a reference (`stored:<id>`), so an
 * export, a diff or an API answer never shows one again. An exported file applies
 * unchanged: its references name the stored passwords.
 */
import { problemText } from '../base/problem-texts.js';
import type { Problem } from '../routing/index.js';
import { STORED_SECRET_PREFIX, type Config } from './schema.js';

/** The store's name of the secret a reference names. */
export function imapSecretName(ref: string): string {
  return `imap-password:${ref.slice(STORED_SECRET_PREFIX.length)}`;
}

export function isStoredSecret(value: string): boolean {
  return value.startsWith(STORED_SECRET_PREFIX);
}

/** The references a configuration holds, as the store names them. */
export function storedImapSecrets(config: Config | null): string[] {
  return (config?.desk?.channels ?? []).flatMap((c) => (c.imap && isStoredSecret(c.imap.passwordSecret) ? [imapSecretName(c.imap.passwordSecret)] : []));
}

export interface ImapSecretPlan {
  /** The configuration to save: every password replaced by its reference. */
  readonly config: Config;
  readonly put: readonly { readonly name: string; readonly value: string }[];
  /** Stored passwords no channel names any longer. */
  readonly drop: readonly string[];
  readonly problems: readonly Problem[];
}

/**
 * `known` holds the stored secrets that `before` and `after` name. A password written in
 * again unchanged keeps its reference, so re-applying a file with the password in it
 * changes nothing.
 */
export function planImapSecrets(before: Config | null, after: Config, known: ReadonlyMap<string, string>, newId: () => string): ImapSecretPlan {
  const put: { name: string; value: string }[] = [];
  const problems: Problem[] = [];
  const desk = after.desk;
  if (!desk) return { config: after, put, drop: storedImapSecrets(before), problems };
  const channels = desk.channels.map((c, i) => {
    if (!c.imap) return c;
    const given = c.imap.passwordSecret;
    if (isStoredSecret(given)) {
      if (!known.has(imapSecretName(given)))
        problems.push({
          path: `desk.channels[${i}].imap.passwordSecret`,
          message: `${given} names no password in this store (it came from another installation or was removed); write the mailbox's password itself instead`,
          severity: 'error',
          ...problemText('imap-password-unknown', { value: given }),
        });
      return c;
    }
    const earlier = before?.desk?.channels.find((b) => b.name === c.name)?.imap?.passwordSecret;
    if (earlier !== undefined && isStoredSecret(earlier) && known.get(imapSecretName(earlier)) === given) {
      return { ...c, imap: { ...c.imap, passwordSecret: earlier } };
    }
    const ref = `${STORED_SECRET_PREFIX}${newId()}`;
    put.push({ name: imapSecretName(ref), value: given });
    return { ...c, imap: { ...c.imap, passwordSecret: ref } };
  });
  const config: Config = { ...after, desk: { ...desk, channels } };
  const kept = new Set(storedImapSecrets(config));
  return { config, put, drop: storedImapSecrets(before).filter((n) => !kept.has(n)), problems };
}

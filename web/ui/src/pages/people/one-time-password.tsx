import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n.js';

/** A password the server answered once (a create's or a reset's), to be shown once. */
export interface OneTimePassword {
  readonly email: string;
  readonly password: string;
  readonly kind: 'initial' | 'reset';
}

/**
 * A password the server will never show again (a new user's, or a reset one): set apart,
 * with a copy button, until the admin says it is saved. Focus moves here so a keyboard or
 * screen-reader user meets it at once.
 */
export function OneTimePasswordBox({ secret, onDismiss }: { secret: OneTimePassword; onDismiss(): void }) {
  const { t } = useI18n();
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    setCopy(null);
    ref.current?.focus();
  }, [secret]);

  const copyIt = async () => {
    try {
      await navigator.clipboard.writeText(secret.password);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  const title = secret.kind === 'initial' ? t('people.secret.initialTitle', { email: secret.email }) : t('people.secret.newTitle', { email: secret.email });

  return (
    <section className="people-secret" aria-labelledby="people-secret-title" tabIndex={-1} ref={ref} data-testid="one-time-password">
      <h2 id="people-secret-title">{title}</h2>
      <p className="copyable">
        <code className="people-secret-value" data-testid="one-time-password-value">
          {secret.password}
        </code>
        <button type="button" aria-label={t('people.secret.copyLabel', { email: secret.email })} onClick={() => void copyIt()}>
          {t('people.secret.copy')}
        </button>
      </p>
      <p role="status" className={copy === 'failed' ? 'error' : 'ok'}>
        {copy === null ? '' : t(copy === 'copied' ? 'people.secret.copied' : 'people.secret.copyFailed')}
      </p>
      <p className="people-secret-note">{t('people.secret.note')}</p>
      <button type="button" onClick={onDismiss}>
        {t('people.secret.dismiss')}
      </button>
    </section>
  );
}

import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';
import { useSession } from '../session.js';

export function AccountPage() {
  const { t } = useI18n();
  const say = useRefusalText();
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== confirm) return setResult({ ok: false, text: t('setup.mismatch') });
    try {
      await api.post('/api/session/password', { body: { current, next } });
      setCurrent('');
      setNext('');
      setConfirm('');
      setResult({ ok: true, text: t('account.changed') });
    } catch (err) {
      setResult({ ok: false, text: err instanceof ApiError && err.status !== 0 ? say(err) : t('app.error.network') });
    }
  };

  return (
    <>
      <h1>{t('account.title')}</h1>
      <p>{t('user.signedInAs', { email: user.email })}</p>
      <form onSubmit={submit} className="stack narrow">
        <h2>{t('account.changePassword')}</h2>
        <label htmlFor="pw-current">{t('account.current')}</label>
        <input id="pw-current" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        <label htmlFor="pw-next">{t('account.next')}</label>
        <input id="pw-next" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
        <label htmlFor="pw-confirm">{t('account.confirm')}</label>
        <input id="pw-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        {result && (
          <p role={result.ok ? 'status' : 'alert'} className={result.ok ? 'ok' : 'error'}>
            {result.text}
          </p>
        )}
        <button type="submit" className="primary">
          {t('account.submit')}
        </button>
      </form>
    </>
  );
}

import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import type { Session } from '../api/shapes.js';
import { LanguageSelect } from '../components/language-select.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';

export function LoginPage({ onSignedIn, setupNeeded, notice }: { onSignedIn(s: Session): void; setupNeeded: boolean; notice: 'expired' | null }) {
  const { t } = useI18n();
  const say = useRefusalText();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.post('/api/session', { body: { email, password }, quiet401: true }));
    } catch (err) {
      const a = err instanceof ApiError ? err : null;
      setError(a?.status === 0 ? t('app.error.network') : a?.status === 401 || a?.status === 400 ? t('login.failed') : a ? say(a) : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <div className="auth-lang">
        <LanguageSelect />
      </div>
      <main id="main" className="auth-card">
        <h1>{t('login.title')}</h1>
        {setupNeeded && <p className="notice">{t('login.setupNeeded')}</p>}
        {notice === 'expired' && <p className="notice">{t('app.error.sessionExpired')}</p>}
        <form onSubmit={submit}>
          <label htmlFor="login-email">{t('login.email')}</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="login-password">{t('login.password')}</label>
          <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}

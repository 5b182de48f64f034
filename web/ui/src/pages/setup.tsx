import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import type { Session } from '../api/shapes.js';
import { LanguageSelect } from '../components/language-select.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';
import { navigate } from '../router.js';

/** The one-time link reads `/setup#token=…`: the fragment never reaches a server log. */
function tokenFromHash(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return params.get('token');
}

export function SetupPage({ onDone }: { onDone(s: Session): void }) {
  const { t } = useI18n();
  const say = useRefusalText();
  const [token] = useState(tokenFromHash);
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .get('/api/setup', { quiet401: true })
      .then((r) => setNeeded(r.needed))
      .catch(() => setNeeded(true));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token) return;
    if (password !== confirm) return setError(t('setup.mismatch'));
    setBusy(true);
    setError(null);
    try {
      // Setup logs the new admin in.
      const session = await api.post('/api/setup', { body: { token, email, password }, quiet401: true });
      // The token is spent: drop it from the address bar and the history.
      window.history.replaceState(null, '', '/setup');
      onDone(session);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 0 ? t('app.error.network') : err instanceof ApiError ? say(err) : String(err));
    } finally {
      setBusy(false);
    }
  };

  const body = () => {
    if (needed === false) {
      return (
        <>
          <p className="notice">{t('setup.notNeeded')}</p>
          <button type="button" onClick={() => navigate('/login')}>
            {t('setup.goToLogin')}
          </button>
        </>
      );
    }
    if (!token)
      return (
        <p role="alert" className="error">
          {t('setup.noToken')}
        </p>
      );
    return (
      <form onSubmit={submit}>
        <p>{t('setup.intro')}</p>
        <label htmlFor="setup-email">{t('setup.email')}</label>
        <input id="setup-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="setup-password">{t('setup.password')}</label>
        <input id="setup-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor="setup-confirm">{t('setup.confirm')}</label>
        <input id="setup-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('setup.submit')}
        </button>
      </form>
    );
  };

  return (
    <div className="auth-page">
      <div className="auth-lang">
        <LanguageSelect />
      </div>
      <main id="main" className="auth-card">
        <h1>{t('setup.title')}</h1>
        {body()}
      </main>
    </div>
  );
}

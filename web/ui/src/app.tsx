import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, onUnauthenticated, setCsrfToken } from './api/client.js';
import type { Session } from './api/shapes.js';
import { Shell } from './components/shell.js';
import { useI18n } from './i18n/i18n.js';
import { LoginPage } from './pages/login.js';
import { SetupPage } from './pages/setup.js';
import { homeOf } from './routes.js';
import { navigate, useLocationPath } from './router.js';
import { SessionContext, type SessionState } from './session.js';

type Boot =
  { kind: 'loading' } | { kind: 'offline' } | { kind: 'signedOut'; setupNeeded: boolean; notice: 'expired' | null } | { kind: 'signedIn'; session: Session };

/** Finds out who is here (session, first-time setup) and shows the sign-in, setup or console. */
export function App() {
  const { t } = useI18n();
  const path = useLocationPath();
  const [boot, setBoot] = useState<Boot>({ kind: 'loading' });

  const signedIn = useCallback((session: Session) => {
    setCsrfToken(session.csrfToken);
    setBoot({ kind: 'signedIn', session });
  }, []);

  const load = useCallback(async () => {
    setBoot({ kind: 'loading' });
    try {
      const session = await api.get('/api/session', { quiet401: true });
      signedIn(session);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 0) return setBoot({ kind: 'offline' });
      const setup = await api.get('/api/setup', { quiet401: true }).catch(() => ({ needed: false }));
      setCsrfToken(null);
      setBoot({ kind: 'signedOut', setupNeeded: setup.needed, notice: null });
    }
  }, [signedIn]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(
    () =>
      onUnauthenticated(() => {
        setCsrfToken(null);
        setBoot({ kind: 'signedOut', setupNeeded: false, notice: 'expired' });
      }),
    [],
  );

  const logout = useCallback(async () => {
    await api.delete('/api/session').catch(() => undefined);
    setCsrfToken(null);
    setBoot({ kind: 'signedOut', setupNeeded: false, notice: null });
    navigate('/login', { replace: true });
  }, []);

  const sessionState = useMemo<SessionState | null>(() => (boot.kind === 'signedIn' ? { user: boot.session.user, logout } : null), [boot, logout]);

  // The sign-in and setup pages have their own address; the console keeps the one asked for.
  useEffect(() => {
    if (boot.kind === 'signedIn' && (path === '/' || path === '/login' || path === '/setup')) navigate(homeOf(boot.session.user.role), { replace: true });
  }, [boot, path]);

  if (boot.kind === 'loading')
    return (
      <p className="boot" role="status">
        {t('app.loading')}
      </p>
    );
  if (boot.kind === 'offline') {
    return (
      <main className="boot" id="main">
        <p role="alert">{t('app.error.network')}</p>
        <button type="button" onClick={() => void load()}>
          {t('app.retry')}
        </button>
      </main>
    );
  }
  if (boot.kind === 'signedOut') {
    if (path === '/setup') return <SetupPage onDone={signedIn} />;
    return <LoginPage onSignedIn={signedIn} setupNeeded={boot.setupNeeded} notice={boot.notice} />;
  }
  return (
    <SessionContext.Provider value={sessionState}>
      <Shell path={path} />
    </SessionContext.Provider>
  );
}

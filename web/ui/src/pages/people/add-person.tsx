import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { CreatedUser } from '../../api/shapes.js';
import type { Role } from '../../api/shapes.js';
import { useI18n } from '../../i18n/i18n.js';
import { problemOf, ProblemNote, type Problem } from './problem.js';

type PasswordMode = 'generate' | 'choose';

/**
 * Adds a console user. The browser's own checks are off (noValidate) so the server's
 * sentences, which say what to fix, are what the admin reads.
 */
export function AddPerson(props: { problem: Problem | null; onStart(): void; onAdded(user: CreatedUser): void; onFailed(p: Problem): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [mode, setMode] = useState<PasswordMode>('generate');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    props.onStart();
    try {
      const body = { email, role, ...(mode === 'choose' ? { password } : {}) };
      const created = await api.post('/api/users', { body });
      setEmail('');
      setPassword('');
      setMode('generate');
      setRole('agent');
      props.onAdded(created);
    } catch (err) {
      props.onFailed(problemOf(t, t('people.failed.add'), err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="entry-form" aria-labelledby="people-add-title">
      <h2 id="people-add-title">{t('people.add.title')}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-grid">
          <label htmlFor="people-add-email">{t('people.add.email')}</label>
          <input
            id="people-add-email"
            type="email"
            inputMode="email"
            autoComplete="off"
            spellCheck={false}
            placeholder="amy@solarmora.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <label htmlFor="people-add-role">{t('people.add.role')}</label>
          <select id="people-add-role" value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'agent')}>
            <option value="agent">{t('role.agent')}</option>
            <option value="admin">{t('role.admin')}</option>
          </select>
        </div>
        <fieldset className="people-password-mode">
          <legend>{t('people.add.password')}</legend>
          <div className="choices">
            <label className="check">
              <input type="radio" name="people-add-mode" value="generate" checked={mode === 'generate'} onChange={() => setMode('generate')} />
              {t('people.add.generate')}
            </label>
            <label className="check">
              <input type="radio" name="people-add-mode" value="choose" checked={mode === 'choose'} onChange={() => setMode('choose')} />
              {t('people.add.choose')}
            </label>
          </div>
          {mode === 'choose' && (
            <div className="people-chosen-password">
              <label htmlFor="people-add-password">{t('people.add.newPassword')}</label>
              <input
                id="people-add-password"
                type="password"
                autoComplete="new-password"
                aria-describedby="people-add-password-hint"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <span id="people-add-password-hint" className="muted">
                {t('people.add.hint')}
              </span>
            </div>
          )}
        </fieldset>
        {props.problem && <ProblemNote problem={props.problem} />}
        <p>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('people.add.submitting') : t('people.add.submit')}
          </button>
        </p>
      </form>
    </section>
  );
}

import { useState } from 'react';
import { api } from '../api/client.js';
import type { ConsoleUser, CreatedUser } from '../api/shapes.js';
import { DataTable } from '../components/entry-editing.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session.js';
import { AddPerson } from './people/add-person.js';
import { OneTimePasswordBox, type OneTimePassword } from './people/one-time-password.js';
import { PersonRow, type PersonActions } from './people/person-row.js';
import { problemOf, ProblemNote, type Problem } from './people/problem.js';
import '../admin.css';
import '../people.css';

const COLUMNS = [
  'people.col.email',
  'people.col.role',
  'people.col.status',
  'people.col.availability',
  'people.col.lastLogin',
  'people.col.created',
  'people.col.actions',
] as const;

/**
 * The people who sign in to this console (not the directory's mail users): their roles,
 * who may sign in, password resets. The server keeps the last enabled admin; its refusal
 * is shown as it says it.
 */
export function PeoplePage() {
  const { t } = useI18n();
  const { user: me } = useSession();
  const { state, reload } = useApi(() => api.get('/api/users'), []);
  const [notice, setNotice] = useState('');
  // One problem at a time, shown where it happened: above the table or in the add form.
  const [problem, setProblem] = useState<{ where: 'list' | 'add'; problem: Problem } | null>(null);
  const [secret, setSecret] = useState<OneTimePassword | null>(null);
  const [busy, setBusy] = useState(false);

  const clear = () => {
    setNotice('');
    setProblem(null);
  };
  /** Runs one change; the notice or the problem and the reloaded table appear together. */
  const run = async (failedLead: string, change: () => Promise<string>) => {
    setBusy(true);
    clear();
    try {
      const done = await change();
      await reload(true);
      setNotice(done);
    } catch (e) {
      await reload(true);
      setProblem({ where: 'list', problem: problemOf(t, failedLead, e) });
    } finally {
      setBusy(false);
    }
  };

  const isMe = (u: ConsoleUser) => u.email === me.email;
  const actions: PersonActions = {
    setRole(u, role) {
      if (isMe(u) && role === 'agent' && !window.confirm(t('people.confirmSelfDemote'))) return;
      void run(t('people.failed.role', { email: u.email }), async () => {
        await api.patch('/api/users/{email}', { params: { email: u.email }, body: { role } });
        // The console's pages follow the role of the session, read when it starts.
        if (isMe(u)) window.location.assign('/');
        return t('people.done.role', { email: u.email, role: t(`role.${role}`) });
      });
    },
    setDisabled(u, disabled) {
      if (isMe(u) && disabled && !window.confirm(t('people.confirmSelfDisable'))) return;
      void run(t('people.failed.status', { email: u.email }), async () => {
        await api.patch('/api/users/{email}', { params: { email: u.email }, body: { disabled } });
        return t(disabled ? 'people.done.disabled' : 'people.done.enabled', { email: u.email });
      });
    },
    setAvailable(u, available) {
      void run(t('people.failed.availability', { email: u.email }), async () => {
        await api.put('/api/agents/{email}/availability', { params: { email: u.email }, body: { available } });
        return t(available ? 'people.done.available' : 'people.done.unavailable', { email: u.email });
      });
    },
    resetPassword(u) {
      if (!window.confirm(t('people.confirmReset', { email: u.email }))) return;
      void run(t('people.failed.reset', { email: u.email }), async () => {
        const r = await api.post('/api/users/{email}/password', { params: { email: u.email }, body: {} });
        setSecret({ email: r.email, password: r.password, kind: 'reset' });
        return t('people.done.reset', { email: u.email });
      });
    },
    remove(u) {
      if (!window.confirm(t(isMe(u) ? 'people.confirmSelfDelete' : 'people.confirmDelete', { email: u.email }))) return;
      void run(t('people.failed.delete', { email: u.email }), async () => {
        await api.delete('/api/users/{email}', { params: { email: u.email } });
        if (secret?.email === u.email) setSecret(null);
        return t('people.done.deleted', { email: u.email });
      });
    },
  };

  const added = (u: CreatedUser) => {
    setSecret(u.initialPassword === null ? null : { email: u.email, password: u.initialPassword, kind: 'initial' });
    setNotice(t('people.done.added', { email: u.email, role: t(`role.${u.role}`) }));
    void reload(true);
  };

  return (
    <>
      <h1>{t('people.title')}</h1>
      <p>{t('people.intro')}</p>
      <p role="status" aria-live="polite" className="ok" data-testid="people-notice">
        {notice}
      </p>
      {problem?.where === 'list' && <ProblemNote problem={problem.problem} />}
      {secret && <OneTimePasswordBox secret={secret} onDismiss={() => setSecret(null)} />}
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' && (
        <DataTable columns={COLUMNS} caption={t('people.tableCaption')} className="people-table">
          {state.data.items.map((u) => (
            <PersonRow key={u.email} user={u} isYou={isMe(u)} busy={busy} actions={actions} />
          ))}
        </DataTable>
      )}
      <AddPerson
        problem={problem?.where === 'add' ? problem.problem : null}
        onStart={clear}
        onAdded={added}
        onFailed={(p) => setProblem({ where: 'add', problem: p })}
      />
    </>
  );
}

/**
 * API tokens: who may call the REST API, with which role. A new token is in the create
 * answer only (the server keeps its hash), so the page shows it once and then never again.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { API_ROLES, type ApiRole, type ApiToken, type CreatedApiToken } from '../../api/shapes.js';
import { DataTable } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useApi } from '../../components/use-api.js';
import { useI18n } from '../../i18n/i18n.js';
import { OutcomeNote, Refusal, useRowAction } from './outcome.js';
import { ShownOnce } from './shown-once.js';

export function ApiTokensSection() {
  const { t } = useI18n();
  const { state, reload } = useApi(() => api.get('/api/tokens'), []);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const row = useRowAction(reload);

  const revoke = (name: string) => {
    if (!window.confirm(t('integrations.tokens.confirmRevoke', { name }))) return;
    if (created?.name === name) setCreated(null);
    void row.run(async () => {
      await api.delete('/api/tokens/{name}', { params: { name } });
      return t('integrations.tokens.revoked', { name });
    });
  };

  return (
    <section aria-labelledby="tokens-title" className="integration-section">
      <h2 id="tokens-title">{t('integrations.tokens.title')}</h2>
      <p>{t('integrations.tokens.intro')}</p>
      <CreateTokenForm
        onCreated={(c) => {
          setCreated(c);
          void reload(true);
        }}
      />
      {created && (
        <ShownOnce
          id="new-token"
          title={t('integrations.tokens.shownTitle', { name: created.name })}
          valueName={t('integrations.tokens.valueName')}
          value={created.token}
          onDone={() => setCreated(null)}
        >
          <p>{t('integrations.tokens.howToUse')}</p>
          <pre className="how-to">{`Authorization: Bearer ${created.token}`}</pre>
        </ShownOnce>
      )}
      <OutcomeNote outcome={row.outcome} testId="tokens-outcome" />
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' && <TokenTable tokens={state.data.items} busy={row.busy} onRevoke={revoke} />}
    </section>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiRole>('agent');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setRefused(null);
    try {
      onCreated(await api.post('/api/tokens', { body: { name: name.trim(), role } }));
      setName('');
    } catch (error) {
      setRefused(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel integration-form" aria-labelledby="new-token-form-title" onSubmit={(e) => void submit(e)}>
      <h3 id="new-token-form-title">{t('integrations.tokens.formTitle')}</h3>
      <div className="integration-fields">
        <div className="field">
          <label htmlFor="token-name">{t('integrations.tokens.field.name')}</label>
          <input
            id="token-name"
            required
            maxLength={64}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-describedby="token-name-hint"
          />
          <small id="token-name-hint" className="hint">
            {t('integrations.tokens.field.nameHint')}
          </small>
        </div>
        <div className="field">
          <label htmlFor="token-role">{t('integrations.tokens.field.role')}</label>
          <select id="token-role" value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'agent')}>
            {API_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('integrations.busy') : t('integrations.tokens.create')}
        </button>
      </div>
      {refused !== null && <Refusal error={refused} />}
    </form>
  );
}

function TokenTable({ tokens, busy, onRevoke }: { tokens: readonly ApiToken[]; busy: boolean; onRevoke: (name: string) => void }) {
  const { t, formatTime } = useI18n();
  if (tokens.length === 0) return <p className="empty">{t('integrations.tokens.empty')}</p>;
  return (
    <DataTable
      caption={t('integrations.tokens.title')}
      columns={[
        'integrations.tokens.col.name',
        'integrations.tokens.col.role',
        'integrations.tokens.col.hint',
        'integrations.tokens.col.created',
        'integrations.tokens.col.lastUsed',
        'integrations.tokens.col.actions',
      ]}
    >
      {tokens.map((tok) => (
        <tr key={tok.name} data-token={tok.name}>
          <td>{tok.name}</td>
          <td>
            <span className={`role role-${tok.role}`}>{t(`role.${tok.role}`)}</span>
          </td>
          <td>
            <code>{tok.hint}…</code>
          </td>
          <td>
            <time dateTime={tok.createdAt}>{formatTime(tok.createdAt)}</time>
          </td>
          <td>
            {tok.lastUsedAt ? (
              <time dateTime={tok.lastUsedAt}>{formatTime(tok.lastUsedAt)}</time>
            ) : (
              <span className="muted">{t('integrations.tokens.never')}</span>
            )}
          </td>
          <td>
            <div className="actions">
              <button type="button" disabled={busy} aria-label={t('integrations.tokens.revokeLabel', { name: tok.name })} onClick={() => onRevoke(tok.name)}>
                {t('integrations.tokens.revoke')}
              </button>
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

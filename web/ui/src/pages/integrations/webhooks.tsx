/**
 * Webhook subscriptions: a URL and the desk events it receives. The signing secret is in the
 * create answer only, so the page shows it once, with how a receiver checks a signature.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { WEBHOOK_EVENTS, type CreatedWebhook, type Webhook, type WebhookEvent } from '../../api/shapes.js';
import { DataTable } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useApi } from '../../components/use-api.js';
import { useI18n } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { OutcomeNote, Refusal, useRowAction } from './outcome.js';
import { ShownOnce } from './shown-once.js';
import { actorText } from '../../components/actor.js';

export function WebhooksSection() {
  const { t } = useI18n();
  const { state, reload } = useApi(() => api.get('/api/webhooks'), []);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const row = useRowAction(reload);

  const remove = (hook: Webhook) => {
    if (!window.confirm(t('integrations.webhooks.confirmRemove', { url: hook.url }))) return;
    if (created?.id === hook.id) setCreated(null);
    void row.run(async () => {
      await api.delete('/api/webhooks/{id}', { params: { id: hook.id } });
      return t('integrations.webhooks.removed', { url: hook.url });
    });
  };

  return (
    <section aria-labelledby="webhooks-title" className="integration-section">
      <h2 id="webhooks-title">{t('integrations.webhooks.title')}</h2>
      <p>{t('integrations.webhooks.intro')}</p>
      <p>
        {t('integrations.webhooks.logHint')} <Link to="/admin/email-log">{t('integrations.webhooks.logLink')}</Link>
      </p>
      <AddWebhookForm
        onAdded={(w) => {
          setCreated(w);
          void reload(true);
        }}
      />
      {created && (
        <ShownOnce
          id="new-webhook-secret"
          title={t('integrations.webhooks.shownTitle', { url: created.url })}
          valueName={t('integrations.webhooks.valueName')}
          value={created.secret}
          onDone={() => setCreated(null)}
        >
          <p>{t('integrations.webhooks.verifyIntro')}</p>
          <pre className="how-to">{'X-Relaydesk-Signature: t=<timestamp>,sha256=<hex>\nhex = HMAC-SHA256(secret, t + "." + body)'}</pre>
        </ShownOnce>
      )}
      <OutcomeNote outcome={row.outcome} testId="webhooks-outcome" />
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' && <WebhookTable hooks={state.data.items} busy={row.busy} onRemove={remove} />}
    </section>
  );
}

function AddWebhookForm({ onAdded }: { onAdded: (hook: CreatedWebhook) => void }) {
  const { t } = useI18n();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<WebhookEvent>>(new Set());
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<unknown>(null);

  const toggle = (event: WebhookEvent, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(event);
    else next.delete(event);
    setEvents(next);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setRefused(null);
    try {
      // Sent in the catalog's order, whatever order they were ticked in.
      onAdded(await api.post('/api/webhooks', { body: { url: url.trim(), events: WEBHOOK_EVENTS.filter((x) => events.has(x)) } }));
      setUrl('');
      setEvents(new Set());
    } catch (error) {
      setRefused(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel integration-form" aria-labelledby="new-webhook-form-title" onSubmit={(e) => void submit(e)}>
      <h3 id="new-webhook-form-title">{t('integrations.webhooks.formTitle')}</h3>
      <div className="field">
        <label htmlFor="webhook-url">{t('integrations.webhooks.field.url')}</label>
        <input
          id="webhook-url"
          type="url"
          required
          maxLength={2000}
          autoComplete="off"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-describedby="webhook-url-hint"
        />
        <small id="webhook-url-hint" className="hint">
          {t('integrations.webhooks.field.urlHint')}
        </small>
      </div>
      <fieldset className="event-choices">
        <legend>{t('integrations.webhooks.field.events')}</legend>
        {WEBHOOK_EVENTS.map((ev) => (
          <label key={ev} className="check">
            <input type="checkbox" checked={events.has(ev)} onChange={(e) => toggle(ev, e.target.checked)} />
            <code>{ev}</code> <span className="muted">{t(`integrations.webhooks.event.${ev}`)}</span>
          </label>
        ))}
      </fieldset>
      <p>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('integrations.busy') : t('integrations.webhooks.add')}
        </button>
      </p>
      {refused !== null && <Refusal error={refused} />}
    </form>
  );
}

function WebhookTable({ hooks, busy, onRemove }: { hooks: readonly Webhook[]; busy: boolean; onRemove: (hook: Webhook) => void }) {
  const { t, formatTime } = useI18n();
  if (hooks.length === 0) return <p className="empty">{t('integrations.webhooks.empty')}</p>;
  return (
    <DataTable
      caption={t('integrations.webhooks.title')}
      className="webhook-list"
      columns={[
        'integrations.webhooks.col.url',
        'integrations.webhooks.col.events',
        'integrations.webhooks.col.created',
        'integrations.webhooks.col.createdBy',
        'integrations.webhooks.col.lastDelivery',
        'integrations.webhooks.col.actions',
      ]}
    >
      {hooks.map((h) => (
        <tr key={h.id} data-webhook={h.id}>
          <td>
            <code>{h.url}</code>
          </td>
          <td>
            <ul className="event-list">
              {h.events.map((ev) => (
                <li key={ev}>
                  <code>{ev}</code>
                </li>
              ))}
            </ul>
          </td>
          <td>
            <time dateTime={h.createdAt}>{formatTime(h.createdAt)}</time>
          </td>
          <td title={h.createdBy}>{actorText(t, h.createdByActor)}</td>
          <td>
            <LastDelivery delivery={h.lastDelivery ?? null} />
          </td>
          <td>
            <div className="actions">
              <button type="button" disabled={busy} aria-label={t('integrations.webhooks.removeLabel', { url: h.url })} onClick={() => onRemove(h)}>
                {t('integrations.webhooks.remove')}
              </button>
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** How the newest event went: the receiver's answer, and the trace for the details. */
function LastDelivery({ delivery }: { delivery: NonNullable<Webhook['lastDelivery']> | null }) {
  const { t, formatTime } = useI18n();
  if (!delivery) return <span className="muted">{t('integrations.webhooks.noDelivery')}</span>;
  const known = ['delivered', 'deferred', 'bounced', 'queued', 'active'].includes(delivery.status);
  return (
    <>
      <span className={`badge delivery-${delivery.status}`}>
        {known ? t(`integrations.webhooks.status.${delivery.status as 'delivered'}`) : delivery.status}
      </span>{' '}
      <time dateTime={delivery.at}>{formatTime(delivery.at)}</time>
      {delivery.lastReply && <div className="muted">{delivery.lastReply}</div>}
    </>
  );
}

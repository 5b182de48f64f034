/**
 * "Test the route": send a real message to an address and watch it go, step by step, until
 * every copy has reached its destination — and, for a desk channel, until its case exists.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Answer } from '../../api/client.js';
import type { MessageTrace } from '../../api/shapes.js';
import { deliveryStatusText, transportText } from '../../components/delivery-text.js';
import { ErrorNote } from '../../components/status.js';
import { DeskOutcomes, TraceSteps, useLastReply } from '../../components/trace-view.js';
import { useI18n } from '../../i18n/i18n.js';

type Sent = Answer<'post', '/api/routing/test'>;

const POLL_MS = 500;
/** Past this the panel stops watching and says where the message is; the email log keeps it. */
const WATCH_MS = 60_000;
const FINAL = new Set(['delivered', 'bounced', 'expired', 'held', 'deleted']);

/** Every copy settled, and a copy for the desk has been taken in. */
export function traceFinished(trace: MessageTrace): boolean {
  const ds = trace.message.deliveries;
  if (ds.length === 0 || !ds.every((d) => FINAL.has(d.status))) return false;
  const deskCopies = ds.filter((d) => d.transport === 'desk' && d.status === 'delivered').length;
  return trace.desk.length >= Math.min(deskCopies, 1);
}

export function RouteTest({ initialAddress, rule, onClose }: { initialAddress: string; rule: string; onClose: () => void }) {
  const { t } = useI18n();
  const [address, setAddress] = useState(initialAddress);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [trace, setTrace] = useState<MessageTrace | null>(null);
  const lastReply = useLastReply(trace?.steps ?? []);
  const [gaveUp, setGaveUp] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);

  useEffect(() => {
    const queueId = sent?.queueId;
    if (!queueId) return;
    const started = Date.now();
    let timer = 0;
    let stopped = false;
    const poll = async () => {
      try {
        const tr = await api.get('/api/messages/{id}/trace', { params: { id: queueId } });
        if (stopped) return;
        setTrace(tr);
        if (traceFinished(tr)) return;
      } catch (e) {
        if (stopped) return;
        // The message is committed before the 250, so a 404 here is a store hiccup: keep watching.
        if (!(e instanceof ApiError) || e.status !== 404) setError(e instanceof ApiError ? e : null);
      }
      if (Date.now() - started > WATCH_MS) {
        setGaveUp(true);
        return;
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [sent]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    setSending(true);
    setError(null);
    setSent(null);
    setTrace(null);
    setGaveUp(false);
    try {
      setSent(await api.post('/api/routing/test', { body: { address: address.trim(), rule } }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err), 'CLIENT', []));
    } finally {
      setSending(false);
    }
  };

  const finished = trace ? traceFinished(trace) : false;
  return (
    <section className="route-test" aria-labelledby="route-test-title">
      <h2 id="route-test-title">{t('routing.test.title', { rule })}</h2>
      <p>{t('routing.test.intro')}</p>
      <form className="field-inline" onSubmit={(e) => void send(e)}>
        <label>
          {t('routing.test.address')}
          <input ref={inputRef} type="email" required value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={sending}>
          {sending ? t('routing.test.sending') : t('routing.test.send')}
        </button>
        <button type="button" onClick={onClose}>
          {t('routing.test.close')}
        </button>
      </form>
      {error && <ErrorNote error={error} />}
      {sent && (
        <div aria-live="polite" data-testid="route-test-result">
          <p className={sent.accepted ? 'ok' : 'error'}>
            {sent.accepted ? t('routing.test.accepted', { id: sent.queueId ?? '?' }) : t('routing.test.refused')} <code>{sent.reply}</code>
          </p>
          {trace && (
            <>
              <p role="status" className={finished ? 'ok' : ''}>
                {finished ? t('routing.test.done') : gaveUp ? t('routing.test.gaveUp') : t('routing.test.watching')}
              </p>
              <table className="list">
                <caption>{t('routing.test.deliveries')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('routing.test.col.original')}</th>
                    <th scope="col">{t('routing.test.col.recipient')}</th>
                    <th scope="col">{t('routing.test.col.transport')}</th>
                    <th scope="col">{t('routing.test.col.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {trace.message.deliveries.map((d) => (
                    <tr key={d.id}>
                      <td>{d.originalRecipient}</td>
                      <td>{d.recipient}</td>
                      <td>{transportText(t, d.transport)}</td>
                      <td>
                        <span className={`badge delivery-${d.status}`}>{deliveryStatusText(t, d.status)}</span>
                        {d.lastReply && <div className="muted">{lastReply(d)}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <DeskOutcomes desk={trace.desk} />
              {trace.desk.some((x) => x.caseNumber !== null) && <p className="muted">{t('routing.test.testCase')}</p>}
              <TraceSteps steps={trace.steps} label={t('routing.test.steps')} />
            </>
          )}
        </div>
      )}
    </section>
  );
}

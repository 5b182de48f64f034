import { useId, useState, type FormEvent } from 'react';
import '../admin.css';
import { api, ApiError } from '../api/client.js';
import type { Answer } from '../api/client.js';
import { useI18n, useRefusalText, type Translate } from '../i18n/i18n.js';

type Result = Answer<'post', '/api/outbound/test'>;

const viaText = (t: Translate, via: NonNullable<Result['via']>) => t(`outboundTest.via.${via.kind}`, { name: via.name ?? '', address: via.address });

/**
 * "Send a test" for the way out: a short message through the next hop the queue would use,
 * and the next hop's answer (or why there was none, and what to change).
 */
export function OutboundTest({ onDelivered }: { onDelivered?: () => void }) {
  const { t } = useI18n();
  const say = useRefusalText();
  const id = useId();
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.post('/api/outbound/test', { body: { to } });
      setResult(r);
      if (r.outcome === 'delivered') onDelivered?.();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 0
          ? t('app.error.network')
          : err instanceof ApiError
            ? say(err)
            : err instanceof Error
              ? err.message
              : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="outbound-test add-form" onSubmit={send} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('outboundTest.title')}</h3>
      <p className="muted">{t('outboundTest.intro')}</p>
      <label htmlFor={`${id}-to`}>{t('outboundTest.to')}</label>
      <input id={`${id}-to`} type="email" required value={to} onChange={(e) => setTo(e.target.value)} placeholder="someone@example.com" />
      <button type="submit" disabled={busy}>
        {busy ? t('outboundTest.sending') : t('outboundTest.send')}
      </button>
      <div role="status" data-testid="outbound-test-result">
        {result && result.outcome === 'delivered' && result.via && (
          <p className="ok">
            {t('outboundTest.delivered', { via: viaText(t, result.via), seconds: (result.elapsedMs / 1000).toFixed(1) })}{' '}
            {t('outboundTest.reply', { reply: result.reply })}
          </p>
        )}
        {result && result.outcome === 'failed' && (
          <div className="error">
            <p>{result.via ? t('outboundTest.failed', { via: viaText(t, result.via) }) : t('outboundTest.failedNoHop')}</p>
            <p>{t('outboundTest.reply', { reply: result.reply })}</p>
            {result.problem && <p>{t(`outboundTest.problem.${result.problem}`)}</p>}
          </div>
        )}
        {error && <p className="error">{error}</p>}
      </div>
    </form>
  );
}

/**
 * "Why does mail go there?": one recipient explained with the rules in force or with the draft
 * being edited (not saved), rule by rule, then the plan. Nothing is sent.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import type { ConfigDocument } from '../../api/config-document.js';
import { ExplanationView, type Explanation } from '../../components/route-explanation.js';
import { ErrorNote } from '../../components/status.js';
import { useI18n } from '../../i18n/i18n.js';

export function ExplainPanel({ draft }: { draft: ConfigDocument | null }) {
  const { t } = useI18n();
  const [address, setAddress] = useState('');
  const [from, setFrom] = useState('');
  const [useDraft, setUseDraft] = useState(false);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<{ x: Explanation; draft: boolean } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const withDraft = useDraft && draft !== null;

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setRunning(true);
    setError(null);
    setResult(null);
    const sender = from.trim() === '' ? undefined : from.trim();
    try {
      const x = withDraft
        ? await api.post('/api/routing/explain', { body: { address: address.trim(), ...(sender ? { from: sender } : {}), document: draft } })
        : await api.get('/api/routing/explain', { query: { address: address.trim(), from: sender } });
      setResult({ x, draft: withDraft });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err), 'CLIENT', []));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="panel explain-panel" aria-labelledby="explain-title">
      <h2 id="explain-title">{t('routing.explain.title')}</h2>
      <p>{t('routing.explain.intro')}</p>
      <form className="field-inline" onSubmit={(e) => void run(e)}>
        <label>
          {t('routing.explain.address')}
          <input type="email" required value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <label>
          {t('routing.explain.from')}
          <input type="text" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <fieldset>
          <legend>{t('routing.explain.against')}</legend>
          <label>
            <input type="radio" name="explain-against" checked={!withDraft} onChange={() => setUseDraft(false)} />
            {t('routing.explain.inForce')}
          </label>
          <label>
            <input type="radio" name="explain-against" checked={withDraft} disabled={draft === null} onChange={() => setUseDraft(true)} />
            {t('routing.explain.draft')}
          </label>
        </fieldset>
        <button type="submit" className="primary" disabled={running}>
          {running ? t('routing.explain.running') : t('routing.explain.run')}
        </button>
      </form>
      {error && <ErrorNote error={error} />}
      {result && (
        <div aria-live="polite" data-testid="explain-result">
          <p className="muted">{result.draft ? t('routing.explain.versionDraft') : t('routing.explain.versionInForce', { version: result.x.version })}</p>
          <ExplanationView x={result.x} />
        </div>
      )}
    </section>
  );
}

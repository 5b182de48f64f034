import { useState } from 'react';
import { ApiError } from '../../api/client.js';
import { useI18n, useRefusalText } from '../../i18n/i18n.js';

/**
 * Why the server refused a change, in its own sentence (cause and fix); every problem when a
 * request had several. A request that never reached the server says so instead.
 */
export function Refusal({ error, id }: { error: unknown; id?: string }) {
  const { t } = useI18n();
  const say = useRefusalText();
  if (!(error instanceof ApiError) || error.status === 0) {
    return (
      <p role="alert" className="error" id={id}>
        {t('app.error.network')}
      </p>
    );
  }
  return (
    <div role="alert" className="error" id={id}>
      <p className="refusal-text">{say(error)}</p>
      {error.details.length > 1 && (
        <ul className="problem-list">
          {error.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export type Outcome = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: unknown };

/**
 * A one-click change on a row (revoke, remove): it runs, the list reloads, and then the
 * outcome shows, so the sentence and the row it speaks of change together.
 */
export function useRowAction(reload: (background?: boolean) => Promise<void>) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    let next: Outcome;
    try {
      next = { ok: true, text: await action() };
    } catch (error) {
      next = { ok: false, error };
    }
    await reload(true);
    setOutcome(next);
    setBusy(false);
  };
  return { outcome, busy, run };
}

/** The live region is always there, so that a screen reader hears each new outcome. */
export function OutcomeNote({ outcome, testId }: { outcome: Outcome | null; testId: string }) {
  return (
    <>
      <p role="status" aria-live="polite" className="ok" data-testid={testId}>
        {outcome?.ok ? outcome.text : ''}
      </p>
      {outcome?.ok === false && <Refusal error={outcome.error} />}
    </>
  );
}

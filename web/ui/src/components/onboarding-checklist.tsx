import { useState } from 'react';
import { api } from '../api/client.js';
import type { Answer } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { OutboundTest } from './outbound-test.js';
import { useApi } from './use-api.js';
import '../onboarding.css';

type StepId = Answer<'get', '/api/onboarding'>['steps'][number]['id'];

const PAGE_OF: Record<StepId, string> = {
  domain: '/admin/domains',
  outbound: '/admin/hosts',
  channel: '/admin/channels',
  routing: '/admin/routing',
  routeTest: '/admin/routing',
};

/** Hidden per admin in this browser: a shared machine keeps each admin's choice. */
const hiddenKey = (email: string) => `relaydesk.onboarding.hidden.${email}`;

function readHidden(email: string): boolean {
  try {
    return window.localStorage.getItem(hiddenKey(email)) === '1';
  } catch {
    return false;
  }
}

/**
 * The first steps of a new installation, shown to admins until each is done (the server
 * decides from what exists) or the admin hides the list.
 */
export function OnboardingChecklist() {
  const { t } = useI18n();
  const { user } = useSession();
  const [hidden, setHidden] = useState(() => readHidden(user.email));
  // Read once per visit, not polled: the steps are done on other pages, and coming back here
  // reads them again; until a route test has arrived, each read looks through the stored mail.
  const { state, reload } = useApi(() => api.get('/api/onboarding'), []);
  if (hidden || user.role !== 'admin' || state.kind !== 'ready' || state.data.done) return null;

  const hide = () => {
    try {
      window.localStorage.setItem(hiddenKey(user.email), '1');
    } catch {
      // Storage can be disabled: the list goes away for this visit only.
    }
    setHidden(true);
  };
  const steps = state.data.steps;
  const done = steps.filter((s) => s.done).length;

  return (
    <section className="panel onboarding" aria-labelledby="onboarding-title" data-testid="onboarding">
      <div className="onboarding-head">
        <h2 id="onboarding-title">{t('onboarding.title')}</h2>
        <button type="button" onClick={hide}>
          {t('onboarding.hide')}
        </button>
      </div>
      <p className="muted">
        {t('onboarding.intro')} <span data-testid="onboarding-progress">{t('onboarding.progress', { done, total: steps.length })}</span>
      </p>
      <ol className="onboarding-steps">
        {steps.map((s) => (
          <li key={s.id} data-step={s.id} data-done={s.done} className={s.done ? 'done' : 'todo'}>
            <span className="onboarding-mark" aria-hidden="true">
              {s.done ? '✓' : ''}
            </span>
            <div>
              <p className="onboarding-step-title">
                <strong>{t(`onboarding.step.${s.id}`)}</strong>{' '}
                <span className={s.done ? 'badge onboarding-done' : 'badge'}>{s.done ? t('onboarding.state.done') : t('onboarding.state.todo')}</span>
              </p>
              {!s.done && (
                <>
                  <p className="muted">{t(`onboarding.step.${s.id}.help`)}</p>
                  <Link to={PAGE_OF[s.id]}>{t(`onboarding.step.${s.id}.go`)}</Link>
                  {s.id === 'outbound' && <OutboundTest onDelivered={() => void reload(true)} />}
                </>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

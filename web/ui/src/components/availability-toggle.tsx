import { useState } from 'react';
import { api, ApiError } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session.js';

/** The signed-in person's own switch: whether assignment gives them new cases. Their cases stay theirs either way. */
export function AvailabilityToggle() {
  const { t } = useI18n();
  const { user } = useSession();
  const [available, setAvailable] = useState(user.available);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const toggle = async () => {
    setBusy(true);
    setError('');
    try {
      const r = await api.put('/api/agents/{email}/availability', { params: { email: user.email }, body: { available: !available } });
      setAvailable(r.available);
    } catch (e) {
      setError(t('availability.failed', { error: e instanceof ApiError && e.status !== 0 ? e.message : t('app.error.network') }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="topbar-availability">
      <label className={available ? 'availability-on' : 'availability-off'}>
        <input type="checkbox" role="switch" data-testid="availability" checked={available} disabled={busy} onChange={() => void toggle()} />{' '}
        {t('availability.label')}
      </label>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}

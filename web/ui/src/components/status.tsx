import type { ApiError } from '../api/client.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';

export function Loading() {
  const { t } = useI18n();
  return <p role="status">{t('app.loading')}</p>;
}

/** The server's own sentence (cause and fix), or ours when it could not be reached. */
export function ErrorNote({ error }: { error: ApiError }) {
  const { t } = useI18n();
  const say = useRefusalText();
  return (
    <p role="alert" className="error">
      {error.status === 0 ? t('app.error.network') : say(error)}
    </p>
  );
}

import { useI18n } from '../i18n/i18n.js';
import { ApiTokensSection } from './integrations/api-tokens.js';
import { WebhooksSection } from './integrations/webhooks.js';
import '../admin.css';
import '../integrations.css';

/** API tokens and webhooks: how other programs reach the desk, and how the desk reaches them. */
export function IntegrationsPage() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('integrations.title')}</h1>
      <p>{t('integrations.intro')}</p>
      <ApiTokensSection />
      <WebhooksSection />
    </>
  );
}

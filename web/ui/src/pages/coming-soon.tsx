import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';

export function ComingSoonPage({ title }: { title: MessageKey }) {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('comingSoon.title', { page: t(title) })}</h1>
      <p className="notice">{t('comingSoon.body')}</p>
    </>
  );
}

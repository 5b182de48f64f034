import { useId } from 'react';
import { LANGS, useI18n, type Lang } from '../i18n/i18n.js';

export function LanguageSelect() {
  const { t, lang, setLang } = useI18n();
  const id = useId();
  return (
    <span className="lang-select">
      <label htmlFor={id}>{t('lang.label')}</label>
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </span>
  );
}

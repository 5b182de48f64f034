import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en.js';
import { ja } from './ja.js';
import { fillEntry, format, type ServerText } from './server-text.js';

export type Lang = 'en' | 'ja';
export const LANGS: readonly Lang[] = ['en', 'ja'];
const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, ja };
const STORAGE_KEY = 'relaydesk.lang';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

function initialLang(): Lang {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'ja') return saved;
  } catch {
    // Storage can be disabled; the browser's language still decides.
  }
  return (navigator.languages?.[0] ?? navigator.language ?? 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

interface I18n {
  readonly lang: Lang;
  readonly t: Translate;
  setLang(lang: Lang): void;
  /** Dates in the chosen language, in the browser's time zone. */
  formatTime(iso: string): string;
  /**
   * A text the server sends as a code (a trace line, a problem, a refusal): the entry
   * `prefix + code` with its values, or `fallback` (the server's English) when the dictionary
   * has no such entry or the values leave a placeholder unfilled.
   */
  serverText(prefix: string, text: ServerText, fallback: string): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted; the choice still holds for this page.
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const dict = DICTIONARIES[lang];
    const dateFormat = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
    return {
      lang,
      setLang,
      t: (key, values) => format(dict[key], values),
      serverText: (prefix, text, fallback) => fillEntry(dict, prefix, text) ?? fallback,
      formatTime: (iso) => {
        const d = new Date(iso);
        return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
      },
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/**
 * A refusal from the server in the reader's language: `refusal.<reason>`, else the server's
 * sentence. English is the server's own language, and its sentence is the most specific one.
 */
export function useRefusalText(): (e: {
  readonly message: string;
  readonly reason?: string | null;
  readonly params?: Readonly<Record<string, string | number>>;
}) => string {
  const { serverText, lang } = useI18n();
  return (e) => (e.reason && lang !== 'en' ? serverText('refusal.', { code: e.reason, params: e.params ?? {} }, e.message) : e.message);
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

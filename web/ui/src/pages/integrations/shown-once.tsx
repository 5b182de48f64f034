/**
 * A credential the server sends exactly once (an API token, a webhook's signing secret):
 * boxed and labelled so it cannot be mistaken for something that can be looked up later.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.js';

export function ShownOnce({
  id,
  title,
  valueName,
  value,
  children,
  onDone,
}: {
  id: string;
  title: string;
  valueName: string;
  value: string;
  children?: ReactNode;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus moves to the box so that a screen reader announces it: missing it loses the value.
  useEffect(() => heading.current?.focus(), [value]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="shown-once" aria-labelledby={`${id}-title`} data-testid={id}>
      <h3 id={`${id}-title`} ref={heading} tabIndex={-1}>
        <span className="badge shown-once-badge">{t('integrations.shownOnce.badge')}</span> {title}
      </h3>
      <p className="shown-once-note">{t('integrations.shownOnce.note')}</p>
      <div className="copyable">
        <code className="shown-once-value" data-testid={`${id}-value`}>
          {value}
        </code>
        <button type="button" aria-label={t('integrations.copyLabel', { what: valueName })} onClick={() => void copy()}>
          {t('integrations.copy')}
        </button>
      </div>
      <p role="status" aria-live="polite" className={copied === false ? 'error' : 'ok'}>
        {copied === null ? '' : t(copied ? 'integrations.copied' : 'integrations.copyFailed')}
      </p>
      {children}
      <p>
        <button type="button" onClick={onDone}>
          {t('integrations.shownOnce.done')}
        </button>
      </p>
    </section>
  );
}

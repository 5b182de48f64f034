import { problemsUnder } from '../api/config-document.js';
import { OtherProblems, problemsElsewhere, SaveBar, useConfigEditor } from '../components/config-editor.js';
import { checkedProblems, TextField } from '../components/entry-editing.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useI18n } from '../i18n/i18n.js';
import { AddressListEditor } from './directory/directory-kit.js';
import type { SectionProps } from './settings/fields.js';
import { ArcSection, DkimSection, SrsSection } from './settings/signing.js';
import {
  DEFAULTS,
  listOrDefault,
  numberOrDefault,
  sectionOf,
  textOrDefault,
  withSetting,
  type RetryDoc,
  type SmtpDoc,
  type SpamDoc,
} from './settings/settings-doc.js';
import '../admin.css';
import '../settings.css';

/** The sections this page has fields for; problems anywhere else are listed apart. */
const SHOWN = ['smtp', 'spam', 'queue', 'srs', 'dkim', 'arc'];

/**
 * The gateway's own settings (limits, spam lists, retries, SRS, DKIM, ARC) as one form over a
 * draft of the configuration document, saved as one version like every other admin page.
 */
export function MailSettingsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const all = checkedProblems(editor);
  const props = { editor, draft: editor.draft, all };
  return (
    <>
      <h1>{t('settings.title')}</h1>
      <p>{t('settings.intro')}</p>
      <form className="settings-form" onSubmit={(e) => e.preventDefault()}>
        <LimitsSection {...props} />
        <SpamSection {...props} />
        <RetrySection {...props} />
        <SrsSection {...props} />
        <DkimSection {...props} />
        <ArcSection {...props} />
      </form>
      <OtherProblems problems={problemsElsewhere(all, SHOWN)} />
      <SaveBar editor={editor} />
    </>
  );
}

const shown = (v: string | number | undefined) => (v === undefined ? '' : String(v));

function LimitsSection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const smtp = sectionOf<SmtpDoc>(draft, 'smtp');
  const set = (key: keyof SmtpDoc, value: unknown) => editor.update((d) => withSetting(d, ['smtp', key], value));
  const exceptions = smtp.connectionLimitExceptions ?? [];
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.limits')}</legend>
      <div className="form-grid">
        <TextField
          id="smtp-max-size"
          label={t('settings.maxMessageSize')}
          hint={t('settings.maxMessageSize.hint', { default: DEFAULTS.maxMessageSize })}
          placeholder={DEFAULTS.maxMessageSize}
          value={shown(smtp.maxMessageSize)}
          problems={problemsUnder(all, 'smtp.maxMessageSize')}
          onChange={(v) => set('maxMessageSize', textOrDefault(v))}
        />
        <TextField
          id="smtp-max-recipients"
          type="number"
          label={t('settings.maxRecipients')}
          hint={t('settings.default', { default: DEFAULTS.maxRecipients })}
          placeholder={String(DEFAULTS.maxRecipients)}
          value={shown(smtp.maxRecipients)}
          problems={problemsUnder(all, 'smtp.maxRecipients')}
          onChange={(v) => set('maxRecipients', numberOrDefault(v))}
        />
        <TextField
          id="smtp-max-connections"
          type="number"
          label={t('settings.maxConnections')}
          hint={t('settings.default', { default: DEFAULTS.maxConnectionsPerClient })}
          placeholder={String(DEFAULTS.maxConnectionsPerClient)}
          value={shown(smtp.maxConnectionsPerClient)}
          problems={problemsUnder(all, 'smtp.maxConnectionsPerClient')}
          onChange={(v) => set('maxConnectionsPerClient', numberOrDefault(v))}
        />
      </div>
      <AddressListEditor
        id="smtp-exceptions"
        legend={t('settings.exceptions')}
        items={exceptions}
        itemLabel={(n) => t('settings.exceptionN', { n })}
        addLabel={t('settings.addException')}
        removeLabel={(n) => t('settings.removeExceptionN', { n })}
        problemsAt={(i) => problemsUnder(all, `smtp.connectionLimitExceptions[${i}]`)}
        onChange={(next) => set('connectionLimitExceptions', listOrDefault(next))}
      />
      <p className="field-hint">{t('settings.exceptions.hint')}</p>
    </fieldset>
  );
}

function SpamSection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const spam = sectionOf<SpamDoc>(draft, 'spam');
  const list = (key: 'allowSenders' | 'denySenders', prefix: 'allow' | 'deny') => (
    <AddressListEditor
      id={`spam-${prefix}`}
      legend={t(`settings.${prefix}Senders`)}
      items={spam[key] ?? []}
      itemLabel={(n) => t(`settings.${prefix}SenderN`, { n })}
      addLabel={t(`settings.add.${prefix}`)}
      removeLabel={(n) => t(`settings.remove.${prefix}N`, { n })}
      problemsAt={(i) => problemsUnder(all, `spam.${key}[${i}]`)}
      onChange={(next) => editor.update((d) => withSetting(d, ['spam', key], listOrDefault(next)))}
    />
  );
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.spam')}</legend>
      <p className="field-hint">{t('settings.spam.hint')}</p>
      {list('allowSenders', 'allow')}
      {list('denySenders', 'deny')}
    </fieldset>
  );
}

function RetrySection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const retry = sectionOf<RetryDoc>(draft, 'queue', 'retry');
  const field = (key: keyof RetryDoc, id: string) => (
    <TextField
      id={id}
      label={t(`settings.${key}`)}
      hint={t('settings.duration.hint', { default: DEFAULTS[key] })}
      placeholder={DEFAULTS[key]}
      value={retry[key] ?? ''}
      problems={problemsUnder(all, `queue.retry.${key}`)}
      onChange={(v) => editor.update((d) => withSetting(d, ['queue', 'retry', key], textOrDefault(v)))}
    />
  );
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.retries')}</legend>
      <p className="field-hint">{t('settings.retries.hint')}</p>
      <div className="form-grid">
        {field('firstRetry', 'retry-first')}
        {field('maxInterval', 'retry-max-interval')}
        {field('giveUpAfter', 'retry-give-up')}
      </div>
    </fieldset>
  );
}

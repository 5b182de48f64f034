/**
 * A channel's automatic mail in the channel form: its language, the subject and body of each
 * template, and the server's preview of what the recipient receives. A field left as the
 * default stays out of the configuration, so a later change of the defaults reaches it.
 */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import type { ChannelDoc, ConfigProblem } from '../../api/config-document.js';
import { FieldProblems, useProblemText } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';

type Kind = 'acknowledgement' | 'forwardingCheck';
const KINDS: readonly Kind[] = ['acknowledgement', 'forwardingCheck'];
type Preview = Awaited<ReturnType<typeof previewOf>>;
type Templates = NonNullable<ChannelDoc['templates']>;

/** Typing waits this long before the server renders again. */
const PREVIEW_DELAY_MS = 250;

const previewOf = (channel: ChannelDoc, kind: Kind) =>
  api.post('/api/channels/mail-preview', {
    body: {
      kind,
      channel: {
        name: channel.name,
        ...(channel.publicAddress ? { publicAddress: channel.publicAddress } : {}),
        ...(channel.language ? { language: channel.language } : {}),
        ...(channel.templates ? { templates: channel.templates } : {}),
      },
    },
  });

export function AutoMail({
  channel,
  index,
  set,
  at,
}: {
  channel: ChannelDoc;
  index: number;
  set: (patch: Partial<ChannelDoc>) => void;
  at: (path: string) => ConfigProblem[];
}) {
  const { t } = useI18n();
  return (
    <fieldset className="auto-mail">
      <legend>{t('automail.title')}</legend>
      <p className="hint">{t('automail.intro')}</p>
      <div className="field">
        <label htmlFor="channel-language">{t('automail.language')}</label>
        <select id="channel-language" value={channel.language ?? 'en'} onChange={(e) => set({ language: e.target.value as 'en' | 'ja' })}>
          <option value="en">{t('automail.language.en')}</option>
          <option value="ja">{t('automail.language.ja')}</option>
        </select>
        <FieldProblems id="channel-language-problems" problems={at(`desk.channels[${index}].language`)} />
      </div>
      {KINDS.map((kind) => (
        <TemplateEditor key={kind} kind={kind} channel={channel} index={index} set={set} at={at} />
      ))}
    </fieldset>
  );
}

function TemplateEditor({
  kind,
  channel,
  index,
  set,
  at,
}: {
  kind: Kind;
  channel: ChannelDoc;
  index: number;
  set: (patch: Partial<ChannelDoc>) => void;
  at: (path: string) => ConfigProblem[];
}) {
  const { t } = useI18n();
  const problemText = useProblemText();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const key = JSON.stringify([channel.name, channel.publicAddress, channel.language, channel.templates?.[kind]]);
  useEffect(() => {
    let live = true;
    const timer = window.setTimeout(() => {
      previewOf(channel, kind).then(
        (p) => {
          if (!live) return;
          setPreview(p);
          setFailed(null);
        },
        (e: unknown) => {
          if (live) setFailed(e instanceof ApiError && e.status !== 0 ? e.message : t('app.error.network'));
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key holds everything of the channel this preview depends on
  }, [key]);

  const own = channel.templates?.[kind];
  const edit = (part: 'subject' | 'body', value: string) => {
    const next: Templates = { ...channel.templates, [kind]: { ...own, [part]: value === '' || value === preview?.defaults[part] ? undefined : value } };
    const mine = next[kind];
    if (mine && mine.subject === undefined && mine.body === undefined) delete next[kind];
    set({ templates: Object.keys(next).length > 0 ? next : undefined });
  };
  const reset = () => {
    const next: Templates = { ...channel.templates };
    delete next[kind];
    set({ templates: Object.keys(next).length > 0 ? next : undefined });
  };
  const id = `template-${kind}`;
  const path = `desk.channels[${index}].templates.${kind}`;
  const mail = preview?.mail ?? null;
  return (
    <section className="template-editor" aria-labelledby={`${id}-title`} data-template={kind}>
      <h3 id={`${id}-title`}>
        {t(`automail.kind.${kind}`)} <span className="badge">{own ? t('automail.own') : t('automail.default')}</span>
      </h3>
      <div className="field">
        <label htmlFor={`${id}-subject`}>{t('automail.subject')}</label>
        <input id={`${id}-subject`} value={own?.subject ?? preview?.defaults.subject ?? ''} onChange={(e) => edit('subject', e.target.value)} />
        {kind === 'acknowledgement' && <small className="hint">{t('automail.tokenNote')}</small>}
        <FieldProblems id={`${id}-subject-problems`} problems={at(`${path}.subject`)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-body`}>{t('automail.body')}</label>
        <textarea id={`${id}-body`} rows={10} value={own?.body ?? preview?.defaults.body ?? ''} onChange={(e) => edit('body', e.target.value)} />
        <FieldProblems id={`${id}-body-problems`} problems={[...at(`${path}.body`), ...at(path).filter((p) => p.path === path)]} />
      </div>
      {own && (
        <p>
          <button type="button" onClick={reset}>
            {t('automail.reset')}
          </button>
        </p>
      )}
      {preview && (
        <details className="placeholders">
          <summary>{t('automail.placeholders')}</summary>
          <ul>
            {preview.placeholders.map((p) => (
              <li key={p.name}>
                <code>{`{{${p.name}}}`}</code> <span className="muted">{t('automail.sample', { value: p.value })}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="mail-preview" data-testid={`mail-preview-${kind}`} aria-live="polite">
        <h4>{t('automail.preview')}</h4>
        <p className="hint">{t('automail.previewHint')}</p>
        {failed && <p className="error">{failed}</p>}
        {preview && preview.problems.length > 0 && (
          <div className="error">
            <p>{t('automail.problems')}</p>
            <ul>
              {preview.problems.map((p) => (
                <li key={p.path}>{problemText({ ...p, severity: 'error' })}</li>
              ))}
            </ul>
          </div>
        )}
        {mail && (
          <dl className="mail-head">
            <dt>{t('automail.from')}</dt>
            <dd data-testid="preview-from">{mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address}</dd>
            <dt>{t('automail.to')}</dt>
            <dd data-testid="preview-to">{mail.to.name ? `${mail.to.name} <${mail.to.address}>` : mail.to.address}</dd>
            <dt>{t('automail.subject')}</dt>
            <dd data-testid="preview-subject">{mail.subject}</dd>
          </dl>
        )}
        {mail && (
          <pre className="mail-text" data-testid="preview-text">
            {mail.text}
          </pre>
        )}
      </div>
    </section>
  );
}

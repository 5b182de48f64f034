/**
 * Adding or editing a desk channel from the console: an entry under desk.channels (and, for
 * the first one, the desk's domain), saved as a new configuration version; the server
 * generates a new channel's inbound address in the same change. A channel's name is who it
 * is (its cases, its address), so editing changes the rest only.
 */
import { useEffect, useState } from 'react';
import { problemsUnder, type ChannelDoc, type ConfigDocument, type ConfigSaved } from '../../api/config-document.js';
import { checkProblems, FieldProblems, SaveBar, useConfigEditor, type ConfigEditor } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';
import { AutoMail } from './auto-mail.js';

/** The seed's shape: support@<token>.case.<domain>; a sub-domain of the first hosted domain. */
const suggestedDeskDomain = (doc: ConfigDocument) => (doc.domains?.[0] ? `case.${doc.domains[0]}` : '');

const channelsOf = (doc: ConfigDocument | null | undefined): ChannelDoc[] => doc?.desk?.channels ?? [];

export function AddChannel({ onAdded, editing, onEditDone }: { onAdded: () => void; editing: string | null; onEditDone: () => void }) {
  const { t, lang } = useI18n();
  const editor = useConfigEditor();
  const [index, setIndex] = useState<number | null>(null);
  // The form closes on saving; what the save did stays said until the next edit.
  const [lastSaved, setLastSaved] = useState<ConfigSaved | null>(null);

  // An "Edit" on a row opens the form on that channel, in the draft.
  useEffect(() => {
    if (editing === null || !editor.loaded) return;
    const i = channelsOf(editor.loaded.document).findIndex((c) => c.name === editing);
    setIndex(i >= 0 ? i : null);
  }, [editing, editor.loaded]);

  if (!editor.loaded || !editor.draft) return null;
  const channel = index !== null ? channelsOf(editor.draft)[index] : undefined;
  const close = () => {
    editor.discard();
    setIndex(null);
    onEditDone();
  };
  const start = () => {
    setLastSaved(null);
    editor.update((d) => ({
      ...d,
      // The rest of desk (webhooks, businessHours) stays as it is.
      desk: { ...d.desk, domain: d.desk?.domain ?? suggestedDeskDomain(d), channels: [...channelsOf(d), { name: '', kind: 'support', language: lang }] },
    }));
    setIndex(channelsOf(editor.draft).length);
  };

  if (index === null || !channel) {
    return (
      <>
        {lastSaved && (
          <p className="saved" role="status">
            {lastSaved.applied ? t('configEdit.saved', { version: lastSaved.version, active: lastSaved.activeVersion }) : t('configEdit.unchanged')}
          </p>
        )}
        <p>
          <button type="button" className="primary" onClick={start}>
            {t('channels.add')}
          </button>
        </p>
      </>
    );
  }
  const isNew = editing === null;
  return (
    <ChannelForm
      editor={editor}
      index={index}
      channel={channel}
      isNew={isNew}
      onClose={close}
      onSaved={(r) => {
        setLastSaved(r);
        setIndex(null);
        onEditDone();
        onAdded();
      }}
    />
  );
}

function ChannelForm({
  editor,
  index,
  channel,
  isNew,
  onClose,
  onSaved,
}: {
  editor: ConfigEditor;
  index: number;
  channel: ChannelDoc;
  isNew: boolean;
  onClose: () => void;
  onSaved: (r: ConfigSaved) => void;
}) {
  const { t } = useI18n();
  const { errors, warnings } = checkProblems(editor.check);
  // Typed as text (commas and all); the file gets the list.
  const [agentsText, setAgentsText] = useState((channel.agents ?? []).join(', '));
  const at = (sub: string) => problemsUnder([...errors, ...warnings], sub);
  const set = (patch: Partial<ChannelDoc>) =>
    editor.update((d) => {
      const list = [...channelsOf(d)];
      list[index] = { ...(list[index] as ChannelDoc), ...patch };
      return { ...d, desk: { ...d.desk, domain: d.desk?.domain ?? '', channels: list } };
    });
  return (
    <section className="panel" aria-labelledby="channel-form-title">
      <h2 id="channel-form-title">{isNew ? t('channels.addTitle') : t('channels.editTitle', { name: channel.name })}</h2>
      <form className="rule-editor" onSubmit={(e) => e.preventDefault()}>
        {!editor.loaded?.document.desk && (
          <div className="field">
            <label htmlFor="desk-domain">{t('channels.field.deskDomain')}</label>
            <input
              id="desk-domain"
              value={editor.draft?.desk?.domain ?? ''}
              onChange={(e) => editor.update((d) => ({ ...d, desk: { ...d.desk, domain: e.target.value, channels: channelsOf(d) } }))}
              aria-describedby="desk-domain-hint"
            />
            <small id="desk-domain-hint" className="hint">
              {t('channels.field.deskDomainHint')}
            </small>
            <FieldProblems id="desk-domain-problems" problems={at('desk.domain')} />
          </div>
        )}
        <div className="field">
          <label htmlFor="channel-name">{t('channels.field.name')}</label>
          <input id="channel-name" value={channel.name} readOnly={!isNew} onChange={(e) => set({ name: e.target.value })} />
          <FieldProblems id="channel-name-problems" problems={at(`desk.channels[${index}].name`)} />
        </div>
        <div className="field">
          <label htmlFor="channel-kind">{t('channels.field.kind')}</label>
          <select id="channel-kind" value={channel.kind} disabled={!isNew} onChange={(e) => set({ kind: e.target.value as ChannelDoc['kind'] })}>
            <option value="support">{t('channels.kind.support')}</option>
            <option value="sales">{t('channels.kind.sales')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="channel-public">{t('channels.field.publicAddress')}</label>
          <input
            id="channel-public"
            type="email"
            value={channel.publicAddress ?? ''}
            onChange={(e) => set({ publicAddress: e.target.value || undefined })}
            aria-describedby="channel-public-hint"
          />
          <small id="channel-public-hint" className="hint">
            {t('channels.field.publicAddressHint')}
          </small>
          <FieldProblems id="channel-public-problems" problems={at(`desk.channels[${index}].publicAddress`)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={channel.autoAcknowledge !== false} onChange={(e) => set({ autoAcknowledge: e.target.checked ? undefined : false })} />
          {t('channels.field.autoAcknowledge')}
        </label>
        {channel.kind !== 'sales' && (
          <>
            <label className="check">
              <input type="checkbox" checked={channel.autoAssign === true} onChange={(e) => set({ autoAssign: e.target.checked ? true : undefined })} />
              {t('channels.field.autoAssign')}
            </label>
            <FieldProblems id="channel-assign-problems" problems={at(`desk.channels[${index}].autoAssign`)} />
            <div className="field">
              <label htmlFor="channel-agents">{t('channels.field.agents')}</label>
              <input
                id="channel-agents"
                value={agentsText}
                aria-describedby="channel-agents-hint channel-agents-problems"
                onChange={(e) => {
                  setAgentsText(e.target.value);
                  const agents = e.target.value
                    .split(/[\s,]+/)
                    .map((a) => a.trim())
                    .filter((a) => a !== '');
                  set({ agents: agents.length > 0 ? agents : undefined });
                }}
              />
              <p id="channel-agents-hint" className="hint">
                {t('channels.field.agentsHint')}
              </p>
              <FieldProblems id="channel-agents-problems" problems={at(`desk.channels[${index}].agents`)} />
            </div>
          </>
        )}
        <AutoMail channel={channel} index={index} set={set} at={at} />
      </form>
      <SaveBar editor={editor} saveLabel={isNew ? t('channels.addSave') : undefined} onSaved={onSaved} />
      <p>
        <button type="button" onClick={onClose}>
          {t('routing.cancel')}
        </button>
      </p>
    </section>
  );
}

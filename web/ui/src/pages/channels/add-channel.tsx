/**
 * Adding a desk channel from the console: a new entry under desk.channels (and, for the
 * first one, the desk's domain), saved as a new configuration version; the server then
 * generates the channel's inbound address in the same change.
 */
import { useState, type FormEvent } from 'react';
import { problemsUnder, type ChannelDoc, type ConfigDocument } from '../../api/config-document.js';
import { checkProblems, FieldProblems, SaveBar, useConfigEditor } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';

/** The seed's shape: support@<token>.case.<domain>; a sub-domain of the first hosted domain. */
const suggestedDeskDomain = (doc: ConfigDocument) => (doc.domains?.[0] ? `case.${doc.domains[0]}` : '');

export function AddChannel({ onAdded }: { onAdded: () => void }) {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const [open, setOpen] = useState(false);
  if (!editor.loaded || !editor.draft) return null;
  const draft = editor.draft;
  const channels = draft.desk?.channels ?? [];
  const index = channels.length - 1;
  const channel = open ? channels[index] : undefined;
  const { errors, warnings } = checkProblems(editor.check);
  const at = (sub: string) => problemsUnder([...errors, ...warnings], sub);

  const start = () => {
    editor.update((d) => ({
      ...d,
      desk: { domain: d.desk?.domain ?? suggestedDeskDomain(d), channels: [...(d.desk?.channels ?? []), { name: '', kind: 'support' }] },
    }));
    setOpen(true);
  };
  const set = (patch: Partial<ChannelDoc>) =>
    editor.update((d) => {
      const list = [...(d.desk?.channels ?? [])];
      list[index] = { ...(list[index] as ChannelDoc), ...patch };
      return { ...d, desk: { domain: d.desk?.domain ?? '', channels: list } };
    });
  const submit = (e: FormEvent) => e.preventDefault();

  if (!open || !channel) {
    return (
      <p>
        <button type="button" className="primary" onClick={start}>
          {t('channels.add')}
        </button>
      </p>
    );
  }
  return (
    <section className="panel" aria-labelledby="add-channel-title">
      <h2 id="add-channel-title">{t('channels.addTitle')}</h2>
      <form className="rule-editor" onSubmit={submit}>
        {!editor.loaded.document.desk && (
          <div className="field">
            <label htmlFor="desk-domain">{t('channels.field.deskDomain')}</label>
            <input id="desk-domain" value={draft.desk?.domain ?? ''} onChange={(e) => editor.update((d) => ({ ...d, desk: { domain: e.target.value, channels: d.desk?.channels ?? [] } }))} aria-describedby="desk-domain-hint" />
            <small id="desk-domain-hint" className="hint">
              {t('channels.field.deskDomainHint')}
            </small>
            <FieldProblems id="desk-domain-problems" problems={at('desk.domain')} />
          </div>
        )}
        <div className="field">
          <label htmlFor="channel-name">{t('channels.field.name')}</label>
          <input id="channel-name" value={channel.name} onChange={(e) => set({ name: e.target.value })} />
          <FieldProblems id="channel-name-problems" problems={at(`desk.channels[${index}].name`)} />
        </div>
        <div className="field">
          <label htmlFor="channel-kind">{t('channels.field.kind')}</label>
          <select id="channel-kind" value={channel.kind} onChange={(e) => set({ kind: e.target.value as ChannelDoc['kind'] })}>
            <option value="support">{t('channels.kind.support')}</option>
            <option value="sales">{t('channels.kind.sales')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="channel-public">{t('channels.field.publicAddress')}</label>
          <input id="channel-public" type="email" value={channel.publicAddress ?? ''} onChange={(e) => set({ publicAddress: e.target.value || undefined })} aria-describedby="channel-public-hint" />
          <small id="channel-public-hint" className="hint">
            {t('channels.field.publicAddressHint')}
          </small>
          <FieldProblems id="channel-public-problems" problems={at(`desk.channels[${index}].publicAddress`)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={channel.autoAcknowledge !== false} onChange={(e) => set({ autoAcknowledge: e.target.checked ? undefined : false })} />
          {t('channels.field.autoAcknowledge')}
        </label>
      </form>
      <SaveBar
        editor={editor}
        saveLabel={t('channels.addSave')}
        onSaved={() => {
          setOpen(false);
          onAdded();
        }}
      />
      <p>
        <button
          type="button"
          onClick={() => {
            editor.discard();
            setOpen(false);
          }}
        >
          {t('routing.cancel')}
        </button>
      </p>
    </section>
  );
}

import { useEffect, useState } from 'react';
import type { ConfigDocument, HostDoc } from '../api/config-document.js';
import { FieldProblems, RefusedChange, type ConfigEditor, useCheckedChange, useConfigEditor } from '../components/config-editor.js';
import { describedBy, EntryForm, EntryListPage, entryProblems, TextField, useEntryEditing } from '../components/entry-editing.js';
import { OutboundTest } from '../components/outbound-test.js';
import { useI18n } from '../i18n/i18n.js';
import { AddressListEditor } from './directory/directory-kit.js';
import '../admin.css';
import '../hosts.css';

type Tls = NonNullable<HostDoc['tls']>;
const TLS_MODES: readonly Tls[] = ['none', 'opportunistic', 'required'];
const DEFAULT_PORT = 25;
const BLANK: HostDoc = { name: '', host: '', port: DEFAULT_PORT, tls: 'opportunistic', domains: [] };

/**
 * No smarthost is no key at all, so the exported file stays as short as the admin left it;
 * the rest of `outbound` (its pacing limits) is kept as it was.
 */
function withSmarthost(doc: ConfigDocument, name: string | undefined): ConfigDocument {
  const { outbound: old, ...rest } = doc;
  const { smarthost: _old, ...others } = old ?? {};
  const outbound = name === undefined ? others : { ...others, smarthost: name };
  return Object.keys(outbound).length === 0 ? rest : { ...rest, outbound };
}

/** Hosts: the next hops mail can be routed to, by rule, by domain, or as the smarthost. */
export function HostsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'hosts');
  const { saved: hosts, busy } = entries;
  const smarthost = editor.loaded?.document.outbound?.smarthost;
  const remove = (h: HostDoc, i: number) => {
    if (window.confirm(t('hosts.confirmDelete', { name: h.name }))) void entries.changeSaved((list) => list.filter((_, k) => k !== i));
  };

  return (
    <EntryListPage
      editor={editor}
      entries={entries}
      title="hosts.title"
      intro="hosts.intro"
      empty="hosts.empty"
      add="hosts.add"
      columns={['hosts.col.name', 'hosts.col.host', 'hosts.col.port', 'hosts.col.tls', 'hosts.col.domains', 'hosts.col.smarthost', 'hosts.col.actions']}
      blank={BLANK}
      row={(h, i) => (
        <HostRow key={h.name} host={h} isSmarthost={h.name === smarthost} busy={busy} onEdit={() => entries.startEdit(i)} onDelete={() => remove(h, i)} />
      )}
      form={(open) => (
        <HostForm
          editor={editor}
          index={open.index}
          isNew={open.isNew}
          host={open.entry}
          onChange={entries.set}
          onClose={entries.cancel}
          onSaved={entries.done}
        />
      )}
    >
      <SmarthostSection editor={editor} hosts={hosts} current={smarthost} busy={busy} />
    </EntryListPage>
  );
}

function HostRow(props: { host: HostDoc; isSmarthost: boolean; busy: boolean; onEdit(): void; onDelete(): void }) {
  const { t } = useI18n();
  const { host: h } = props;
  const domains = h.domains ?? [];
  return (
    <tr data-host={h.name}>
      <td>{h.name}</td>
      <td>
        <code>{h.host}</code>
      </td>
      <td>{h.port ?? DEFAULT_PORT}</td>
      <td>{t(`hosts.tls.${h.tls ?? 'opportunistic'}`)}</td>
      <td>{domains.length === 0 ? <span className="muted">{t('hosts.noDomains')}</span> : domains.join(', ')}</td>
      <td>{props.isSmarthost && <span className="badge smarthost-badge">{t('hosts.isSmarthost')}</span>}</td>
      <td>
        <div className="actions">
          <button type="button" disabled={props.busy} aria-label={t('hosts.editLabel', { name: h.name })} onClick={props.onEdit}>
            {t('hosts.edit')}
          </button>
          <button type="button" disabled={props.busy} aria-label={t('hosts.deleteLabel', { name: h.name })} onClick={props.onDelete}>
            {t('hosts.delete')}
          </button>
        </div>
      </td>
    </tr>
  );
}

function HostForm(props: {
  editor: ConfigEditor;
  index: number;
  isNew: boolean;
  host: HostDoc;
  onChange(host: HostDoc): void;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const { editor, index, host } = props;
  const base = `hosts[${index}]`;
  const { all, at } = entryProblems(editor, base);
  const set = (patch: Partial<HostDoc>) => props.onChange({ ...host, ...patch });

  return (
    <EntryForm
      id="host-form"
      title={props.isNew ? t('hosts.addTitle') : t('hosts.editTitle', { name: host.name })}
      editor={editor}
      base={base}
      fields={['name', 'host', 'port', 'tls', 'domains']}
      closeLabel={t('hosts.close')}
      onClose={props.onClose}
      onSaved={props.onSaved}
    >
      <div className="form-grid">
        <TextField
          id="host-name"
          label={t('hosts.name')}
          hint={t('hosts.nameHint')}
          value={host.name}
          placeholder="crm"
          problems={at('name')}
          onChange={(name) => set({ name })}
        />
        <TextField
          id="host-host"
          label={t('hosts.host')}
          value={host.host}
          placeholder="mx.crm.example"
          problems={at('host')}
          onChange={(h) => set({ host: h })}
        />
        <label htmlFor="host-port">{t('hosts.port')}</label>
        <div>
          <input
            id="host-port"
            type="number"
            min={1}
            max={65535}
            value={host.port ?? ''}
            placeholder={String(DEFAULT_PORT)}
            {...describedBy('host-port', at('port'))}
            // An empty field means the default port, which the document leaves out.
            onChange={(e) => set({ port: e.target.value === '' ? undefined : e.target.valueAsNumber })}
          />
          <FieldProblems id="host-port-problems" problems={at('port')} />
        </div>
        <label htmlFor="host-tls">{t('hosts.tls')}</label>
        <div>
          <select
            id="host-tls"
            value={host.tls ?? 'opportunistic'}
            onChange={(e) => set({ tls: TLS_MODES.find((m) => m === e.target.value) ?? 'opportunistic' })}
          >
            {TLS_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`hosts.tls.${m}`)}
              </option>
            ))}
          </select>
          <FieldProblems id="host-tls-problems" problems={at('tls')} />
        </div>
      </div>
      <AddressListEditor
        id="host-domains"
        legend={t('hosts.domains')}
        items={host.domains ?? []}
        itemLabel={(n) => t('hosts.domainN', { n })}
        addLabel={t('hosts.addDomain')}
        removeLabel={(n) => t('hosts.removeDomainN', { n })}
        problemsAt={(j) => at(`domains[${j}]`)}
        onChange={(next) => set({ domains: next })}
      />
      <FieldProblems id="host-domains-problems" problems={all.filter((p) => p.path === `${base}.domains`)} />
    </EntryForm>
  );
}

/** The smarthost, chosen among the saved hosts and saved on its own as a checked change. */
function SmarthostSection(props: { editor: ConfigEditor; hosts: readonly HostDoc[]; current: string | undefined; busy: boolean }) {
  const { t } = useI18n();
  const change = useCheckedChange(props.editor);
  const current = props.current;
  const [choice, setChoice] = useState(current ?? '');
  // A save or another admin's change moves what is in force; the select follows it.
  useEffect(() => setChoice(current ?? ''), [current]);
  const names = props.hosts.map((h) => h.name);
  // A smarthost naming a host that is gone still shows, so the admin sees what is in force.
  const options = props.current !== undefined && !names.includes(props.current) ? [...names, props.current] : names;
  const save = () => void change.apply((doc) => withSmarthost(doc, choice === '' ? undefined : choice));

  return (
    <section className="panel smarthost-panel" aria-labelledby="smarthost-title">
      <h2 id="smarthost-title">{t('hosts.smarthost.title')}</h2>
      <p>{t('hosts.smarthost.intro')}</p>
      <p data-testid="smarthost-current">
        {props.current === undefined ? t('hosts.smarthost.currentNone') : t('hosts.smarthost.current', { name: props.current })}
      </p>
      <RefusedChange problems={change.refused} />
      <div className="add-form">
        <label htmlFor="smarthost">{t('hosts.smarthost.label')}</label>
        <select id="smarthost" value={choice} disabled={props.busy} onChange={(e) => setChoice(e.target.value)}>
          <option value="">{t('hosts.smarthost.none')}</option>
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button type="button" className="primary" disabled={props.busy || choice === (props.current ?? '')} onClick={save}>
          {t('hosts.smarthost.save')}
        </button>
      </div>
      <OutboundTest />
    </section>
  );
}

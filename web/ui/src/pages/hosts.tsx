import { useEffect, useState } from 'react';
import { problemsUnder, type ConfigDocument, type ConfigProblem, type HostDoc } from '../api/config-document.js';
import { checkProblems, FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, type ConfigEditor, useCheckedChange, useConfigEditor } from '../components/config-editor.js';
import { DataTable, useEntryEditing } from '../components/entry-editing.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useI18n } from '../i18n/i18n.js';
import { AddressListEditor } from './directory/directory-kit.js';
import '../admin.css';
import '../hosts.css';

type Tls = NonNullable<HostDoc['tls']>;
const TLS_MODES: readonly Tls[] = ['none', 'opportunistic', 'required'];
const DEFAULT_PORT = 25;
const BLANK: HostDoc = { name: '', host: '', port: DEFAULT_PORT, tls: 'opportunistic', domains: [] };

const hostsOf = (doc: ConfigDocument | null | undefined): HostDoc[] => doc?.hosts ?? [];
const withHosts = (doc: ConfigDocument, hosts: HostDoc[]): ConfigDocument => ({ ...doc, hosts });

/** `outbound` is a section the document passes through untyped; only its smarthost is read. */
function smarthostOf(doc: ConfigDocument | null | undefined): string | undefined {
  const outbound = doc?.outbound;
  if (typeof outbound !== 'object' || outbound === null) return undefined;
  const name = (outbound as { smarthost?: unknown }).smarthost;
  return typeof name === 'string' ? name : undefined;
}

/** No smarthost is no key at all, so the exported file stays as short as the admin left it. */
function withSmarthost(doc: ConfigDocument, name: string | undefined): ConfigDocument {
  const { outbound: _old, ...rest } = doc;
  return name === undefined ? rest : { ...rest, outbound: { smarthost: name } };
}

/** Hosts: the next hops mail can be routed to, by rule, by domain, or as the smarthost. */
export function HostsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'hosts');

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const { saved: hosts, open, busy } = entries;
  const smarthost = smarthostOf(editor.loaded.document);
  const remove = (h: HostDoc, i: number) => {
    if (window.confirm(t('hosts.confirmDelete', { name: h.name }))) void entries.changeSaved((list) => list.filter((_, k) => k !== i));
  };

  return (
    <>
      <h1>{t('hosts.title')}</h1>
      <p>{t('hosts.intro')}</p>
      <RefusedChange problems={entries.refused} />
      {hosts.length === 0 ? (
        <p className="empty">{t('hosts.empty')}</p>
      ) : (
        <DataTable columns={['hosts.col.name', 'hosts.col.host', 'hosts.col.port', 'hosts.col.tls', 'hosts.col.domains', 'hosts.col.smarthost', 'hosts.col.actions']}>
          {hosts.map((h, i) => (
            <HostRow key={h.name} host={h} isSmarthost={h.name === smarthost} busy={busy} onEdit={() => entries.startEdit(i)} onDelete={() => remove(h, i)} />
          ))}
        </DataTable>
      )}
      {open ? (
        <HostForm editor={editor} index={open.index} isNew={open.isNew} host={open.entry} onChange={entries.set} onClose={entries.cancel} onSaved={entries.done} />
      ) : (
        <p>
          <button type="button" className="primary" disabled={editor.saving} onClick={() => entries.startAdd(BLANK)}>
            {t('hosts.add')}
          </button>
        </p>
      )}
      {!open && editor.saveError && <ErrorNote error={editor.saveError} />}
      <SmarthostSection editor={editor} hosts={hosts} current={smarthost} busy={busy} />
    </>
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

/** An input's wiring to the problems the check found for it. */
function problemAttrs(id: string, problems: readonly ConfigProblem[]) {
  return {
    'aria-invalid': problems.some((p) => p.severity === 'error') || undefined,
    'aria-describedby': problems.length > 0 ? `${id}-problems` : undefined,
  };
}

function HostForm(props: { editor: ConfigEditor; index: number; isNew: boolean; host: HostDoc; onChange(host: HostDoc): void; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { editor, index, host } = props;
  const base = `hosts[${index}]`;
  const { errors, warnings } = checkProblems(editor.check);
  const all: ConfigProblem[] = [...errors, ...warnings];
  const at = (field: string) => problemsUnder(all, `${base}.${field}`);
  const set = (patch: Partial<HostDoc>) => props.onChange({ ...host, ...patch });
  const fields = ['name', 'host', 'port', 'tls', 'domains'].map((f) => `${base}.${f}`);

  return (
    <section className="entry-form" aria-labelledby="host-form-title">
      <h2 id="host-form-title">{props.isNew ? t('hosts.addTitle') : t('hosts.editTitle', { name: host.name })}</h2>
      <div className="form-grid">
        <label htmlFor="host-name">{t('hosts.name')}</label>
        <div>
          <input
            id="host-name"
            value={host.name}
            placeholder="crm"
            autoComplete="off"
            spellCheck={false}
            {...problemAttrs('host-name', at('name'))}
            aria-describedby={['host-name-hint', ...(at('name').length > 0 ? ['host-name-problems'] : [])].join(' ')}
            onChange={(e) => set({ name: e.target.value })}
          />
          <p id="host-name-hint" className="field-hint">{t('hosts.nameHint')}</p>
          <FieldProblems id="host-name-problems" problems={at('name')} />
        </div>
        <label htmlFor="host-host">{t('hosts.host')}</label>
        <div>
          <input id="host-host" value={host.host} placeholder="mx.crm.example" autoComplete="off" spellCheck={false} {...problemAttrs('host-host', at('host'))} onChange={(e) => set({ host: e.target.value })} />
          <FieldProblems id="host-host-problems" problems={at('host')} />
        </div>
        <label htmlFor="host-port">{t('hosts.port')}</label>
        <div>
          <input
            id="host-port"
            type="number"
            min={1}
            max={65535}
            value={host.port ?? ''}
            placeholder={String(DEFAULT_PORT)}
            {...problemAttrs('host-port', at('port'))}
            // An empty field means the default port, which the document leaves out.
            onChange={(e) => set({ port: e.target.value === '' ? undefined : e.target.valueAsNumber })}
          />
          <FieldProblems id="host-port-problems" problems={at('port')} />
        </div>
        <label htmlFor="host-tls">{t('hosts.tls')}</label>
        <div>
          <select id="host-tls" value={host.tls ?? 'opportunistic'} onChange={(e) => set({ tls: TLS_MODES.find((m) => m === e.target.value) ?? 'opportunistic' })}>
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
        problemsAt={(j) => problemsUnder(all, `${base}.domains[${j}]`)}
        onChange={(next) => set({ domains: next })}
      />
      <FieldProblems id="host-domains-problems" problems={all.filter((p) => p.path === `${base}.domains`)} />
      <OtherProblems problems={problemsElsewhere(all, fields)} />
      <SaveBar editor={editor} onSaved={props.onSaved} />
      <p>
        <button type="button" onClick={props.onClose}>
          {t('hosts.close')}
        </button>
      </p>
    </section>
  );
}

/** The smarthost, chosen among the saved hosts and saved on its own as a checked change. */
function SmarthostSection(props: { editor: ConfigEditor; hosts: readonly HostDoc[]; current: string | undefined; busy: boolean }) {
  const { t } = useI18n();
  const change = useCheckedChange(props.editor);
  const [choice, setChoice] = useState(props.current ?? '');
  // A save or another admin's change moves what is in force; the select follows it.
  useEffect(() => setChoice(props.current ?? ''), [props.current]);
  const names = props.hosts.map((h) => h.name);
  // A smarthost naming a host that is gone still shows, so the admin sees what is in force.
  const options = props.current !== undefined && !names.includes(props.current) ? [...names, props.current] : names;
  const save = () => void change.apply((doc) => withSmarthost(doc, choice === '' ? undefined : choice));

  return (
    <section className="panel smarthost-panel" aria-labelledby="smarthost-title">
      <h2 id="smarthost-title">{t('hosts.smarthost.title')}</h2>
      <p>{t('hosts.smarthost.intro')}</p>
      <p data-testid="smarthost-current">{props.current === undefined ? t('hosts.smarthost.currentNone') : t('hosts.smarthost.current', { name: props.current })}</p>
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
    </section>
  );
}

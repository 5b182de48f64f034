/**
 * The rule editor, in the sections of the Gmail console's "Add setting" dialog: the envelope
 * recipients to match, what to do, and for which addresses. Each field shows the server's
 * check of the whole configuration as the admin types (FieldProblems), so an invalid
 * pattern, a missing route or an address a user holds is named where it is written.
 */
import { useId, useState, type ReactNode } from 'react';
import { problemsUnder, type ConfigProblem, type RuleDoc } from '../../api/config-document.js';
import { FieldProblems } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';
import { addedRecipient } from './rule-text.js';

type MatchKind = 'single' | 'pattern' | 'group' | 'all';
type ChangeKind = 'replaceRecipient' | 'replaceUsername' | 'replaceDomain';
type Modify = NonNullable<RuleDoc['modify']>;

const MATCH_KINDS: readonly MatchKind[] = ['single', 'pattern', 'group', 'all'];
const CHANGE_KINDS: readonly ChangeKind[] = ['replaceRecipient', 'replaceUsername', 'replaceDomain'];

export interface RuleEditorProps {
  readonly rule: RuleDoc;
  readonly index: number;
  readonly problems: readonly ConfigProblem[];
  readonly hosts: readonly string[];
  readonly groups: readonly string[];
  onChange(rule: RuleDoc): void;
}

export function RuleEditor({ rule, index, problems, hosts, groups, onChange }: RuleEditorProps) {
  const { t } = useI18n();
  const id = useId();
  const at = (sub: string) => problemsUnder(problems, `defaultRouting[${index}].${sub}`);
  const modify: Modify = rule.modify ?? {};
  const setModify = (change: (m: Modify) => Modify) => onChange({ ...rule, modify: change({ ...modify }) });
  const matchKind: MatchKind = (MATCH_KINDS.find((k) => rule.match[k] !== undefined) ?? 'all') as MatchKind;
  const action = rule.action ?? 'modify';

  return (
    <div className="rule-editor">
      <Field id={`${id}-desc`} label={t('routing.field.description')} problems={at('description')}>
        {(props) => <input {...props} value={rule.description} onChange={(e) => onChange({ ...rule, description: e.target.value })} />}
      </Field>

      <fieldset>
        <legend>{t('routing.section.match')}</legend>
        <div className="choices">
          {MATCH_KINDS.map((k) => (
            <label key={k} className="radio">
              <input
                type="radio"
                name={`${id}-match`}
                checked={matchKind === k}
                onChange={() =>
                  onChange({ ...rule, match: k === 'all' ? { all: true } : { [k]: rule.match[matchKind] === true ? '' : String(rule.match[matchKind] ?? '') } })
                }
              />
              {t(`routing.match.${k}`)}
            </label>
          ))}
        </div>
        {matchKind !== 'all' && (
          <Field id={`${id}-match-value`} label={t(`routing.match.${matchKind}.value`)} hint={t(`routing.match.${matchKind}.hint`)} problems={at('match')}>
            {(props) => (
              <>
                <input
                  {...props}
                  list={matchKind === 'group' ? `${id}-groups` : undefined}
                  value={String(rule.match[matchKind] ?? '')}
                  onChange={(e) => onChange({ ...rule, match: { [matchKind]: e.target.value } })}
                />
                {matchKind === 'group' && (
                  <datalist id={`${id}-groups`}>
                    {groups.map((g) => (
                      <option key={g} value={g} />
                    ))}
                  </datalist>
                )}
              </>
            )}
          </Field>
        )}
        {matchKind === 'all' && <FieldProblems id={`${id}-match-problems`} problems={at('match')} />}
      </fieldset>

      <fieldset>
        <legend>{t('routing.section.action')}</legend>
        <label htmlFor={`${id}-action`}>{t('routing.field.action')}</label>
        <select
          id={`${id}-action`}
          value={action}
          onChange={(e) => {
            const next = e.target.value as 'modify' | 'reject' | 'quarantine';
            const { rejectText: _r, modify: _m, action: _a, ...rest } = rule;
            onChange(
              next === 'modify'
                ? { ...rest, modify }
                : next === 'reject'
                  ? { ...rest, action: next, ...(rule.rejectText ? { rejectText: rule.rejectText } : {}) }
                  : { ...rest, action: next },
            );
          }}
        >
          <option value="modify">{t('routing.action.modify')}</option>
          <option value="reject">{t('routing.action.reject')}</option>
          <option value="quarantine">{t('routing.action.quarantine')}</option>
        </select>
        {action === 'reject' && (
          <Field id={`${id}-reject`} label={t('routing.field.rejectText')} problems={at('rejectText')}>
            {(props) => <input {...props} value={rule.rejectText ?? ''} onChange={(e) => onChange({ ...rule, rejectText: e.target.value || undefined })} />}
          </Field>
        )}
        {action === 'modify' && <ModifySections modify={modify} setModify={setModify} at={at} hosts={hosts} idBase={id} />}
      </fieldset>

      <fieldset>
        <legend>{t('routing.section.options')}</legend>
        <label className="radio">
          <input type="radio" name={`${id}-recognized`} checked={!rule.recognizedAddresses} onChange={() => onChange(without(rule, 'recognizedAddresses'))} />
          {t('routing.option.nonRecognized')}
        </label>
        <label className="radio">
          <input
            type="radio"
            name={`${id}-recognized`}
            checked={!!rule.recognizedAddresses}
            onChange={() => onChange({ ...rule, recognizedAddresses: true })}
          />
          {t('routing.option.all')}
        </label>
      </fieldset>

      <label className="check">
        <input
          type="checkbox"
          checked={rule.enabled !== false}
          onChange={(e) => onChange(e.target.checked ? without(rule, 'enabled') : { ...rule, enabled: false })}
        />
        {t('routing.field.enabled')}
      </label>
    </div>
  );
}

function ModifySections({
  modify,
  setModify,
  at,
  hosts,
  idBase,
}: {
  modify: Modify;
  setModify: (change: (m: Modify) => Modify) => void;
  at: (sub: string) => ConfigProblem[];
  hosts: readonly string[];
  idBase: string;
}) {
  const { t } = useI18n();
  const change = modify.changeEnvelopeRecipient;
  const changeKind: ChangeKind = CHANGE_KINDS.find((k) => change?.[k] !== undefined) ?? 'replaceRecipient';
  const added = (modify.addRecipients ?? []).map(addedRecipient);
  const setAdded = (list: ReturnType<typeof addedRecipient>[]) => setModify((m) => (list.length ? { ...m, addRecipients: list } : without(m, 'addRecipients')));
  const toggle = <K extends keyof Modify>(key: K, on: boolean, value: Modify[K]) => setModify((m) => (on ? { ...m, [key]: value } : without(m, key)));

  return (
    <>
      <fieldset className="subsection">
        <legend>{t('routing.section.envelopeRecipient')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!change} onChange={(e) => toggle('changeEnvelopeRecipient', e.target.checked, { replaceRecipient: '' })} />
          {t('routing.field.changeRecipient')}
        </label>
        {change && (
          <>
            <div className="choices">
              {CHANGE_KINDS.map((k) => (
                <label key={k} className="radio">
                  <input
                    type="radio"
                    name={`${idBase}-change`}
                    checked={changeKind === k}
                    onChange={() => setModify((m) => ({ ...m, changeEnvelopeRecipient: { [k]: change[changeKind] ?? '' } }))}
                  />
                  {t(`routing.change.${k}`)}
                </label>
              ))}
            </div>
            <Field
              id={`${idBase}-change-value`}
              label={t(`routing.change.${changeKind}.value`)}
              hint={t(`routing.change.${changeKind}.hint`)}
              problems={at('modify.changeEnvelopeRecipient')}
            >
              {(props) => (
                <input
                  {...props}
                  value={change[changeKind] ?? ''}
                  onChange={(e) => setModify((m) => ({ ...m, changeEnvelopeRecipient: { [changeKind]: e.target.value } }))}
                />
              )}
            </Field>
          </>
        )}
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.spam')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!modify.bypassSpamFilter} onChange={(e) => toggle('bypassSpamFilter', e.target.checked, true)} />
          {t('routing.field.bypassSpam')}
        </label>
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.alsoDeliver')}</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={added.length > 0}
            onChange={(e) => setAdded(e.target.checked ? [{ address: '', doNotDeliverSpam: true, suppressBounces: true }] : [])}
          />
          {t('routing.field.addRecipients')}
        </label>
        {added.length > 0 && (
          <ol className="added-recipients">
            {added.map((a, j) => {
              const set = (patch: Partial<typeof a>) => setAdded(added.map((x, k) => (k === j ? { ...x, ...patch } : x)));
              return (
                <li key={j}>
                  <Field id={`${idBase}-added-${j}`} label={t('routing.field.addedAddress', { n: j + 1 })} problems={at(`modify.addRecipients[${j}]`)}>
                    {(props) => <input {...props} type="email" value={a.address} onChange={(e) => set({ address: e.target.value })} />}
                  </Field>
                  <label className="check">
                    <input type="checkbox" checked={a.doNotDeliverSpam} onChange={(e) => set({ doNotDeliverSpam: e.target.checked })} />
                    {t('routing.field.doNotDeliverSpam')}
                  </label>
                  <label className="check">
                    <input type="checkbox" checked={a.suppressBounces} onChange={(e) => set({ suppressBounces: e.target.checked })} />
                    {t('routing.field.suppressBounces')}
                  </label>
                  <button type="button" onClick={() => setAdded(added.filter((_, k) => k !== j))} aria-label={t('routing.removeRecipientLabel', { n: j + 1 })}>
                    {t('routing.remove')}
                  </button>
                </li>
              );
            })}
          </ol>
        )}
        {added.length > 0 && (
          <button type="button" onClick={() => setAdded([...added, { address: '', doNotDeliverSpam: true, suppressBounces: true }])}>
            {t('routing.addRecipient')}
          </button>
        )}
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.headers')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!modify.addXOriginalToHeader} onChange={(e) => toggle('addXOriginalToHeader', e.target.checked, true)} />
          {t('routing.field.xOriginalTo')}
        </label>
        <label className="check">
          <input type="checkbox" checked={!!modify.addSpamHeaders} onChange={(e) => toggle('addSpamHeaders', e.target.checked, true)} />
          {t('routing.field.spamHeaders')}
        </label>
        <CustomHeaders
          value={modify.customHeaders ?? {}}
          onChange={(h) => toggle('customHeaders', Object.keys(h).length > 0, h)}
          problems={at('modify.customHeaders')}
          idBase={idBase}
        />
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.subject')}</legend>
        <label className="check">
          <input type="checkbox" checked={modify.prependSubject !== undefined} onChange={(e) => toggle('prependSubject', e.target.checked, '')} />
          {t('routing.field.prependSubject')}
        </label>
        {modify.prependSubject !== undefined && (
          <Field id={`${idBase}-subject`} label={t('routing.field.subjectPrefix')} problems={at('modify.prependSubject')}>
            {(props) => <input {...props} value={modify.prependSubject ?? ''} onChange={(e) => setModify((m) => ({ ...m, prependSubject: e.target.value }))} />}
          </Field>
        )}
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.route')}</legend>
        <label className="check">
          <input type="checkbox" checked={modify.changeRoute !== undefined} onChange={(e) => toggle('changeRoute', e.target.checked, hosts[0] ?? '')} />
          {t('routing.field.changeRoute')}
        </label>
        {modify.changeRoute !== undefined && (
          <Field
            id={`${idBase}-route`}
            label={t('routing.field.route')}
            hint={hosts.length === 0 ? t('routing.noHosts') : undefined}
            problems={at('modify.changeRoute')}
          >
            {(props) => (
              <select {...props} value={modify.changeRoute ?? ''} onChange={(e) => setModify((m) => ({ ...m, changeRoute: e.target.value }))}>
                {/* A route that no longer exists stays visible, so the check can name it. */}
                {[...new Set([...(modify.changeRoute ? [modify.changeRoute] : []), ...hosts])].map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
                {hosts.length === 0 && !modify.changeRoute && <option value="">{t('routing.noHostsOption')}</option>}
              </select>
            )}
          </Field>
        )}
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.tls')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!modify.requireTls} onChange={(e) => toggle('requireTls', e.target.checked, true)} />
          {t('routing.field.requireTls')}
        </label>
      </fieldset>

      <fieldset className="subsection">
        <legend>{t('routing.section.attachments')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!modify.removeAttachments} onChange={(e) => toggle('removeAttachments', e.target.checked, true)} />
          {t('routing.field.removeAttachments')}
        </label>
      </fieldset>
    </>
  );
}

/** Custom headers as rows; a row without a name is kept on screen but not in the file yet. */
function CustomHeaders({
  value,
  onChange,
  problems,
  idBase,
}: {
  value: Record<string, string>;
  onChange: (h: Record<string, string>) => void;
  problems: ConfigProblem[];
  idBase: string;
}) {
  const { t } = useI18n();
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(value));
  const update = (next: [string, string][]) => {
    setRows(next);
    onChange(Object.fromEntries(next.filter(([name]) => name.trim() !== '')));
  };
  return (
    <div className="custom-headers">
      {rows.map(([name, val], j) => (
        <div key={j} className="field-inline">
          <label>
            {t('routing.field.headerName', { n: j + 1 })}
            <input value={name} onChange={(e) => update(rows.map((r, k) => (k === j ? [e.target.value, r[1]] : r)))} />
          </label>
          <label>
            {t('routing.field.headerValue', { n: j + 1 })}
            <input value={val} onChange={(e) => update(rows.map((r, k) => (k === j ? [r[0], e.target.value] : r)))} />
          </label>
          <button type="button" onClick={() => update(rows.filter((_, k) => k !== j))} aria-label={t('routing.removeHeaderLabel', { n: j + 1 })}>
            {t('routing.remove')}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => update([...rows, ['', '']])}>
        {t('routing.addHeader')}
      </button>
      <FieldProblems id={`${idBase}-headers-problems`} problems={problems} />
    </div>
  );
}

/** A labelled control with its hint and problems, tied together for screen readers. */
function Field({
  id,
  label,
  hint,
  problems,
  children,
}: {
  id: string;
  label: string;
  hint?: string | undefined;
  problems: readonly ConfigProblem[];
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const hintId = `${id}-hint`;
  const problemsId = `${id}-problems`;
  const described = [hint ? hintId : '', problems.length ? problemsId : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(described ? { 'aria-describedby': described } : {}),
        ...(problems.some((p) => p.severity === 'error') ? { 'aria-invalid': true } : {}),
      })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      <FieldProblems id={problemsId} problems={problems} />
    </div>
  );
}

function without<T extends object, K extends keyof T>(obj: T, key: K): T {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

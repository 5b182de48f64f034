/**
 * Default routing, as the seed walks it: the table of rules, "Configure" / "Add another
 * rule" opening the rule editor, Save putting the rule in force, and "Test the route".
 * Rules are the configuration's defaultRouting list; every change is a new version.
 */
import { useState } from 'react';
import { problemsUnder, type ConfigDocument, type RuleDoc } from '../api/config-document.js';
import { checkProblems, OtherProblems, RefusedChange, SaveBar, useCheckedChange, useConfigEditor } from '../components/config-editor.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useI18n } from '../i18n/i18n.js';
import { RuleEditor } from './routing/rule-editor.js';
import { actionText, matchText, NEW_RULE, testAddressOf } from './routing/rule-text.js';
import { RouteTest } from './routing/route-test.js';

const rulesOf = (doc: ConfigDocument | null): RuleDoc[] => doc?.defaultRouting ?? [];

export function RoutingPage() {
  const { t, formatTime } = useI18n();
  const editor = useConfigEditor();
  const [editing, setEditing] = useState<{ index: number; isNew: boolean } | null>(null);
  const [testing, setTesting] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const change = useCheckedChange(editor);

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const { loaded, draft } = editor;
  const rules = rulesOf(loaded.document);
  const hosts = (draft.hosts ?? []).map((h) => h.name);
  const groups = (draft.groups ?? []).map((g) => g.address);

  const open = (index: number, isNew: boolean) => {
    setTesting(null);
    setNotice('');
    if (isNew) editor.update((d) => ({ ...d, defaultRouting: [...rulesOf(d), structuredClone(NEW_RULE)] }));
    setEditing({ index, isNew });
  };
  const close = () => {
    editor.discard();
    setEditing(null);
  };
  /** One-click changes (enable, reorder, delete) save the loaded document changed at once. */
  const saveNow = async (edit: (list: RuleDoc[]) => RuleDoc[], done: string) => {
    setNotice('');
    const r = await change.apply((doc) => ({ ...doc, defaultRouting: edit(rulesOf(doc)) }));
    if (r) setNotice(`${done} ${t('configEdit.saved', { version: r.version, active: r.activeVersion })}`);
  };
  const move = (i: number, by: -1 | 1) =>
    void saveNow((list) => {
      const [r] = list.splice(i, 1);
      list.splice(i + by, 0, r as RuleDoc);
      return list;
    }, t('routing.moved', { description: rules[i]?.description ?? '' }));
  const busy = editor.saving || editing !== null;
  const { errors, warnings } = checkProblems(editor.check);
  const problems = [...errors, ...warnings];
  const editedRule = editing ? rulesOf(draft)[editing.index] : undefined;

  return (
    <>
      <h1>{t('routing.title')}</h1>
      <p>{t('routing.intro')}</p>
      <p className="in-force" data-testid="routing-version">
        {loaded.version === 0
          ? t('routing.noVersion')
          : loaded.activeVersion === loaded.version
            ? t('routing.inForce', { version: loaded.version })
            : t('routing.notYet', { version: loaded.version, active: loaded.activeVersion })}
      </p>
      <p role="status" aria-live="polite" className="ok">
        {notice}
      </p>
      {!editing && editor.saveError && <ErrorNote error={editor.saveError} />}
      <RefusedChange problems={change.refused} />

      {rules.length === 0 ? (
        <p className="empty">{t('routing.empty')}</p>
      ) : (
        <table className="list routing-rules">
          <caption className="visually-hidden">{t('routing.tableCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('routing.col.order')}</th>
              <th scope="col">{t('routing.col.description')}</th>
              <th scope="col">{t('routing.col.match')}</th>
              <th scope="col">{t('routing.col.action')}</th>
              <th scope="col">{t('routing.col.enabled')}</th>
              <th scope="col">{t('routing.col.changed')}</th>
              <th scope="col">{t('routing.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) => {
              const change = loaded.ruleChanges[i];
              return (
                <tr key={`${i}-${r.description}`} data-rule={r.description}>
                  <td>{i + 1}</td>
                  <td>{r.description}</td>
                  <td>
                    <code>{matchText(r, t)}</code>
                  </td>
                  <td>{actionText(r, t)}</td>
                  <td>
                    <span className={`badge ${r.enabled === false ? 'rule-disabled' : 'rule-enabled'}`}>{r.enabled === false ? t('routing.disabled') : t('routing.enabled')}</span>
                  </td>
                  <td>
                    {change ? (
                      <>
                        {change.changedBy}
                        <br />
                        <time dateTime={change.changedAt}>{change.orEarlier ? t('routing.orEarlier', { time: formatTime(change.changedAt) }) : formatTime(change.changedAt)}</time>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <div className="actions">
                      <button type="button" disabled={busy} onClick={() => open(i, false)} aria-label={t('routing.editLabel', { description: r.description })}>
                        {t('routing.edit')}
                      </button>
                      <button type="button" disabled={busy} onClick={() => setTesting(i)} aria-label={t('routing.testLabel', { description: r.description })}>
                        {t('routing.test')}
                      </button>
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() =>
                          void saveNow(
                            (list) => list.map((x, k) => (k === i ? toggleEnabled(x) : x)),
                            t(r.enabled === false ? 'routing.enabledNotice' : 'routing.disabledNotice', { description: r.description }),
                          )
                        }
                        aria-label={t(r.enabled === false ? 'routing.enableLabel' : 'routing.disableLabel', { description: r.description })}
                      >
                        {r.enabled === false ? t('routing.enable') : t('routing.disable')}
                      </button>
                      <button type="button" disabled={busy || i === 0} onClick={() => move(i, -1)} aria-label={t('routing.upLabel', { description: r.description })}>
                        ↑
                      </button>
                      <button type="button" disabled={busy || i === rules.length - 1} onClick={() => move(i, 1)} aria-label={t('routing.downLabel', { description: r.description })}>
                        ↓
                      </button>
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => {
                          if (!window.confirm(t('routing.confirmDelete', { description: r.description }))) return;
                          void saveNow((list) => list.filter((_, k) => k !== i), t('routing.deleted', { description: r.description }));
                        }}
                        aria-label={t('routing.deleteLabel', { description: r.description })}
                      >
                        {t('routing.delete')}
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {!editing && (
        <p>
          <button type="button" className="primary" disabled={busy} onClick={() => open(rulesOf(draft).length, true)}>
            {rules.length === 0 ? t('routing.configure') : t('routing.addAnother')}
          </button>
        </p>
      )}

      {testing !== null && rules[testing] && <RouteTest key={testing} initialAddress={testAddressOf(rules[testing])} rule={rules[testing].description} onClose={() => setTesting(null)} />}

      {editing && editedRule && (
        <section className="panel" aria-labelledby="rule-editor-title">
          <h2 id="rule-editor-title">{editing.isNew ? t('routing.newRule') : t('routing.editRule', { description: rules[editing.index]?.description ?? '' })}</h2>
          <RuleEditor
            rule={editedRule}
            index={editing.index}
            problems={problemsUnder(problems, `defaultRouting[${editing.index}]`)}
            hosts={hosts}
            groups={groups}
            onChange={(rule) => editor.update((d) => ({ ...d, defaultRouting: rulesOf(d).map((x, k) => (k === editing.index ? rule : x)) }))}
          />
          <OtherProblems problems={problems.filter((p) => !p.path.startsWith(`defaultRouting[${editing.index}]`))} />
          <SaveBar
            editor={editor}
            onSaved={(r) => {
              setEditing(null);
              setNotice(`${t('routing.savedRule', { description: editedRule.description })} ${t('configEdit.saved', { version: r.version, active: r.activeVersion })}`);
            }}
          />
          <p>
            <button type="button" onClick={close}>
              {t('routing.cancel')}
            </button>
          </p>
        </section>
      )}
    </>
  );
}

function toggleEnabled(rule: RuleDoc): RuleDoc {
  if (rule.enabled === false) {
    const { enabled: _e, ...rest } = rule;
    return rest;
  }
  return { ...rule, enabled: false };
}

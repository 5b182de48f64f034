/**
 * Default routing, as the seed walks it: the table of rules, "Configure" / "Add another
 * rule" opening the rule editor, Save putting the rule in force, and "Test the route"; before
 * saving, "Why does mail go there?" and "Preview against recent mail".
 * Rules are the configuration's defaultRouting list; every change is a new version.
 */
import { useEffect, useState } from 'react';
import { checkConfigDocument, problemsUnder, type ConfigDocument, type ConfigProblem, type RuleDoc } from '../api/config-document.js';
import { checkProblems, OtherProblems, RefusedChange, SaveBar, useConfigEditor, useProblemText } from '../components/config-editor.js';
import { DataTable, useEntryEditing } from '../components/entry-editing.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useI18n } from '../i18n/i18n.js';
import { RuleEditor } from './routing/rule-editor.js';
import { actionText, matchText, NEW_RULE, testAddressOf } from './routing/rule-text.js';
import { ExplainPanel } from './routing/explain-panel.js';
import { ReplayPreview } from './routing/replay-preview.js';
import { RouteTest } from './routing/route-test.js';
import { actorText } from '../components/actor.js';

export function RoutingPage() {
  const { t, formatTime } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'defaultRouting');
  const [testing, setTesting] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const deskFlags = useDeskAddressFlags(editor.loaded?.document ?? null);
  const say = useProblemText();

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const { loaded, draft } = editor;
  const { saved: rules, open: editing, busy } = entries;
  const hosts = (draft.hosts ?? []).map((h) => h.name);
  const groups = (draft.groups ?? []).map((g) => g.address);

  const open = (index: number | null) => {
    setTesting(null);
    setNotice('');
    if (index === null) entries.startAdd(NEW_RULE);
    else entries.startEdit(index);
  };
  /** One-click changes (enable, reorder, delete) save the saved rules changed at once. */
  const saveNow = async (edit: (list: RuleDoc[]) => RuleDoc[], done: string) => {
    setNotice('');
    const r = await entries.changeSaved(edit);
    if (r) setNotice(`${done} ${t('configEdit.saved', { version: r.version, active: r.activeVersion })}`);
  };
  const move = (i: number, by: -1 | 1) =>
    void saveNow(
      (list) => {
        const [r] = list.splice(i, 1);
        list.splice(i + by, 0, r as RuleDoc);
        return list;
      },
      t('routing.moved', { description: rules[i]?.description ?? '' }),
    );
  const { errors, warnings } = checkProblems(editor.check);
  const problems = [...errors, ...warnings];

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
      <RefusedChange problems={entries.refused} />

      {rules.length === 0 ? (
        <p className="empty">{t('routing.empty')}</p>
      ) : (
        <DataTable
          className="routing-rules"
          caption={t('routing.tableCaption')}
          columns={[
            'routing.col.order',
            'routing.col.description',
            'routing.col.match',
            'routing.col.action',
            'routing.col.enabled',
            'routing.col.changed',
            'routing.col.actions',
          ]}
        >
          {rules.map((r, i) => {
            const change = loaded.ruleChanges[i];
            const flags = deskFlags.get(i) ?? [];
            return (
              <tr key={`${i}-${r.description}`} data-rule={r.description}>
                <td>{i + 1}</td>
                <td>
                  {r.description}
                  {flags.length > 0 && (
                    <>
                      {' '}
                      <span className="badge rule-desk-address" data-testid="rule-desk-flag" title={flags.map(say).join('\n')}>
                        {flags.some((f) => f.code.startsWith('desk-address-retired')) ? t('routing.flag.retired') : t('routing.flag.unknown')}
                      </span>
                      <span className="visually-hidden">{flags.map(say).join(' ')}</span>
                    </>
                  )}
                </td>
                <td>
                  <code>{matchText(r, t)}</code>
                </td>
                <td>{actionText(r, t)}</td>
                <td>
                  <span className={`badge ${r.enabled === false ? 'rule-disabled' : 'rule-enabled'}`}>
                    {r.enabled === false ? t('routing.disabled') : t('routing.enabled')}
                  </span>
                </td>
                <td>
                  {change ? (
                    <>
                      <span title={change.changedBy}>{actorText(t, change.changedByActor)}</span>
                      <br />
                      <time dateTime={change.changedAt}>
                        {change.orEarlier ? t('routing.orEarlier', { time: formatTime(change.changedAt) }) : formatTime(change.changedAt)}
                      </time>
                    </>
                  ) : null}
                </td>
                <td>
                  <div className="actions">
                    <button type="button" disabled={busy} onClick={() => open(i)} aria-label={t('routing.editLabel', { description: r.description })}>
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
                    <button
                      type="button"
                      disabled={busy || i === 0}
                      onClick={() => move(i, -1)}
                      aria-label={t('routing.upLabel', { description: r.description })}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      disabled={busy || i === rules.length - 1}
                      onClick={() => move(i, 1)}
                      aria-label={t('routing.downLabel', { description: r.description })}
                    >
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
        </DataTable>
      )}

      {!editing && (
        <p>
          <button type="button" className="primary" disabled={busy} onClick={() => open(null)}>
            {rules.length === 0 ? t('routing.configure') : t('routing.addAnother')}
          </button>
        </p>
      )}

      {testing !== null && rules[testing] && (
        <RouteTest key={testing} initialAddress={testAddressOf(rules[testing])} rule={rules[testing].description} onClose={() => setTesting(null)} />
      )}

      {editing && (
        <section className="panel" aria-labelledby="rule-editor-title">
          <h2 id="rule-editor-title">
            {editing.isNew ? t('routing.newRule') : t('routing.editRule', { description: rules[editing.index]?.description ?? '' })}
          </h2>
          <RuleEditor
            rule={editing.entry}
            index={editing.index}
            problems={problemsUnder(problems, `defaultRouting[${editing.index}]`)}
            hosts={hosts}
            groups={groups}
            onChange={entries.set}
          />
          <OtherProblems problems={problems.filter((p) => !p.path.startsWith(`defaultRouting[${editing.index}]`))} />
          <ReplayPreview draft={draft} blocked={errors.length > 0 || editor.check.kind === 'checking'} />
          <SaveBar
            editor={editor}
            onSaved={(r) => {
              entries.done();
              setNotice(
                `${t('routing.savedRule', { description: editing.entry.description })} ${t('configEdit.saved', { version: r.version, active: r.activeVersion })}`,
              );
            }}
          />
          <p>
            <button type="button" onClick={entries.cancel}>
              {t('routing.cancel')}
            </button>
          </p>
        </section>
      )}

      <ExplainPanel draft={editor.dirty ? draft : null} />
    </>
  );
}

/**
 * The saved rules' warnings about desk addresses (retired by a rotation, or no channel's),
 * by rule index: the server's own check of the document, so the table says what apply says.
 */
function useDeskAddressFlags(document: ConfigDocument | null): Map<number, ConfigProblem[]> {
  const [flags, setFlags] = useState(new Map<number, ConfigProblem[]>());
  useEffect(() => {
    if (!document) return;
    let stale = false;
    checkConfigDocument(document).then(
      (r) => {
        if (stale) return;
        const byRule = new Map<number, ConfigProblem[]>();
        for (const w of r.warnings) {
          const index = /^defaultRouting\[(\d+)\]/.exec(w.path)?.[1];
          if (!w.code.startsWith('desk-address-') || index === undefined) continue;
          byRule.set(Number(index), [...(byRule.get(Number(index)) ?? []), w]);
        }
        setFlags(byRule);
      },
      // The flag is a help, not the page: without the check the table still shows the rules.
      () => !stale && setFlags(new Map()),
    );
    return () => {
      stale = true;
    };
  }, [document]);
  return flags;
}

function toggleEnabled(rule: RuleDoc): RuleDoc {
  if (rule.enabled === false) {
    const { enabled: _e, ...rest } = rule;
    return rest;
  }
  return { ...rule, enabled: false };
}

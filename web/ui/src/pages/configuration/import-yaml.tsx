import { useState, type ChangeEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { ErrorNote } from '../../components/status.js';
import { useProblemText } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';
import { applyConfigText, diffConfigText, type ConfigApplied, type ConfigDiff, type YamlProblem } from './config-api.js';

const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', []));

/**
 * Import a whole file: "Show changes" asks the server what applying it would change (or
 * what is wrong with it, line by line); only a text whose changes were shown can be applied,
 * and only onto the version those changes were computed from.
 */
export function ImportYaml(props: { currentYaml: string | null; onApplied(): void; onReload(): void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [diff, setDiff] = useState<{ text: string; result: ConfigDiff } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [applied, setApplied] = useState<ConfigApplied | null>(null);
  const [conflict, setConflict] = useState(false);

  const edit = (next: string) => {
    setText(next);
    setApplied(null);
    setConflict(false);
  };
  const loadFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) edit(await file.text());
  };
  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (e) {
      const err = asApiError(e);
      if (err.status === 409) setConflict(true);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const showChanges = () =>
    run(async () => {
      setApplied(null);
      setConflict(false);
      setDiff({ text, result: await diffConfigText(text) });
    });
  const apply = (shown: { text: string; result: ConfigDiff }) =>
    run(async () => {
      const r = await applyConfigText(shown.text, shown.result.version);
      setApplied(r);
      setDiff(null);
      props.onApplied();
    });
  const reload = () => {
    setConflict(false);
    setDiff(null);
    props.onReload();
  };
  const current = diff && diff.text === text ? diff : null;

  return (
    <section aria-labelledby="config-import">
      <h2 id="config-import">{t('configuration.import.title')}</h2>
      <p>{t('configuration.import.intro')}</p>
      <div className="import-sources">
        <label htmlFor="config-file">{t('configuration.import.file')}</label>
        <input id="config-file" type="file" accept=".yaml,.yml,application/yaml,text/yaml,text/plain" onChange={(e) => void loadFile(e)} />
        {props.currentYaml !== null && (
          <button type="button" onClick={() => edit(props.currentYaml ?? '')}>
            {t('configuration.import.startFromCurrent')}
          </button>
        )}
      </div>
      <label htmlFor="config-text">{t('configuration.import.text')}</label>
      <textarea id="config-text" className="yaml-input" rows={14} spellCheck={false} value={text} onChange={(e) => edit(e.target.value)} />
      <p className="save-actions">
        <button type="button" disabled={busy || text.trim() === ''} onClick={() => void showChanges()}>
          {t('configuration.import.showChanges')}
        </button>
        <button type="button" className="primary" disabled={busy || !current?.result.ok} onClick={() => current && void apply(current)}>
          {t('configuration.import.apply')}
        </button>
      </p>
      <div aria-live="polite">
        {diff && !current && <p className="muted">{t('configuration.import.stale')}</p>}
        {current && <DiffResult diff={current.result} />}
        {applied && (
          <p role="status" className="saved">
            {applied.applied
              ? t('configuration.import.applied', { version: applied.version, count: applied.changes.length })
              : t('configuration.import.unchanged')}
          </p>
        )}
      </div>
      {conflict && (
        <div role="alert" className="refused">
          <p className="error">{t('configuration.import.conflict')}</p>
          <button type="button" onClick={reload}>
            {t('configuration.import.reload')}
          </button>
        </div>
      )}
      {error && <ErrorNote error={error} />}
    </section>
  );
}

function DiffResult({ diff }: { diff: ConfigDiff }) {
  const { t } = useI18n();
  return (
    <div className="diff-result" data-testid="config-diff">
      {diff.ok ? (
        diff.changes.length === 0 ? (
          <p>{t('configuration.import.noChanges', { version: diff.version })}</p>
        ) : (
          <>
            <p>{t('configuration.import.changes', { count: diff.changes.length, version: diff.version })}</p>
            <ul className="change-list">
              {diff.changes.map((c, i) => (
                <li key={i}>
                  <code>{c}</code>
                </li>
              ))}
            </ul>
          </>
        )
      ) : (
        <>
          <p className="problem-summary">{t('configuration.import.problems', { count: diff.problems.length })}</p>
          <ProblemList problems={diff.problems} />
        </>
      )}
      {diff.warnings.length > 0 && (
        <>
          <p>{t('configuration.import.warnings', { count: diff.warnings.length })}</p>
          <ProblemList problems={diff.warnings} />
        </>
      )}
    </div>
  );
}

function ProblemList({ problems }: { problems: readonly YamlProblem[] }) {
  const { t } = useI18n();
  const say = useProblemText();
  return (
    <ul className="problem-list">
      {problems.map((p, i) => (
        <li key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'}>
          {p.line !== undefined && <strong>{t('configuration.import.line', { line: p.line })}</strong>} {p.path && <code>{p.path}</code>} {say(p)}
        </li>
      ))}
    </ul>
  );
}

/**
 * Editing the configuration from a page: a draft copy of the document, checked by the server
 * as the admin types (the same checks as `relaydesk apply`), saved as one new version.
 * Every admin page that changes the configuration (routing, domains, users, groups) uses
 * this, so they all validate, conflict and report the same way.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';
import {
  checkConfigDocument,
  loadConfigDocument,
  saveConfigDocument,
  type ConfigCheck,
  type ConfigDocument,
  type ConfigDocumentState,
  type ConfigProblem,
  type ConfigSaved,
} from '../api/config-document.js';
import { useI18n } from '../i18n/i18n.js';
import { ErrorNote } from './status.js';
import { useApi } from './use-api.js';

/** Long enough to not check on every key press, short enough to feel immediate. */
const CHECK_DELAY_MS = 300;

export type CheckState = { kind: 'idle' } | { kind: 'checking' } | { kind: 'done'; result: ConfigCheck } | { kind: 'error'; error: ApiError };

export interface ConfigEditor {
  readonly loaded: ConfigDocumentState | null;
  readonly loadError: ApiError | null;
  /** The document as edited; equal to the loaded one until something changes. */
  readonly draft: ConfigDocument | null;
  readonly dirty: boolean;
  readonly check: CheckState;
  readonly saving: boolean;
  readonly saved: ConfigSaved | null;
  readonly saveError: ApiError | null;
  update(change: (doc: ConfigDocument) => ConfigDocument): void;
  /** Saves the draft, or `doc` when given (for one-click changes such as delete or reorder). */
  save(doc?: ConfigDocument): Promise<ConfigSaved | null>;
  discard(): void;
  reload(): Promise<void>;
}

export function useConfigEditor(): ConfigEditor {
  const { state, reload } = useApi(loadConfigDocument, []);
  const loaded = state.kind === 'ready' ? state.data : null;
  const [draft, setDraft] = useState<ConfigDocument | null>(null);
  const [check, setCheck] = useState<CheckState>({ kind: 'idle' });
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<ConfigSaved | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const checkGeneration = useRef(0);

  // A fresh load replaces the draft: after a save, or when another admin's change was loaded.
  useEffect(() => {
    if (loaded) setDraft(loaded.document);
  }, [loaded]);

  const dirty = !!loaded && !!draft && JSON.stringify(draft) !== JSON.stringify(loaded.document);

  useEffect(() => {
    if (!dirty || !draft) {
      setCheck({ kind: 'idle' });
      return;
    }
    const mine = ++checkGeneration.current;
    setCheck({ kind: 'checking' });
    const timer = window.setTimeout(() => {
      checkConfigDocument(draft).then(
        (result) => mine === checkGeneration.current && setCheck({ kind: 'done', result }),
        (e: unknown) => mine === checkGeneration.current && setCheck({ kind: 'error', error: asApiError(e) }),
      );
    }, CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [draft, dirty]);

  const update = useCallback((change: (doc: ConfigDocument) => ConfigDocument) => {
    setSaved(null);
    setSaveError(null);
    setDraft((d) => (d ? change(structuredClone(d)) : d));
  }, []);

  const save = useCallback(
    async (doc?: ConfigDocument) => {
      const toSave = doc ?? draft;
      if (!loaded || !toSave) return null;
      setSaving(true);
      setSaveError(null);
      try {
        const r = await saveConfigDocument(toSave, loaded.version);
        setSaved(r);
        await reload(true);
        return r;
      } catch (e) {
        setSaveError(asApiError(e));
        return null;
      } finally {
        setSaving(false);
      }
    },
    [draft, loaded, reload],
  );

  return {
    loaded,
    loadError: state.kind === 'error' ? state.error : null,
    draft,
    dirty,
    check,
    saving,
    saved,
    saveError,
    update,
    save,
    discard: () => {
      setSaveError(null);
      if (loaded) setDraft(loaded.document);
    },
    reload: () => reload(),
  };
}

const asApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', []));

/** Problems found in the draft, or nothing while it is unchanged. */
export function checkProblems(check: CheckState): { errors: ConfigCheck['problems']; warnings: ConfigCheck['warnings'] } {
  return check.kind === 'done' ? { errors: check.result.problems, warnings: check.result.warnings } : { errors: [], warnings: [] };
}

/**
 * The strip under an editor: what the check found, what saving will change, Save and
 * Discard, and after a save the version now in force.
 */
export function SaveBar({ editor, onSaved, saveLabel }: { editor: ConfigEditor; onSaved?: (r: ConfigSaved) => void; saveLabel?: string }) {
  const { t } = useI18n();
  const { check } = editor;
  const blocked = !editor.dirty || editor.saving || check.kind !== 'done' || !check.result.ok;
  return (
    <div className="save-bar">
      <div aria-live="polite" className="save-status">
        {check.kind === 'checking' && <p>{t('configEdit.checking')}</p>}
        {check.kind === 'error' && <ErrorNote error={check.error} />}
        {check.kind === 'done' && !check.result.ok && <p className="problem-summary">{t('configEdit.errors', { count: check.result.problems.length })}</p>}
        {check.kind === 'done' && check.result.ok && (
          <details>
            <summary>{t('configEdit.changes', { count: check.result.changes.length })}</summary>
            <ul className="change-list">
              {check.result.changes.map((c) => (
                <li key={c}>
                  <code>{c}</code>
                </li>
              ))}
            </ul>
          </details>
        )}
        {editor.saved && (
          <p className="saved" role="status">
            {editor.saved.applied ? t('configEdit.saved', { version: editor.saved.version, active: editor.saved.activeVersion }) : t('configEdit.unchanged')}
          </p>
        )}
      </div>
      {editor.saveError && <ErrorNote error={editor.saveError} />}
      <div className="save-actions">
        <button
          type="button"
          className="primary"
          disabled={blocked}
          onClick={() => {
            void editor.save().then((r) => r && onSaved?.(r));
          }}
        >
          {editor.saving ? t('configEdit.saving') : (saveLabel ?? t('configEdit.save'))}
        </button>
        <button type="button" disabled={!editor.dirty || editor.saving} onClick={editor.discard}>
          {t('configEdit.discard')}
        </button>
      </div>
    </div>
  );
}

/** A problem the check found, as the server sends it: its English message, and its code and values for the dictionary. */
export interface ShownProblem {
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly code?: string;
  readonly params?: Readonly<Record<string, string | number>>;
  readonly path?: string;
}

/**
 * A problem in the reader's language (`problem.<code>`), or its English message for a code the
 * dictionary lacks. In English the server's message is the most specific text: a generic code
 * (`empty`, `too-small`) stands for many of the schema's own sentences.
 */
export function useProblemText(): (p: ShownProblem) => string {
  const { serverText, lang } = useI18n();
  return (p) => (p.code === undefined || lang === 'en' ? p.message : serverText('problem.', { code: p.code, params: p.params ?? {} }, p.message));
}

/** The messages the check gave for one field, tied to it by id for screen readers. */
export function FieldProblems({ id, problems, withPath }: { id: string; problems: readonly ShownProblem[]; withPath?: boolean }) {
  const { t } = useI18n();
  const say = useProblemText();
  if (problems.length === 0) return null;
  return (
    <ul id={id} className="field-problems">
      {problems.map((p, i) => (
        <li key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'}>
          <strong>{p.severity === 'error' ? t('configEdit.error') : t('configEdit.warning')}</strong> {withPath && p.path ? <code>{p.path}</code> : null}
          {withPath && p.path ? ' ' : null}
          {say(p)}
        </li>
      ))}
    </ul>
  );
}

/**
 * Remove, suspend, delete: changes made with one click, from the saved document rather than
 * the draft. They are checked first so that a change the configuration refuses (a unit that
 * still has users) is explained with the check's own sentences instead of a bare 400.
 */
export function useCheckedChange(editor: ConfigEditor) {
  const [refused, setRefused] = useState<readonly ConfigProblem[]>([]);
  const apply = async (change: (saved: ConfigDocument) => ConfigDocument): Promise<ConfigSaved | null> => {
    if (!editor.loaded) return null;
    setRefused([]);
    const doc = change(structuredClone(editor.loaded.document));
    try {
      const check = await checkConfigDocument(doc);
      if (!check.ok) {
        setRefused(check.problems);
        return null;
      }
    } catch {
      // The save below meets the same failure and reports it where saves report theirs.
    }
    return editor.save(doc);
  };
  return { refused, apply };
}

/** Why a one-click change was not made, in the check's words. */
export function RefusedChange({ problems }: { problems: readonly ConfigProblem[] }) {
  const { t } = useI18n();
  const say = useProblemText();
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="refused">
      <p className="error">{t('configEdit.refused')}</p>
      <ul className="problem-list">
        {problems.map((p, i) => (
          <li key={i}>
            <code>{p.path}</code> {say(p)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Problems of the draft that are not under any of `shown` (paths the page has a field for). */
export function problemsElsewhere(problems: readonly ConfigProblem[], shown: readonly string[]): ConfigProblem[] {
  return problems.filter((p) => !shown.some((s) => p.path === s || p.path.startsWith(`${s}.`) || p.path.startsWith(`${s}[`)));
}

/** Errors and warnings of the draft that belong to no field on the page, so none is hidden. */
export function OtherProblems({ problems }: { problems: readonly ConfigProblem[] }) {
  const { t } = useI18n();
  if (problems.length === 0) return null;
  return (
    <div className="other-problems">
      <p>{t('configEdit.otherProblems')}</p>
      <FieldProblems id="other-problems" problems={problems} withPath />
    </div>
  );
}

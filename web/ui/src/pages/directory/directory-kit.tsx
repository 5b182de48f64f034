/**
 * Pieces the directory pages share: a one-click change that is checked before it is saved,
 * the problems no field of the page shows, and an editor for a list of addresses.
 */
import { useState } from 'react';
import { checkConfigDocument, type ConfigDocument, type ConfigProblem } from '../../api/config-document.js';
import { FieldProblems, type ConfigEditor } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';

/**
 * Remove, suspend, delete: changes made with one click, from the saved document rather than
 * the draft. They are checked first so that a change the configuration refuses (a unit that
 * still has users) is explained with the check's own sentences instead of a bare 400.
 */
export function useCheckedChange(editor: ConfigEditor) {
  const [refused, setRefused] = useState<readonly ConfigProblem[]>([]);
  const apply = async (change: (saved: ConfigDocument) => ConfigDocument): Promise<boolean> => {
    if (!editor.loaded) return false;
    setRefused([]);
    const doc = change(structuredClone(editor.loaded.document));
    try {
      const check = await checkConfigDocument(doc);
      if (!check.ok) {
        setRefused(check.problems);
        return false;
      }
    } catch {
      // The save below meets the same failure and reports it where saves report theirs.
    }
    return (await editor.save(doc)) !== null;
  };
  return { refused, apply };
}

/** Why a one-click change was not made, in the check's words. */
export function RefusedChange({ problems }: { problems: readonly ConfigProblem[] }) {
  const { t } = useI18n();
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="refused">
      <p className="error">{t('directory.refused')}</p>
      <ul className="problem-list">
        {problems.map((p, i) => (
          <li key={i}>
            <code>{p.path}</code> {p.message}
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
      <p>{t('directory.otherProblems')}</p>
      <FieldProblems id="other-problems" problems={problems.map((p) => ({ severity: p.severity, message: p.path ? `${p.path}: ${p.message}` : p.message }))} />
    </div>
  );
}

/** A list of addresses (aliases, members), one input each, with each entry's problems below it. */
export function AddressListEditor(props: {
  id: string;
  legend: string;
  items: readonly string[];
  itemLabel: (n: number) => string;
  addLabel: string;
  removeLabel: (n: number) => string;
  problemsAt: (index: number) => readonly ConfigProblem[];
  onChange: (items: string[]) => void;
}) {
  const { items, onChange } = props;
  return (
    <fieldset className="list-editor">
      <legend>{props.legend}</legend>
      {items.length > 0 && (
        <ol>
          {items.map((value, i) => {
            const problems = props.problemsAt(i);
            const problemsId = `${props.id}-${i}-problems`;
            return (
              <li key={i}>
                <span className="list-editor-item">
                  <input
                    aria-label={props.itemLabel(i + 1)}
                    value={value}
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={problems.some((p) => p.severity === 'error') || undefined}
                    aria-describedby={problems.length > 0 ? problemsId : undefined}
                    onChange={(e) => onChange(items.map((v, j) => (j === i ? e.target.value : v)))}
                  />
                  <button type="button" aria-label={props.removeLabel(i + 1)} onClick={() => onChange(items.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </span>
                <FieldProblems id={problemsId} problems={problems} />
              </li>
            );
          })}
        </ol>
      )}
      <button type="button" onClick={() => onChange([...items, ''])}>
        {props.addLabel}
      </button>
    </fieldset>
  );
}

/** A copy of `list` with `value` at `index` (appended when `index` is its length). */
export function withEntry<T>(list: readonly T[] | undefined, index: number, value: T): T[] {
  const next = [...(list ?? [])];
  next[index] = value;
  return next;
}

export const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

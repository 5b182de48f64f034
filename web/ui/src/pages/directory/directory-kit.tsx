/** Pieces the directory pages share: an editor for a list of addresses, list helpers. */
import type { ConfigProblem } from '../../api/config-document.js';
import { FieldProblems } from '../../components/config-editor.js';
import { describedBy } from '../../components/entry-editing.js';

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
            const itemId = `${props.id}-${i}`;
            return (
              <li key={i}>
                <span className="list-editor-item">
                  <input
                    aria-label={props.itemLabel(i + 1)}
                    value={value}
                    autoComplete="off"
                    spellCheck={false}
                    {...describedBy(itemId, problems)}
                    onChange={(e) => onChange(items.map((v, j) => (j === i ? e.target.value : v)))}
                  />
                  <button type="button" aria-label={props.removeLabel(i + 1)} onClick={() => onChange(items.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </span>
                <FieldProblems id={`${itemId}-problems`} problems={problems} />
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

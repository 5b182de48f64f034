/** Pieces of the settings form: what a section is given, and a labelled input with its hint and the check's problems under it. */
import type { ConfigDocument, ConfigProblem } from '../../api/config-document.js';
import { FieldProblems, type ConfigEditor } from '../../components/config-editor.js';

/** What each section of the settings form is given. */
export interface SectionProps {
  editor: ConfigEditor;
  draft: ConfigDocument;
  all: readonly ConfigProblem[];
}

export function SettingField(props: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  placeholder?: string;
  type?: 'text' | 'number' | 'password';
  problems: readonly ConfigProblem[];
  onChange(value: string): void;
}) {
  const { id, problems } = props;
  const hintId = `${id}-hint`;
  const problemsId = `${id}-problems`;
  const describedBy = [props.hint ? hintId : '', problems.length > 0 ? problemsId : ''].filter(Boolean).join(' ');
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <div>
        <input
          id={id}
          type={props.type ?? 'text'}
          value={props.value}
          placeholder={props.placeholder}
          autoComplete={props.type === 'password' ? 'new-password' : 'off'}
          spellCheck={false}
          min={props.type === 'number' ? 1 : undefined}
          aria-invalid={problems.some((p) => p.severity === 'error') || undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => props.onChange(e.target.value)}
        />
        {props.hint && (
          <p id={hintId} className="field-hint">
            {props.hint}
          </p>
        )}
        <FieldProblems id={problemsId} problems={problems} />
      </div>
    </>
  );
}

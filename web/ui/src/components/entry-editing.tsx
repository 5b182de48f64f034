/**
 * The scaffold of the admin pages that edit the configuration document (directory, hosts,
 * settings, routing). Editing one entry of a list (a user, a group, a host, a routing rule):
 * a new entry is appended to the draft and its form opened; an existing one is edited in place
 * in the draft, so every problem the check finds carries the path of its field. One-click
 * changes (delete, suspend, move) go through useCheckedChange instead and wait while a form
 * is open.
 */
import { useState, type ReactNode } from 'react';
import { problemsUnder, type ConfigDocument, type ConfigProblem } from '../api/config-document.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';
import {
  checkProblems,
  FieldProblems,
  OtherProblems,
  problemsElsewhere,
  RefusedChange,
  SaveBar,
  useCheckedChange,
  type ConfigEditor,
} from './config-editor.js';
import { ErrorNote, Loading } from './status.js';

type ListSection = 'users' | 'groups' | 'hosts' | 'defaultRouting';
export type EntryOf<S extends ListSection> = NonNullable<ConfigDocument[S]>[number];

type CheckedChange = ReturnType<typeof useCheckedChange>;

/** One list of the document being edited, an entry at a time. */
export interface EntryEditing<E> {
  /** The entries as saved: what the table shows. */
  readonly saved: E[];
  /** The entry whose form is open, as edited in the draft. */
  readonly open: { readonly index: number; readonly isNew: boolean; readonly entry: E } | null;
  /** A form is open or a save is running: one-click changes wait. */
  readonly busy: boolean;
  /** Why the last one-click change was refused, in the check's words. */
  readonly refused: CheckedChange['refused'];
  startAdd(blank: E): void;
  startEdit(index: number): void;
  /** Replaces the open entry in the draft. */
  set(next: E): void;
  cancel(): void;
  /** After the form's own save. */
  done(): void;
  /** A change to the saved list, checked, then saved at once. */
  changeSaved(edit: (list: E[]) => E[]): ReturnType<CheckedChange['apply']>;
}

export function useEntryEditing<S extends ListSection>(editor: ConfigEditor, section: S): EntryEditing<EntryOf<S>> {
  const [editing, setEditing] = useState<{ index: number; isNew: boolean } | null>(null);
  const change = useCheckedChange(editor);
  const listOf = (doc: ConfigDocument | null | undefined) => (doc?.[section] ?? []) as EntryOf<S>[];
  const saved = listOf(editor.loaded?.document);
  const entry = editing ? listOf(editor.draft)[editing.index] : undefined;
  const withList = (doc: ConfigDocument, list: EntryOf<S>[]): ConfigDocument => ({ ...doc, [section]: list });
  // A discarded new entry leaves `editing` pointing at nothing: the form is closed then.
  const open = editing && entry !== undefined ? { ...editing, entry } : null;

  return {
    saved,
    open,
    busy: open !== null || editor.saving,
    refused: change.refused,
    startAdd(blank: EntryOf<S>) {
      const index = saved.length;
      editor.update((d) => withList(d, [...listOf(d), structuredClone(blank)]));
      setEditing({ index, isNew: true });
    },
    startEdit(index: number) {
      setEditing({ index, isNew: false });
    },
    set(next: EntryOf<S>) {
      if (!editing) return;
      editor.update((d) =>
        withList(
          d,
          listOf(d).map((x, k) => (k === editing.index ? next : x)),
        ),
      );
    },
    cancel() {
      editor.discard();
      setEditing(null);
    },
    done() {
      setEditing(null);
    },
    changeSaved(edit: (list: EntryOf<S>[]) => EntryOf<S>[]) {
      return change.apply((doc) => withList(doc, edit(listOf(doc))));
    },
  };
}

/** A list table with its header row; rows are the caller's. */
export function DataTable({
  columns,
  className,
  caption,
  children,
}: {
  columns: readonly MessageKey[];
  className?: string;
  caption?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <table className={`list${className ? ` ${className}` : ''}`}>
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {t(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** Every problem of the last check, errors first. */
export function checkedProblems(editor: ConfigEditor): ConfigProblem[] {
  const { errors, warnings } = checkProblems(editor.check);
  return [...errors, ...warnings];
}

/**
 * A page listing one section's entries: the table of what is saved, one form at a time to add
 * or edit an entry, and the refusals and save errors of both.
 */
export function EntryListPage<E>(props: {
  editor: ConfigEditor;
  entries: EntryEditing<E>;
  title: MessageKey;
  intro: MessageKey;
  empty: MessageKey;
  add: MessageKey;
  columns: readonly MessageKey[];
  blank: E;
  row(entry: E, index: number): ReactNode;
  form(open: NonNullable<EntryEditing<E>['open']>, draft: ConfigDocument): ReactNode;
  /** What the page shows below its list. */
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const { editor, entries } = props;
  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const { saved, open } = entries;
  return (
    <>
      <h1>{t(props.title)}</h1>
      <p>{t(props.intro)}</p>
      <RefusedChange problems={entries.refused} />
      {saved.length === 0 ? <p className="empty">{t(props.empty)}</p> : <DataTable columns={props.columns}>{saved.map((e, i) => props.row(e, i))}</DataTable>}
      {open ? (
        props.form(open, editor.draft)
      ) : (
        <p>
          <button type="button" className="primary" disabled={editor.saving} onClick={() => entries.startAdd(props.blank)}>
            {t(props.add)}
          </button>
        </p>
      )}
      {!open && editor.saveError && <ErrorNote error={editor.saveError} />}
      {props.children}
    </>
  );
}

/**
 * The form of one entry at `base` (such as `hosts[2]`): its title, its fields, the problems of
 * the entry that no field shows, the save bar and the way out.
 */
export function EntryForm(props: {
  id: string;
  title: string;
  editor: ConfigEditor;
  base: string;
  /** The entry's fields that show their own problems. */
  fields: readonly string[];
  closeLabel: string;
  onClose(): void;
  onSaved(): void;
  children: ReactNode;
}) {
  const all = checkedProblems(props.editor);
  return (
    <section className="entry-form" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
      <OtherProblems
        problems={problemsElsewhere(
          all,
          props.fields.map((f) => `${props.base}.${f}`),
        )}
      />
      <SaveBar editor={props.editor} onSaved={props.onSaved} />
      <p>
        <button type="button" onClick={props.onClose}>
          {props.closeLabel}
        </button>
      </p>
    </section>
  );
}

/** The problems of the entry at `base`, and those at one of its fields. */
export function entryProblems(editor: ConfigEditor, base: string) {
  const all = checkedProblems(editor);
  return { all, at: (field: string) => problemsUnder(all, `${base}.${field}`) };
}

/** How an input points at the problems listed under it (`${id}-problems`) and its hint. */
export function describedBy(id: string, problems: readonly { severity: 'error' | 'warning' }[], hint = false) {
  const ids = [hint ? `${id}-hint` : '', problems.length > 0 ? `${id}-problems` : ''].filter(Boolean).join(' ');
  return { 'aria-invalid': problems.some((p) => p.severity === 'error') || undefined, 'aria-describedby': ids || undefined };
}

/** A labelled text input with its hint and the check's problems under it. */
export function TextField(props: {
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
          {...describedBy(id, problems, !!props.hint)}
          onChange={(e) => props.onChange(e.target.value)}
        />
        {props.hint && (
          <p id={`${id}-hint`} className="field-hint">
            {props.hint}
          </p>
        )}
        <FieldProblems id={`${id}-problems`} problems={problems} />
      </div>
    </>
  );
}

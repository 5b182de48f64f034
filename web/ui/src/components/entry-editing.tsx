/**
 * Editing one entry of a list in the configuration (a user, a group, a host, a routing rule): a new
 * entry is appended to the draft and its form opened; an existing one is edited in place in
 * the draft, so every problem the check finds carries the path of its field. One-click
 * changes (delete, suspend, move) go through useCheckedChange instead and wait while a form
 * is open.
 */
import { useState, type ReactNode } from 'react';
import type { ConfigDocument } from '../api/config-document.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';
import { useCheckedChange, type ConfigEditor } from './config-editor.js';

type ListSection = 'users' | 'groups' | 'hosts' | 'defaultRouting';
export type EntryOf<S extends ListSection> = NonNullable<ConfigDocument[S]>[number];

export function useEntryEditing<S extends ListSection>(editor: ConfigEditor, section: S) {
  const [editing, setEditing] = useState<{ index: number; isNew: boolean } | null>(null);
  const change = useCheckedChange(editor);
  const listOf = (doc: ConfigDocument | null | undefined) => (doc?.[section] ?? []) as EntryOf<S>[];
  const saved = listOf(editor.loaded?.document);
  const entry = editing ? listOf(editor.draft)[editing.index] : undefined;
  const withList = (doc: ConfigDocument, list: EntryOf<S>[]): ConfigDocument => ({ ...doc, [section]: list });
  // A discarded new entry leaves `editing` pointing at nothing: the form is closed then.
  const open = editing && entry !== undefined ? { ...editing, entry } : null;

  return {
    /** The entries as saved: what the table shows. */
    saved,
    /** The entry whose form is open, as edited in the draft. */
    open,
    /** A form is open or a save is running: one-click changes wait. */
    busy: open !== null || editor.saving,
    /** Why the last one-click change was refused, in the check's words. */
    refused: change.refused,
    startAdd(blank: EntryOf<S>) {
      const index = saved.length;
      editor.update((d) => withList(d, [...listOf(d), structuredClone(blank)]));
      setEditing({ index, isNew: true });
    },
    startEdit(index: number) {
      setEditing({ index, isNew: false });
    },
    /** Replaces the open entry in the draft. */
    set(next: EntryOf<S>) {
      if (!editing) return;
      editor.update((d) => withList(d, listOf(d).map((x, k) => (k === editing.index ? next : x))));
    },
    cancel() {
      editor.discard();
      setEditing(null);
    },
    /** After the form's own save. */
    done() {
      setEditing(null);
    },
    /** A change to the saved list, checked, then saved at once. */
    changeSaved(edit: (list: EntryOf<S>[]) => EntryOf<S>[]) {
      return change.apply((doc) => withList(doc, edit(listOf(doc))));
    },
  };
}

/** A list table with its header row; rows are the caller's. */
export function DataTable({ columns, className, caption, children }: { columns: readonly MessageKey[]; className?: string; caption?: string; children: ReactNode }) {
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

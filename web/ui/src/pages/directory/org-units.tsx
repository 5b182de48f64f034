import { useEffect, useState } from 'react';
import { problemsUnder, type ConfigDocument } from '../../api/config-document.js';
import { FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, useCheckedChange, useConfigEditor } from '../../components/config-editor.js';
import { checkedProblems, describedBy } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useI18n } from '../../i18n/i18n.js';
import { withEntry } from './directory-kit.js';
import '../../admin.css';

const ROOT = '/';

interface UnitNode {
  readonly path: string;
  readonly name: string;
  readonly children: UnitNode[];
}

/** Every unit of the document, "/" first (it always exists, listed or not). */
export function unitPaths(doc: ConfigDocument): string[] {
  return [...new Set([ROOT, ...(doc.orgUnits ?? [])])];
}

const childPath = (parent: string, name: string) => (parent === ROOT ? `/${name}` : `${parent}/${name}`);
const isWithin = (path: string, unit: string) => path === unit || (unit === ROOT ? path.startsWith('/') : path.startsWith(`${unit}/`));

/** The units as a tree. A unit whose parent is not listed hangs under its nearest listed ancestor. */
export function unitTree(paths: readonly string[]): UnitNode {
  const root: UnitNode = { path: ROOT, name: ROOT, children: [] };
  const nodes = new Map<string, UnitNode>([[ROOT, root]]);
  for (const path of [...paths].filter((p) => p !== ROOT).sort()) {
    let parent = path.slice(0, path.lastIndexOf('/')) || ROOT;
    while (!nodes.has(parent)) parent = parent.slice(0, parent.lastIndexOf('/')) || ROOT;
    const node: UnitNode = { path, name: path.slice(path.lastIndexOf('/') + 1), children: [] };
    nodes.get(parent)?.children.push(node);
    nodes.set(path, node);
  }
  return root;
}

/**
 * Organisational units as a tree, with the users in each. A new unit is the draft's next
 * entry, checked as its name is typed; removing a unit removes the units under it too, and
 * is refused while any user is in them.
 */
export function OrgUnitsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const change = useCheckedChange(editor);
  const { loaded } = editor;
  const [parent, setParent] = useState(ROOT);
  const [name, setName] = useState('');
  const [blocked, setBlocked] = useState<string | null>(null);

  // Saving or discarding empties the draft; the name field follows it.
  useEffect(() => {
    if (!editor.dirty) setName('');
  }, [editor.dirty]);

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!loaded) return <Loading />;

  const saved = loaded.document;
  const units = unitPaths(saved);
  const listed = saved.orgUnits ?? [];
  const next = listed.length;
  const trimmed = name.trim();
  const path = childPath(parent, trimmed);
  const localError =
    trimmed === '' ? null : trimmed.includes('/') ? t('directory.orgUnits.slash') : units.includes(path) ? t('directory.orgUnits.duplicate', { path }) : null;
  const all = checkedProblems(editor);
  const fieldProblems = localError ? [{ severity: 'error' as const, message: localError }] : problemsUnder(all, `orgUnits[${next}]`);

  // Even a unit refused here stays in the draft: the draft is what the name field shows.
  const draftFor = (parentPath: string, value: string) => {
    const v = value.trim();
    if (v === '') return structuredClone(saved);
    return { ...structuredClone(saved), orgUnits: withEntry(listed, next, childPath(parentPath, v)) };
  };
  const edit = (parentPath: string, value: string) => {
    setParent(parentPath);
    setName(value);
    editor.update(() => draftFor(parentPath, value));
  };

  const usersIn = (unit: string, doc: ConfigDocument, deep: boolean) =>
    (doc.users ?? []).filter((u) => (deep ? isWithin(u.orgUnit ?? ROOT, unit) : (u.orgUnit ?? ROOT) === unit)).length;
  const remove = (unit: string) => {
    setBlocked(null);
    const users = usersIn(unit, saved, true);
    if (users > 0) {
      setBlocked(t('directory.orgUnits.hasUsers', { path: unit, count: users }));
      return;
    }
    if (!window.confirm(t('directory.orgUnits.confirmRemove', { path: unit }))) return;
    void change.apply((doc) => ({ ...doc, orgUnits: (doc.orgUnits ?? []).filter((u) => !isWithin(u, unit)) }));
  };

  const renderNode = (node: UnitNode) => {
    const direct = usersIn(node.path, saved, false);
    return (
      <li key={node.path} data-unit={node.path}>
        <span className="unit-row">
          <span className="unit-name">{node.path === ROOT ? t('directory.orgUnits.root') : node.name}</span>
          <code className="muted">{node.path}</code>
          <span className="badge">{t('directory.orgUnits.userCount', { count: direct })}</span>
          {node.path !== ROOT && (
            <button
              type="button"
              disabled={editor.saving || editor.dirty}
              aria-label={t('directory.orgUnits.removeLabel', { path: node.path })}
              onClick={() => remove(node.path)}
            >
              {t('directory.remove')}
            </button>
          )}
        </span>
        {node.children.length > 0 && <ul>{node.children.map(renderNode)}</ul>}
      </li>
    );
  };

  return (
    <>
      <h1>{t('nav.orgUnits')}</h1>
      <p>{t('directory.orgUnits.intro')}</p>
      {blocked && (
        <p role="alert" className="error">
          {blocked}
        </p>
      )}
      <RefusedChange problems={change.refused} />
      <ul className="unit-tree" aria-label={t('nav.orgUnits')}>
        {renderNode(unitTree(units))}
      </ul>
      <h2>{t('directory.orgUnits.addTitle')}</h2>
      <form
        className="add-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!localError && editor.check.kind === 'done' && editor.check.result.ok) void editor.save();
        }}
      >
        <label htmlFor="unit-parent">{t('directory.orgUnits.parent')}</label>
        <select id="unit-parent" value={parent} onChange={(e) => edit(e.target.value, name)}>
          {units.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
        <label htmlFor="unit-name">{t('directory.orgUnits.name')}</label>
        <input
          id="unit-name"
          value={name}
          placeholder="Sales"
          autoComplete="off"
          {...describedBy('unit-name', fieldProblems)}
          onChange={(e) => edit(parent, e.target.value)}
        />
        {trimmed !== '' && !localError && <p className="muted">{t('directory.orgUnits.willBe', { path })}</p>}
        <FieldProblems id="unit-name-problems" problems={fieldProblems} />
      </form>
      <OtherProblems problems={problemsElsewhere(all, [`orgUnits[${next}]`])} />
      {!localError && <SaveBar editor={editor} saveLabel={t('directory.orgUnits.add')} />}
    </>
  );
}

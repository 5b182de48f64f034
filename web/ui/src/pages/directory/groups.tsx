import { useState } from 'react';
import { problemsUnder, type ConfigProblem, type GroupDoc } from '../../api/config-document.js';
import { checkProblems, FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, type ConfigEditor, useCheckedChange, useConfigEditor } from '../../components/config-editor.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useI18n } from '../../i18n/i18n.js';
import { AddressListEditor, withEntry } from './directory-kit.js';
import '../../admin.css';

/** Groups: an address of a hosted domain that expands to its members (local or external). */
export function GroupsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const change = useCheckedChange(editor);
  const [editing, setEditing] = useState<{ index: number; isNew: boolean } | null>(null);
  const { loaded, draft } = editor;

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!loaded || !draft) return <Loading />;
  const groups = loaded.document.groups ?? [];
  const entry = editing ? draft.groups?.[editing.index] : undefined;

  const startAdd = () => {
    const index = groups.length;
    editor.update((d) => ({ ...d, groups: withEntry(d.groups, index, { address: '', members: [] }) }));
    setEditing({ index, isNew: true });
  };
  const close = () => {
    editor.discard();
    setEditing(null);
  };
  const remove = (g: GroupDoc, i: number) => {
    if (window.confirm(t('directory.groups.confirmDelete', { address: g.address }))) void change.apply((doc) => ({ ...doc, groups: (doc.groups ?? []).filter((_, j) => j !== i) }));
  };
  // A discarded new group leaves `editing` pointing at nothing: the form is closed then.
  const busy = (editing !== null && entry !== undefined) || editor.saving;

  return (
    <>
      <h1>{t('directory.groups.title')}</h1>
      <p>{t('directory.groups.intro')}</p>
      <RefusedChange problems={change.refused} />
      {groups.length === 0 ? (
        <p className="empty">{t('directory.groups.empty')}</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t('directory.groups.col.address')}</th>
              <th scope="col">{t('directory.groups.col.members')}</th>
              <th scope="col">{t('directory.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g, i) => (
              <tr key={g.address} data-group={g.address}>
                <td>{g.address}</td>
                <td>{(g.members ?? []).length === 0 ? <span className="muted">{t('directory.groups.noMembers')}</span> : (g.members ?? []).join(', ')}</td>
                <td>
                  <div className="actions">
                    <button type="button" disabled={busy} aria-label={t('directory.editLabel', { name: g.address })} onClick={() => setEditing({ index: i, isNew: false })}>
                      {t('directory.edit')}
                    </button>
                    <button type="button" disabled={busy} aria-label={t('directory.deleteLabel', { name: g.address })} onClick={() => remove(g, i)}>
                      {t('directory.delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && entry ? (
        <GroupForm editor={editor} index={editing.index} isNew={editing.isNew} group={entry} onClose={close} onSaved={() => setEditing(null)} />
      ) : (
        <p>
          <button type="button" className="primary" disabled={editor.saving} onClick={startAdd}>
            {t('directory.groups.add')}
          </button>
        </p>
      )}
      {!(editing && entry) && editor.saveError && <ErrorNote error={editor.saveError} />}
    </>
  );
}

function GroupForm(props: { editor: ConfigEditor; index: number; isNew: boolean; group: GroupDoc; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { editor, index, group } = props;
  const base = `groups[${index}]`;
  const { errors, warnings } = checkProblems(editor.check);
  const all: ConfigProblem[] = [...errors, ...warnings];
  const addressProblems = problemsUnder(all, `${base}.address`);
  const set = (patch: Partial<GroupDoc>) => editor.update((d) => ({ ...d, groups: withEntry(d.groups, index, { ...group, ...patch }) }));

  return (
    <section className="entry-form" aria-labelledby="group-form-title">
      <h2 id="group-form-title">{props.isNew ? t('directory.groups.addTitle') : t('directory.groups.editTitle', { address: group.address })}</h2>
      <div className="form-grid">
        <label htmlFor="group-address">{t('directory.groups.address')}</label>
        <div>
          <input
            id="group-address"
            value={group.address}
            placeholder="sales-team@solarmora.com"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={addressProblems.some((p) => p.severity === 'error') || undefined}
            aria-describedby={addressProblems.length > 0 ? 'group-address-problems' : undefined}
            onChange={(e) => set({ address: e.target.value })}
          />
          <FieldProblems id="group-address-problems" problems={addressProblems} />
        </div>
      </div>
      <AddressListEditor
        id="group-members"
        legend={t('directory.groups.members')}
        items={group.members ?? []}
        itemLabel={(n) => t('directory.groups.memberN', { n })}
        addLabel={t('directory.groups.addMember')}
        removeLabel={(n) => t('directory.groups.removeMemberN', { n })}
        problemsAt={(j) => problemsUnder(all, `${base}.members[${j}]`)}
        onChange={(next) => set({ members: next })}
      />
      <FieldProblems id="group-members-problems" problems={all.filter((p) => p.path === `${base}.members`)} />
      <OtherProblems problems={problemsElsewhere(all, [`${base}.address`, `${base}.members`])} />
      <SaveBar editor={editor} onSaved={props.onSaved} />
      <p>
        <button type="button" onClick={props.onClose}>
          {t('directory.cancel')}
        </button>
      </p>
    </section>
  );
}

import { problemsUnder, type ConfigProblem, type GroupDoc } from '../../api/config-document.js';
import { checkProblems, FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, type ConfigEditor, useConfigEditor } from '../../components/config-editor.js';
import { DataTable, useEntryEditing } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useI18n } from '../../i18n/i18n.js';
import { AddressListEditor } from './directory-kit.js';
import '../../admin.css';

/** Groups: an address of a hosted domain that expands to its members (local or external). */
export function GroupsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'groups');

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!editor.loaded || !editor.draft) return <Loading />;
  const { saved: groups, open, busy } = entries;
  const remove = (g: GroupDoc, i: number) => {
    if (window.confirm(t('directory.groups.confirmDelete', { address: g.address }))) void entries.changeSaved((list) => list.filter((_, j) => j !== i));
  };

  return (
    <>
      <h1>{t('directory.groups.title')}</h1>
      <p>{t('directory.groups.intro')}</p>
      <RefusedChange problems={entries.refused} />
      {groups.length === 0 ? (
        <p className="empty">{t('directory.groups.empty')}</p>
      ) : (
        <DataTable columns={['directory.groups.col.address', 'directory.groups.col.members', 'directory.col.actions']}>
          {groups.map((g, i) => (
            <tr key={g.address} data-group={g.address}>
              <td>{g.address}</td>
              <td>{(g.members ?? []).length === 0 ? <span className="muted">{t('directory.groups.noMembers')}</span> : (g.members ?? []).join(', ')}</td>
              <td>
                <div className="actions">
                  <button type="button" disabled={busy} aria-label={t('directory.editLabel', { name: g.address })} onClick={() => entries.startEdit(i)}>
                    {t('directory.edit')}
                  </button>
                  <button type="button" disabled={busy} aria-label={t('directory.deleteLabel', { name: g.address })} onClick={() => remove(g, i)}>
                    {t('directory.delete')}
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {open ? (
        <GroupForm editor={editor} index={open.index} isNew={open.isNew} group={open.entry} onChange={entries.set} onClose={entries.cancel} onSaved={entries.done} />
      ) : (
        <p>
          <button type="button" className="primary" disabled={editor.saving} onClick={() => entries.startAdd({ address: '', members: [] })}>
            {t('directory.groups.add')}
          </button>
        </p>
      )}
      {!open && editor.saveError && <ErrorNote error={editor.saveError} />}
    </>
  );
}

function GroupForm(props: { editor: ConfigEditor; index: number; isNew: boolean; group: GroupDoc; onChange(group: GroupDoc): void; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { editor, index, group } = props;
  const base = `groups[${index}]`;
  const { errors, warnings } = checkProblems(editor.check);
  const all: ConfigProblem[] = [...errors, ...warnings];
  const addressProblems = problemsUnder(all, `${base}.address`);
  const set = (patch: Partial<GroupDoc>) => props.onChange({ ...group, ...patch });

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

import type { GroupDoc } from '../../api/config-document.js';
import { FieldProblems, type ConfigEditor, useConfigEditor } from '../../components/config-editor.js';
import { EntryForm, EntryListPage, entryProblems, TextField, useEntryEditing } from '../../components/entry-editing.js';
import { useI18n } from '../../i18n/i18n.js';
import { AddressListEditor } from './directory-kit.js';
import '../../admin.css';

/** Groups: an address of a hosted domain that expands to its members (local or external). */
export function GroupsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'groups');
  const { busy } = entries;
  const remove = (g: GroupDoc, i: number) => {
    if (window.confirm(t('directory.groups.confirmDelete', { address: g.address }))) void entries.changeSaved((list) => list.filter((_, j) => j !== i));
  };

  return (
    <EntryListPage
      editor={editor}
      entries={entries}
      title="directory.groups.title"
      intro="directory.groups.intro"
      empty="directory.groups.empty"
      add="directory.groups.add"
      columns={['directory.groups.col.address', 'directory.groups.col.members', 'directory.col.actions']}
      blank={{ address: '', members: [] }}
      row={(g, i) => (
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
      )}
      form={(open) => (
        <GroupForm
          editor={editor}
          index={open.index}
          isNew={open.isNew}
          group={open.entry}
          onChange={entries.set}
          onClose={entries.cancel}
          onSaved={entries.done}
        />
      )}
    />
  );
}

function GroupForm(props: {
  editor: ConfigEditor;
  index: number;
  isNew: boolean;
  group: GroupDoc;
  onChange(group: GroupDoc): void;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const { editor, index, group } = props;
  const base = `groups[${index}]`;
  const { all, at } = entryProblems(editor, base);
  const set = (patch: Partial<GroupDoc>) => props.onChange({ ...group, ...patch });

  return (
    <EntryForm
      id="group-form"
      title={props.isNew ? t('directory.groups.addTitle') : t('directory.groups.editTitle', { address: group.address })}
      editor={editor}
      base={base}
      fields={['address', 'members']}
      closeLabel={t('directory.cancel')}
      onClose={props.onClose}
      onSaved={props.onSaved}
    >
      <div className="form-grid">
        <TextField
          id="group-address"
          label={t('directory.groups.address')}
          value={group.address}
          placeholder="sales-team@solarmora.com"
          problems={at('address')}
          onChange={(address) => set({ address })}
        />
      </div>
      <AddressListEditor
        id="group-members"
        legend={t('directory.groups.members')}
        items={group.members ?? []}
        itemLabel={(n) => t('directory.groups.memberN', { n })}
        addLabel={t('directory.groups.addMember')}
        removeLabel={(n) => t('directory.groups.removeMemberN', { n })}
        problemsAt={(j) => at(`members[${j}]`)}
        onChange={(next) => set({ members: next })}
      />
      <FieldProblems id="group-members-problems" problems={all.filter((p) => p.path === `${base}.members`)} />
    </EntryForm>
  );
}

import type { DirectoryUserDoc } from '../../api/config-document.js';
import { FieldProblems, type ConfigEditor, useConfigEditor } from '../../components/config-editor.js';
import { EntryForm, EntryListPage, entryProblems, TextField, useEntryEditing } from '../../components/entry-editing.js';
import { useI18n } from '../../i18n/i18n.js';
import { AddressListEditor } from './directory-kit.js';
import { unitPaths } from './org-units.js';
import '../../admin.css';

const BLANK: DirectoryUserDoc = { address: '', orgUnit: '/', aliases: [], status: 'active' };

/**
 * The organisation's mail users (the configuration's `users`: addresses that receive mail),
 * not the people who sign in to this console. The form edits the user inside the draft, so
 * every problem the check finds has the path of the field it belongs to.
 */
export function DirectoryUsersPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const entries = useEntryEditing(editor, 'users');
  const { busy } = entries;
  const setStatus = (i: number, status: 'active' | 'suspended') => void entries.changeSaved((list) => list.map((u, j) => (j === i ? { ...u, status } : u)));
  const remove = (u: DirectoryUserDoc, i: number) => {
    if (window.confirm(t('directory.users.confirmDelete', { address: u.address }))) void entries.changeSaved((list) => list.filter((_, j) => j !== i));
  };

  return (
    <EntryListPage
      editor={editor}
      entries={entries}
      title="directory.users.title"
      intro="directory.users.intro"
      empty="directory.users.empty"
      add="directory.users.add"
      columns={[
        'directory.users.col.address',
        'directory.users.col.orgUnit',
        'directory.users.col.aliases',
        'directory.users.col.status',
        'directory.col.actions',
      ]}
      blank={BLANK}
      row={(u, i) => {
        const status = u.status ?? 'active';
        return (
          <tr key={u.address} data-user={u.address}>
            <td>{u.address}</td>
            <td>
              <code>{u.orgUnit ?? '/'}</code>
            </td>
            <td>{(u.aliases ?? []).join(', ')}</td>
            <td>
              <span className={`badge user-${status}`}>{t(`directory.users.status.${status}`)}</span>
            </td>
            <td>
              <div className="actions">
                <button type="button" disabled={busy} aria-label={t('directory.editLabel', { name: u.address })} onClick={() => entries.startEdit(i)}>
                  {t('directory.edit')}
                </button>
                {status === 'active' ? (
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={t('directory.users.suspendLabel', { address: u.address })}
                    onClick={() => setStatus(i, 'suspended')}
                  >
                    {t('directory.users.suspend')}
                  </button>
                ) : (
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={t('directory.users.reactivateLabel', { address: u.address })}
                    onClick={() => setStatus(i, 'active')}
                  >
                    {t('directory.users.reactivate')}
                  </button>
                )}
                <button type="button" disabled={busy} aria-label={t('directory.deleteLabel', { name: u.address })} onClick={() => remove(u, i)}>
                  {t('directory.delete')}
                </button>
              </div>
            </td>
          </tr>
        );
      }}
      form={(open, draft) => (
        <UserForm
          editor={editor}
          index={open.index}
          isNew={open.isNew}
          user={open.entry}
          units={unitPaths(draft)}
          onChange={entries.set}
          onClose={entries.cancel}
          onSaved={entries.done}
        />
      )}
    />
  );
}

function UserForm(props: {
  editor: ConfigEditor;
  index: number;
  isNew: boolean;
  user: DirectoryUserDoc;
  units: readonly string[];
  onChange(user: DirectoryUserDoc): void;
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const { editor, index, user } = props;
  const base = `users[${index}]`;
  const { all, at } = entryProblems(editor, base);
  const set = (patch: Partial<DirectoryUserDoc>) => props.onChange({ ...user, ...patch });
  const aliases = user.aliases ?? [];
  const units = props.units.includes(user.orgUnit ?? '/') ? props.units : [...props.units, user.orgUnit ?? '/'];

  return (
    <EntryForm
      id="user-form"
      title={props.isNew ? t('directory.users.addTitle') : t('directory.users.editTitle', { address: user.address })}
      editor={editor}
      base={base}
      fields={['address', 'orgUnit', 'status', 'aliases']}
      closeLabel={t('directory.cancel')}
      onClose={props.onClose}
      onSaved={props.onSaved}
    >
      <div className="form-grid">
        <TextField
          id="user-address"
          label={t('directory.users.address')}
          value={user.address}
          placeholder="alice@solarmora.com"
          problems={at('address')}
          onChange={(address) => set({ address })}
        />
        <label htmlFor="user-org-unit">{t('directory.users.orgUnit')}</label>
        <div>
          <select
            id="user-org-unit"
            value={user.orgUnit ?? '/'}
            aria-describedby={at('orgUnit').length > 0 ? 'user-org-unit-problems' : undefined}
            onChange={(e) => set({ orgUnit: e.target.value })}
          >
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
          <FieldProblems id="user-org-unit-problems" problems={at('orgUnit')} />
        </div>
        <label htmlFor="user-status">{t('directory.users.status')}</label>
        <div>
          <select id="user-status" value={user.status ?? 'active'} onChange={(e) => set({ status: e.target.value === 'suspended' ? 'suspended' : 'active' })}>
            <option value="active">{t('directory.users.status.active')}</option>
            <option value="suspended">{t('directory.users.status.suspended')}</option>
          </select>
          <FieldProblems id="user-status-problems" problems={at('status')} />
        </div>
      </div>
      <AddressListEditor
        id="user-aliases"
        legend={t('directory.users.aliases')}
        items={aliases}
        itemLabel={(n) => t('directory.users.aliasN', { n })}
        addLabel={t('directory.users.addAlias')}
        removeLabel={(n) => t('directory.users.removeAliasN', { n })}
        problemsAt={(j) => at(`aliases[${j}]`)}
        onChange={(next) => set({ aliases: next })}
      />
      <FieldProblems id="user-aliases-problems" problems={all.filter((p) => p.path === `${base}.aliases`)} />
    </EntryForm>
  );
}

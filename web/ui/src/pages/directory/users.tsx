import { problemsUnder, type ConfigProblem, type DirectoryUserDoc } from '../../api/config-document.js';
import { checkProblems, FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, type ConfigEditor, useConfigEditor } from '../../components/config-editor.js';
import { DataTable, useEntryEditing } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
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
  const { loaded, draft } = editor;

  if (editor.loadError) return <ErrorNote error={editor.loadError} />;
  if (!loaded || !draft) return <Loading />;
  const { saved: users, open, busy } = entries;
  const setStatus = (i: number, status: 'active' | 'suspended') => void entries.changeSaved((list) => list.map((u, j) => (j === i ? { ...u, status } : u)));
  const remove = (u: DirectoryUserDoc, i: number) => {
    if (window.confirm(t('directory.users.confirmDelete', { address: u.address }))) void entries.changeSaved((list) => list.filter((_, j) => j !== i));
  };

  return (
    <>
      <h1>{t('directory.users.title')}</h1>
      <p>{t('directory.users.intro')}</p>
      <RefusedChange problems={entries.refused} />
      {users.length === 0 ? (
        <p className="empty">{t('directory.users.empty')}</p>
      ) : (
        <DataTable columns={['directory.users.col.address', 'directory.users.col.orgUnit', 'directory.users.col.aliases', 'directory.users.col.status', 'directory.col.actions']}>
          {users.map((u, i) => {
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
                      <button type="button" disabled={busy} aria-label={t('directory.users.suspendLabel', { address: u.address })} onClick={() => setStatus(i, 'suspended')}>
                        {t('directory.users.suspend')}
                      </button>
                    ) : (
                      <button type="button" disabled={busy} aria-label={t('directory.users.reactivateLabel', { address: u.address })} onClick={() => setStatus(i, 'active')}>
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
          })}
        </DataTable>
      )}
      {open ? (
        <UserForm editor={editor} index={open.index} isNew={open.isNew} user={open.entry} units={unitPaths(draft)} onChange={entries.set} onClose={entries.cancel} onSaved={entries.done} />
      ) : (
        <p>
          <button type="button" className="primary" disabled={editor.saving} onClick={() => entries.startAdd(BLANK)}>
            {t('directory.users.add')}
          </button>
        </p>
      )}
      {!open && editor.saveError && <ErrorNote error={editor.saveError} />}
    </>
  );
}

function UserForm(props: { editor: ConfigEditor; index: number; isNew: boolean; user: DirectoryUserDoc; units: readonly string[]; onChange(user: DirectoryUserDoc): void; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { editor, index, user } = props;
  const base = `users[${index}]`;
  const { errors, warnings } = checkProblems(editor.check);
  const all: ConfigProblem[] = [...errors, ...warnings];
  const at = (field: string) => problemsUnder(all, `${base}.${field}`);
  const set = (patch: Partial<DirectoryUserDoc>) => props.onChange({ ...user, ...patch });
  const aliases = user.aliases ?? [];
  const fields = ['address', 'orgUnit', 'status', 'aliases'].map((f) => `${base}.${f}`);
  const units = props.units.includes(user.orgUnit ?? '/') ? props.units : [...props.units, user.orgUnit ?? '/'];

  return (
    <section className="entry-form" aria-labelledby="user-form-title">
      <h2 id="user-form-title">{props.isNew ? t('directory.users.addTitle') : t('directory.users.editTitle', { address: user.address })}</h2>
      <div className="form-grid">
        <label htmlFor="user-address">{t('directory.users.address')}</label>
        <div>
          <input
            id="user-address"
            value={user.address}
            placeholder="alice@solarmora.com"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={at('address').some((p) => p.severity === 'error') || undefined}
            aria-describedby={at('address').length > 0 ? 'user-address-problems' : undefined}
            onChange={(e) => set({ address: e.target.value })}
          />
          <FieldProblems id="user-address-problems" problems={at('address')} />
        </div>
        <label htmlFor="user-org-unit">{t('directory.users.orgUnit')}</label>
        <div>
          <select id="user-org-unit" value={user.orgUnit ?? '/'} aria-describedby={at('orgUnit').length > 0 ? 'user-org-unit-problems' : undefined} onChange={(e) => set({ orgUnit: e.target.value })}>
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
        problemsAt={(j) => problemsUnder(all, `${base}.aliases[${j}]`)}
        onChange={(next) => set({ aliases: next })}
      />
      <FieldProblems id="user-aliases-problems" problems={all.filter((p) => p.path === `${base}.aliases`)} />
      <OtherProblems problems={problemsElsewhere(all, fields)} />
      <SaveBar editor={editor} onSaved={props.onSaved} />
      <p>
        <button type="button" onClick={props.onClose}>
          {t('directory.cancel')}
        </button>
      </p>
    </section>
  );
}

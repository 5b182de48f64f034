import { problemsUnder, type ConfigDocument } from '../../api/config-document.js';
import { FieldProblems, OtherProblems, problemsElsewhere, RefusedChange, SaveBar, useCheckedChange, useConfigEditor } from '../../components/config-editor.js';
import { checkedProblems, describedBy } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useI18n } from '../../i18n/i18n.js';
import { sameAddress, withEntry } from './directory-kit.js';
import '../../admin.css';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/**
 * The hosted domains. The domain being typed is the draft's next entry, so the server checks
 * it as it is typed and the save bar's button adds it.
 */
export function DomainsPage() {
  const { t } = useI18n();
  const editor = useConfigEditor();
  const change = useCheckedChange(editor);
  const { loaded, draft } = editor;

  const saved = loaded?.document.domains ?? [];
  const next = saved.length;
  const typed = draft?.domains?.[next] ?? '';
  const duplicate = typed.trim() !== '' && saved.some((d) => sameAddress(d, typed));
  const all = checkedProblems(editor);
  const fieldProblems = duplicate
    ? [{ severity: 'error' as const, message: t('directory.domains.duplicate', { domain: typed.trim() }) }]
    : problemsUnder(all, `domains[${next}]`);

  const type = (value: string) => {
    if (!loaded) return;
    const base = loaded.document;
    editor.update(() => (value === '' ? structuredClone(base) : { ...structuredClone(base), domains: withEntry(base.domains, next, value) }));
  };
  const usersIn = (domain: string, doc: ConfigDocument) => (doc.users ?? []).filter((u) => sameAddress(domainOf(u.address), domain)).length;
  const remove = (domain: string) => {
    if (!window.confirm(t('directory.domains.confirmRemove', { domain }))) return;
    void change.apply((doc) => ({ ...doc, domains: (doc.domains ?? []).filter((d) => d !== domain) }));
  };

  return (
    <>
      <h1>{t('nav.domains')}</h1>
      <p>{t('directory.domains.intro')}</p>
      {editor.loadError && <ErrorNote error={editor.loadError} />}
      {!loaded && !editor.loadError && <Loading />}
      {loaded && (
        <>
          <RefusedChange problems={change.refused} />
          {saved.length === 0 ? (
            <p className="empty">{t('directory.domains.empty')}</p>
          ) : (
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">{t('directory.domains.col.domain')}</th>
                  <th scope="col">{t('directory.domains.col.users')}</th>
                  <th scope="col">{t('directory.col.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {saved.map((d) => (
                  <tr key={d} data-domain={d}>
                    <td>{d}</td>
                    <td>{usersIn(d, loaded.document)}</td>
                    <td>
                      <div className="actions">
                        <button
                          type="button"
                          disabled={editor.saving || editor.dirty}
                          aria-label={t('directory.domains.removeLabel', { domain: d })}
                          onClick={() => remove(d)}
                        >
                          {t('directory.remove')}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>{t('directory.domains.addTitle')}</h2>
          <form
            className="add-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!duplicate && editor.check.kind === 'done' && editor.check.result.ok) void editor.save();
            }}
          >
            <label htmlFor="domain-name">{t('directory.domains.name')}</label>
            <input
              id="domain-name"
              value={typed}
              placeholder="solarmora.com"
              autoComplete="off"
              spellCheck={false}
              {...describedBy('domain-name', fieldProblems)}
              onChange={(e) => type(e.target.value)}
            />
            <FieldProblems id="domain-name-problems" problems={fieldProblems} />
          </form>
          <OtherProblems problems={problemsElsewhere(all, [`domains[${next}]`])} />
          {!duplicate && <SaveBar editor={editor} saveLabel={t('directory.domains.add')} />}
        </>
      )}
    </>
  );
}

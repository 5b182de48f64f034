/**
 * Who takes a new case, as the configuration in force says (desk.assignment, and each support
 * channel's agents and autoAssign). Shown here beside the channels; edited in the file, on the
 * Configuration page, like every other part of it.
 */
import { loadConfigDocument, type ConfigDocument } from '../../api/config-document.js';
import { DataTable } from '../../components/entry-editing.js';
import { ErrorNote, Loading } from '../../components/status.js';
import { useApi } from '../../components/use-api.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';

type Desk = NonNullable<ConfigDocument['desk']>;
type Rule = NonNullable<Desk['assignment']>[number];

function whenText(t: Translate, when: Rule['when']): string {
  const parts = [
    when?.channel !== undefined ? t('assignment.when.channel', { value: when.channel }) : null,
    when?.requesterDomain !== undefined ? t('assignment.when.requesterDomain', { value: when.requesterDomain }) : null,
    when?.keyword !== undefined ? t('assignment.when.keyword', { value: when.keyword }) : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 0 ? t('assignment.when.any') : parts.join(' · ');
}

export function AssignmentSection({ refresh }: { refresh: number }) {
  const { t } = useI18n();
  const { state } = useApi(() => loadConfigDocument(), [refresh]);
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') return <ErrorNote error={state.error} />;
  const desk = state.data.document.desk;
  const support = (desk?.channels ?? []).filter((c) => c.kind === 'support');
  const rules = desk?.assignment ?? [];
  return (
    <section aria-labelledby="assignment-title" data-testid="assignment">
      <h2 id="assignment-title">{t('assignment.title')}</h2>
      <p>{t('assignment.intro')}</p>
      <p>
        <Link to="/admin/configuration">{t('assignment.edit')}</Link>
      </p>
      {support.length > 0 && (
        <DataTable columns={['assignment.col.channel', 'assignment.col.agents', 'assignment.col.autoAssign']} caption={t('assignment.channelsCaption')}>
          {support.map((c) => (
            <tr key={c.name} data-assignment-channel={c.name}>
              <td>{c.name}</td>
              <td>{c.agents && c.agents.length > 0 ? c.agents.join(', ') : <span className="muted">{t('assignment.everyAgent')}</span>}</td>
              <td>{t(c.autoAssign ? 'assignment.autoAssign.on' : 'assignment.autoAssign.off')}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {rules.length === 0 ? (
        <p className="empty">{t('assignment.noRules')}</p>
      ) : (
        <DataTable columns={['assignment.col.number', 'assignment.col.when', 'assignment.col.assign']} caption={t('assignment.rulesCaption')}>
          {rules.map((r, i) => (
            <tr key={i} data-assignment-rule={i + 1}>
              <td>{i + 1}</td>
              <td>{whenText(t, r.when)}</td>
              <td>{'agent' in r.assign ? r.assign.agent : t('assignment.assign.roundRobin')}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

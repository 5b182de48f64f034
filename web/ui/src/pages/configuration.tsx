import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';
import { listConfigVersions, loadConfigText, type ConfigText, type ConfigVersion } from './configuration/config-api.js';
import { ImportYaml } from './configuration/import-yaml.js';
import { actorText } from '../components/actor.js';
import '../admin.css';

const FILE_NAME = 'relaydesk.yaml';

/**
 * Configuration as code: the file in force (to read or download), an import that shows what
 * it would change before anything is applied, and who applied which version when.
 */
export function ConfigurationPage() {
  const { t } = useI18n();
  const current = useApi(loadConfigText, []);
  const versions = useApi(listConfigVersions, []);
  const refresh = () => {
    void current.reload(true);
    void versions.reload(true);
  };
  return (
    <>
      <h1>{t('configuration.title')}</h1>
      <p>{t('configuration.intro')}</p>
      <section aria-labelledby="config-current">
        <h2 id="config-current">{t('configuration.current.title')}</h2>
        {current.state.kind === 'loading' && <Loading />}
        {current.state.kind === 'error' && <ErrorNote error={current.state.error} />}
        {current.state.kind === 'ready' && <CurrentYaml config={current.state.data} />}
      </section>
      <ImportYaml currentYaml={current.state.kind === 'ready' ? current.state.data.yaml : null} onApplied={refresh} onReload={refresh} />
      <section aria-labelledby="config-history">
        <h2 id="config-history">{t('configuration.history.title')}</h2>
        {versions.state.kind === 'loading' && <Loading />}
        {versions.state.kind === 'error' && <ErrorNote error={versions.state.error} />}
        {versions.state.kind === 'ready' && <History items={versions.state.data.items} />}
      </section>
    </>
  );
}

function CurrentYaml({ config }: { config: ConfigText }) {
  const { t } = useI18n();
  const download = () => {
    const url = URL.createObjectURL(new Blob([config.yaml], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = FILE_NAME;
    a.click();
    // The click has started the download; the URL is not needed after this task.
    window.setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <>
      <p className="field-inline">
        <span data-testid="config-version">
          {config.version === 0 ? t('configuration.current.none') : t('configuration.current.version', { version: config.version })}
        </span>
        <button type="button" onClick={download}>
          {t('configuration.current.download', { file: FILE_NAME })}
        </button>
      </p>
      <pre className="yaml-view" tabIndex={0} aria-label={t('configuration.current.yamlLabel')} data-testid="config-yaml">
        {config.yaml}
      </pre>
    </>
  );
}

function History({ items }: { items: readonly ConfigVersion[] }) {
  const { t, formatTime } = useI18n();
  if (items.length === 0) return <p className="empty">{t('configuration.history.empty')}</p>;
  return (
    <table className="list" data-testid="config-history">
      <thead>
        <tr>
          <th scope="col">{t('configuration.history.col.version')}</th>
          <th scope="col">{t('configuration.history.col.when')}</th>
          <th scope="col">{t('configuration.history.col.who')}</th>
          <th scope="col">{t('configuration.history.col.summary')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((v) => (
          <tr key={v.version} data-version={v.version}>
            <td>{v.version}</td>
            <td>
              <time dateTime={v.appliedAt}>{formatTime(v.appliedAt)}</time>
            </td>
            <td title={v.appliedBy}>{actorText(t, v.appliedByActor)}</td>
            <td>
              <ul className="change-list">
                {v.summary
                  .split('\n')
                  .filter((line) => line.trim() !== '')
                  .map((line, i) => (
                    <li key={i}>
                      <code>{line}</code>
                    </li>
                  ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

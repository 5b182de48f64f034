import { useState, type ReactNode } from 'react';
import { api, ApiError, type Answer, type PathOf } from '../api/client.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';
import { ErrorNote, Loading } from './status.js';
import { POLL_MS, useApi } from './use-api.js';

export interface Notice {
  readonly ok: boolean;
  readonly text: string;
}

/** Runs an action and says how it went in the page's live region; the list reloads after it. */
export type Act = (run: () => Promise<string | Notice>) => Promise<void>;

/** The collections that answer a plain GET with `items`, each with an id. */
type ListPath = { [P in PathOf<'get'>]: Answer<'get', P> extends { items: readonly { id: number | string }[] } ? P : never }[PathOf<'get'>];

/**
 * A page that lists what an API collection holds, with a live status line for the actions
 * its rows offer (suspended and failed mail, and the lists to come in the admin console).
 */
export function ListPage<P extends ListPath>(props: {
  path: P;
  title: MessageKey;
  intro: MessageKey;
  empty: MessageKey;
  columns: readonly MessageKey[];
  row: (item: Answer<'get', P>['items'][number], act: Act) => ReactNode;
  poll?: boolean;
}) {
  const { t } = useI18n();
  const say = useRefusalText();
  const { state, reload } = useApi(
    () => (api.get as (path: ListPath) => Promise<Answer<'get', P>>)(props.path),
    [props.path],
    props.poll === false ? {} : { pollMs: POLL_MS },
  );
  const [notice, setNotice] = useState<Notice | null>(null);
  const act: Act = async (run) => {
    try {
      const r = await run();
      setNotice(typeof r === 'string' ? { ok: true, text: r } : r);
    } catch (e) {
      setNotice({ ok: false, text: e instanceof ApiError && e.status !== 0 ? say(e) : t('app.error.network') });
    }
    void reload(true);
  };
  return (
    <>
      <h1>{t(props.title)}</h1>
      <p>{t(props.intro)}</p>
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'}>
        {notice?.text ?? ''}
      </p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t(props.empty)}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                {props.columns.map((c) => (
                  <th scope="col" key={c}>
                    {t(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{state.data.items.map((item) => props.row(item, act))}</tbody>
          </table>
        ))}
    </>
  );
}

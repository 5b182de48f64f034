import { useId, useState } from 'react';
import { ApiError } from '../api/client.js';
import type { Message } from '../api/shapes.js';
import { useI18n, type Translate } from '../i18n/i18n.js';
import { actorText } from './actor.js';
import { MailFrame } from './mail-frame.js';
import { ErrorNote } from './status.js';

/** A message's header block as the server gives it: text, shown as text. */
export type HeaderBlock = { headers: string; truncated: boolean };

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Who a message is from: the sender of incoming mail, the agent (or system) behind the rest. */
function senderOf(m: Message, t: Translate): string {
  if (m.direction !== 'in') return m.authorActor ? actorText(t, m.authorActor) : (m.from?.address ?? '?');
  if (!m.from) return '?';
  return m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address;
}

/**
 * One message of a case's or a lead's thread: its header, its HTML in the sandboxed frame
 * (or its text), and its attachments as downloads. `basePath` is the owner's API path
 * (`/api/cases/1001`, `/api/leads/7`), under which the server serves both the frame and
 * the attachments, checking that the message belongs to that owner. With `headersOf`, a
 * message that came or went as email offers its original headers.
 */
export function MessageCard({ m, basePath, headersOf }: { m: Message; basePath: string; headersOf?: (messageId: number) => Promise<HeaderBlock> }) {
  const { t, formatTime } = useI18n();
  const who = senderOf(m, t);
  return (
    <div className={`message message-${m.direction}`} data-direction={m.direction}>
      <header className="message-head">
        <span className="message-kind">{t(`case.direction.${m.direction}`)}</span>
        <span>{m.direction === 'in' ? t('case.from', { from: who }) : t('case.by', { author: who })}</span>
        {m.direction !== 'note' && m.to.length > 0 && (
          <span className="muted" data-testid="message-to">
            {t('case.to', { to: m.to.join(', ') })}
          </span>
        )}
        {m.direction !== 'note' && m.cc.length > 0 && (
          <span className="muted" data-testid="message-cc">
            {t('mail.cc', { cc: m.cc.join(', ') })}
          </span>
        )}
        <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
      </header>
      {headersOf && m.direction !== 'note' && m.queueId !== null && <OriginalHeaders load={() => headersOf(m.id)} from={who} />}
      {m.messageIdReused && (
        <p className="message-flag" role="note">
          {t('case.messageIdReused', { messageId: m.messageId ?? '' })}
        </p>
      )}
      {m.html ? (
        <MailFrame basePath={basePath} messageId={m.id} html={m.html} text={m.text} from={who} />
      ) : (
        <pre className="message-text">{m.text || t('case.noBody')}</pre>
      )}
      {m.attachments.length > 0 && (
        <div className="attachments">
          <h3>{t('case.attachments')}</h3>
          <ul>
            {m.attachments.map((a) => (
              <li key={a.id}>
                <a
                  className="filename"
                  href={`${basePath}/messages/${m.id}/attachments/${a.id}`}
                  download={a.filename}
                  title={a.originalFilename === null ? undefined : t('mail.attachment.sentAs', { name: a.originalFilename })}
                >
                  {a.filename}
                </a>{' '}
                {a.originalFilename !== null && <span className="muted original-filename">{t('mail.attachment.sentAs', { name: a.originalFilename })} </span>}
                <span className="muted">
                  ({a.contentType}, {formatSize(a.size)})
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** The message's header block on demand, fetched once and shown as plain text. */
function OriginalHeaders({ load, from }: { load: () => Promise<HeaderBlock>; from: string }) {
  const { t } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<{ kind: 'idle' | 'loading' } | { kind: 'ready'; block: HeaderBlock } | { kind: 'error'; error: ApiError }>({
    kind: 'idle',
  });
  const toggle = async () => {
    const next = !open;
    setOpen(next);
    if (!next || state.kind === 'ready' || state.kind === 'loading') return;
    setState({ kind: 'loading' });
    try {
      setState({ kind: 'ready', block: await load() });
    } catch (e) {
      setState({ kind: 'error', error: e instanceof ApiError ? e : new ApiError(0, String(e), 'NETWORK', []) });
    }
  };
  return (
    <div className="original-headers">
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => void toggle()}>
        {open ? t('mail.headers.hide') : t('mail.headers.show')}
      </button>
      <div id={id} hidden={!open}>
        {state.kind === 'loading' && <p>{t('app.loading')}</p>}
        {state.kind === 'error' && <ErrorNote error={state.error} />}
        {state.kind === 'ready' && (
          <>
            {state.block.truncated && <p className="muted">{t('mail.headers.truncated')}</p>}
            <pre className="header-block" aria-label={t('mail.headers.label', { from })} tabIndex={0}>
              {state.block.headers}
            </pre>
          </>
        )}
      </div>
    </div>
  );
}

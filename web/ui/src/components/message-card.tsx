import type { Message } from '../api/shapes.js';
import { useI18n } from '../i18n/i18n.js';
import { MailFrame } from './mail-frame.js';

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Who a message is from: the sender of incoming mail, the agent (or system) behind the rest. */
function senderOf(m: Message): string {
  if (m.direction !== 'in') return m.author ?? m.from?.address ?? '?';
  if (!m.from) return '?';
  return m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address;
}

/**
 * One message of a case's or a lead's thread: its header, its HTML in the sandboxed frame
 * (or its text), and its attachments as downloads. `basePath` is the owner's API path
 * (`/api/cases/1001`, `/api/leads/7`), under which the server serves both the frame and
 * the attachments, checking that the message belongs to that owner.
 */
export function MessageCard({ m, basePath }: { m: Message; basePath: string }) {
  const { t, formatTime } = useI18n();
  const who = senderOf(m);
  return (
    <div className={`message message-${m.direction}`} data-direction={m.direction}>
      <header className="message-head">
        <span className="message-kind">{t(`case.direction.${m.direction}`)}</span>
        <span>{m.direction === 'in' ? t('case.from', { from: who }) : t('case.by', { author: who })}</span>
        {m.direction !== 'note' && m.to.length > 0 && <span className="muted">{t('case.to', { to: m.to.join(', ') })}</span>}
        <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
      </header>
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
                <a className="filename" href={`${basePath}/messages/${m.id}/attachments/${a.id}`} download={a.filename}>
                  {a.filename}
                </a>{' '}
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

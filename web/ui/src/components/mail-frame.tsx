import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';

/** The intake's sanitiser keeps a remote image's address in this attribute, behind a placeholder. */
const REMOTE_SRC_ATTRIBUTE = 'data-remote-src';

/**
 * One message's HTML in an iframe with an empty sandbox: no script, no same origin, no
 * forms, no popups, no navigation of the console. The server serves the frame's document
 * with its own CSP, which loads no remote image until the agent allows them here. Its
 * size cannot be measured from outside (that would need same origin), so it is estimated
 * from the text and can be resized.
 */
export function MailFrame({ basePath, messageId, html, text, from }: { basePath: string; messageId: number; html: string; text: string; from: string }) {
  const { t } = useI18n();
  const [remote, setRemote] = useState(false);
  const lines = text.split('\n').reduce((n, line) => n + 1 + Math.floor(line.length / 90), 0);
  const height = Math.min(640, Math.max(140, lines * 24 + 48));
  const remoteImages = html.includes(REMOTE_SRC_ATTRIBUTE);
  const src = `${basePath}/messages/${messageId}/frame${remote ? '?images=1' : ''}`;
  return (
    <div className="mail-html">
      {remoteImages && (
        <div className="remote-images" data-testid="remote-images">
          {remote ? (
            <span>{t('case.remoteImagesShown')}</span>
          ) : (
            <>
              <span>{t('case.remoteImagesBlocked')}</span>
              <button type="button" onClick={() => setRemote(true)}>
                {t('case.allowRemoteImages')}
              </button>
            </>
          )}
        </div>
      )}
      <iframe sandbox="" src={src} title={t('case.htmlFrameTitle', { from })} style={{ height }} referrerPolicy="no-referrer" />
    </div>
  );
}

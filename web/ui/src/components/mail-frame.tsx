import { useMemo, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { buildFrameDocument, hasRemoteImages } from '../mail-frame-doc.js';

/**
 * One message's HTML in an iframe with an empty sandbox: no script, no same origin, no
 * forms, no popups, no navigation of the console. Its size cannot be measured from outside
 * (that would need same origin), so it is estimated from the text and can be resized.
 */
export function MailFrame({ html, text, from }: { html: string; text: string; from: string }) {
  const { t } = useI18n();
  const [remote, setRemote] = useState(false);
  const doc = useMemo(() => buildFrameDocument(html, { remoteImages: remote }), [html, remote]);
  const lines = text.split('\n').reduce((n, line) => n + 1 + Math.floor(line.length / 90), 0);
  const height = Math.min(640, Math.max(140, lines * 24 + 48));
  const remoteImages = hasRemoteImages(html);
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
      <iframe sandbox="" srcDoc={doc} title={t('case.htmlFrameTitle', { from })} style={{ height }} referrerPolicy="no-referrer" />
    </div>
  );
}

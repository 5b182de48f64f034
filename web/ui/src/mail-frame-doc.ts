/**
 * The document shown inside a message's sandboxed iframe. The server sanitised the HTML at
 * intake; this is the second wall: the frame runs no script (sandbox without allow-scripts)
 * and its own CSP lets it load nothing but inline styles and data:/cid: images, so a remote
 * image cannot tell the sender the mail was read until the agent allows it.
 */
export const BLOCKED_CSP = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";
export const REMOTE_IMAGES_CSP = "default-src 'none'; img-src https: http: data: cid:; style-src 'unsafe-inline'";

const FRAME_STYLE = [
  'html { color-scheme: light; }',
  'body { margin: 0; padding: 12px; font: 15px/1.5 system-ui, "Noto Sans CJK JP", "Noto Sans JP", sans-serif; color: #1b1f24; background: #fff; overflow-wrap: anywhere; }',
  'img { max-width: 100%; height: auto; }',
  'pre { white-space: pre-wrap; }',
  'blockquote { margin: 0 0 0 0.5em; padding-left: 0.75em; border-left: 3px solid #c9d1d9; color: #57606a; }',
].join('\n');

/** The sanitiser keeps a remote image's address in this attribute, behind a placeholder. */
export const REMOTE_SRC_ATTRIBUTE = 'data-remote-src';

export function hasRemoteImages(html: string): boolean {
  return html.includes(REMOTE_SRC_ATTRIBUTE);
}

/**
 * Puts each remote image's address back into `src`. DOMParser builds an inert document:
 * nothing in it runs or loads while we edit it.
 */
export function restoreRemoteImages(html: string): string {
  const doc = new DOMParser().parseFromString(`<!doctype html><html><body>${html}</body></html>`, 'text/html');
  for (const img of Array.from(doc.querySelectorAll(`img[${REMOTE_SRC_ATTRIBUTE}]`))) {
    const src = img.getAttribute(REMOTE_SRC_ATTRIBUTE) ?? '';
    if (/^https?:\/\//i.test(src)) img.setAttribute('src', src);
    img.removeAttribute(REMOTE_SRC_ATTRIBUTE);
  }
  return doc.body.innerHTML;
}

export function buildFrameDocument(html: string, opts: { remoteImages: boolean }): string {
  const body = opts.remoteImages ? restoreRemoteImages(html) : html;
  const csp = opts.remoteImages ? REMOTE_IMAGES_CSP : BLOCKED_CSP;
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    `<style>${FRAME_STYLE}</style>`,
    `</head><body>${body}</body></html>`,
  ].join('');
}

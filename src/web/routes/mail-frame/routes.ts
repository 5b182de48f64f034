import type { FastifyInstance } from 'fastify';
import sanitizeHtml from 'sanitize-html';
import { loadAttachment, loadCaseByNumber, loadDeskMessages } from '../../../store/index.js';
import type { ApiDeps } from '../../api/api-deps.js';
import { authenticate } from '../../api/route-kit.js';
import type { Authenticator } from '../../auth/principal.js';
import { HttpProblem } from '../../http-problem.js';
import { decidePermission } from '../../policies/policy.js';

/**
 * A message's HTML as its own document, for the case view's sandboxed iframe. Served by
 * URL rather than srcdoc so that it carries its own CSP: a srcdoc frame inherits the
 * console's, which must stay strict for the console and cannot be the frame's. The
 * frame's policy loads nothing remote (the sender cannot learn the mail was read) until
 * the agent asks for `?images=1`; it never runs script either way.
 */
const BLOCKED_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";
const REMOTE_CSP = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

const FRAME_STYLE = [
  'html { color-scheme: light; }',
  'body { margin: 0; padding: 12px; font: 15px/1.5 system-ui, "Noto Sans CJK JP", "Noto Sans JP", sans-serif; color: #1b1f24; background: #fff; overflow-wrap: anywhere; }',
  'img { max-width: 100%; height: auto; }',
  'pre { white-space: pre-wrap; }',
  'blockquote { margin: 0 0 0 0.5em; padding-left: 0.75em; border-left: 3px solid #c9d1d9; color: #57606a; }',
].join('\n');

/** The intake's sanitiser parked each remote image's address in data-remote-src; put it back. */
function restoreRemoteImages(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      img: (tagName, attribs) => {
        const remote = attribs['data-remote-src'];
        if (!remote || !/^https?:\/\//i.test(remote)) return { tagName, attribs };
        const { ['data-remote-src']: _parked, ...rest } = attribs;
        return { tagName, attribs: { ...rest, src: remote } };
      },
    },
  });
}

export function mailFrameRoutes(deps: ApiDeps, authenticators: readonly Authenticator[]) {
  return async (api: FastifyInstance) => {
    api.get<{ Params: { number: string; id: string }; Querystring: { images?: string } }>('/cases/:number/messages/:id/frame', async (req, reply) => {
      const principal = await authenticate(req, authenticators);
      const permission = decidePermission(principal, 'desk.read');
      if (permission.kind === 'deny') throw new HttpProblem('FORBIDDEN', `not allowed: ${permission.reason}`);
      const number = Number(req.params.number);
      const id = Number(req.params.id);
      const c = Number.isSafeInteger(number) ? await loadCaseByNumber(deps.db, number) : null;
      const m = c && Number.isSafeInteger(id) ? (await loadDeskMessages(deps.db, { caseId: c.id })).find((x) => x.id === id) : undefined;
      if (!c || !m) throw new HttpProblem('NOT_FOUND', `no message ${req.params.id} on case #${req.params.number}`);
      const remote = req.query.images === '1';
      // The stored HTML was sanitised at intake; the text is escaped here.
      const body = m.html ? (remote ? restoreRemoteImages(m.html) : m.html) : `<pre>${sanitizeHtml(m.text, { allowedTags: [], allowedAttributes: {} })}</pre>`;
      reply
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Content-Security-Policy', remote ? REMOTE_CSP : BLOCKED_CSP)
        .header('X-Frame-Options', 'SAMEORIGIN')
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer');
      return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${FRAME_STYLE}</style></head><body>${body}</body></html>`;
    });

    // An attachment is always a download, never a page of ours: whatever a sender put in it
    // (HTML, SVG with script) cannot run in the console's origin.
    api.get<{ Params: { number: string; id: string; att: string } }>('/cases/:number/messages/:id/attachments/:att', async (req, reply) => {
      const principal = await authenticate(req, authenticators);
      const permission = decidePermission(principal, 'desk.read');
      if (permission.kind === 'deny') throw new HttpProblem('FORBIDDEN', `not allowed: ${permission.reason}`);
      const c = await loadCaseByNumber(deps.db, Number(req.params.number) || 0);
      const a = c ? await loadAttachment(deps.db, { caseId: c.id, messageId: Number(req.params.id) || 0, attachmentId: Number(req.params.att) || 0 }) : null;
      if (!a) throw new HttpProblem('NOT_FOUND', `no attachment ${req.params.att} on message ${req.params.id} of case #${req.params.number}`);
      if (!a.content) throw new HttpProblem('NOT_FOUND', `attachment ${a.filename} was left out at intake (over the size limit); the raw message keeps it`);
      const ascii = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
      reply
        .header('Content-Type', 'application/octet-stream')
        .header('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`)
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .header('Cache-Control', 'no-store');
      return a.content;
    });
  };
}

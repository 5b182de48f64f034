import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sanitizeHtml from 'sanitize-html';
import { cidReferences, inlineCidImages, inlineImageType } from '../../../desk/index.js';
import {
  loadAttachment,
  loadCaseByNumber,
  loadContentIdParts,
  loadDeskMessages,
  loadLead,
  openBlob,
  type Db,
  type DeskMessageOwner,
} from '../../../store/index.js';
import type { ApiDeps } from '../../api/api-deps.js';
import { authenticate } from '../../api/route-kit.js';
import type { Authenticator } from '../../auth/principal.js';
import { HttpProblem } from '../../http-problem.js';
import { decidePermission } from '../../policies/policy.js';

/**
 * A case's or a lead's message as its own document, for the console's sandboxed iframe.
 * Served by URL rather than srcdoc so that it carries its own CSP: a srcdoc frame inherits
 * the console's, which must stay strict for the console and cannot be the frame's. The
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
    // The HTML was sanitised at intake: its cid: and data: images stay as they are.
    allowedSchemesAppliedToAttributes: [],
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

/**
 * The image bytes one frame carries as `data:` URLs, all together: a mail's logos and
 * screenshots fit many times over; an image past it stays a broken `cid:` image (its
 * attachment still downloads), so a mail of huge images cannot make every view of it huge.
 */
const INLINE_IMAGES_MAX_BYTES = 8 * 1024 * 1024;

/** Content-ID → data URL for the images of this message its HTML names, within the budget. */
async function inlineImages(db: Db, owner: DeskMessageOwner, messageId: number, html: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = new Set(cidReferences(html));
  if (wanted.size === 0) return out;
  let budget = INLINE_IMAGES_MAX_BYTES;
  for (const part of await loadContentIdParts(db, { ...owner, messageId })) {
    const type = inlineImageType(part.contentType);
    if (!type || !wanted.has(part.contentId) || out.has(part.contentId) || part.size > budget) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of openBlob(db, part.blobId)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    if (bytes.length > budget) continue;
    budget -= bytes.length;
    out.set(part.contentId, `data:${type};base64,${bytes.toString('base64')}`);
  }
  return out;
}

/** Whose message the URL names: only that case's or lead's own messages are served through it. */
type MessageOwner = { readonly kind: 'case'; readonly number: number } | { readonly kind: 'lead'; readonly id: number };

/** A path segment as a row id or a case number; anything else finds nothing. */
function positiveInt(segment: string): number | null {
  const n = Number(segment);
  return /^\d+$/.test(segment) && Number.isSafeInteger(n) && n > 0 ? n : null;
}

const describeOwner = (o: MessageOwner): string => (o.kind === 'case' ? `case #${o.number}` : `lead ${o.id}`);

/** The owner's row, or null when there is no such case or lead. */
async function ownerRow(db: Db, o: MessageOwner): Promise<DeskMessageOwner | null> {
  if (o.kind === 'case') {
    const c = await loadCaseByNumber(db, o.number);
    return c ? { caseId: c.id } : null;
  }
  const l = await loadLead(db, o.id);
  return l ? { leadId: l.id } : null;
}

/** Who is asking may read the desk (a session or a token), or the request is refused. */
export async function requireDeskRead(req: FastifyRequest, authenticators: readonly Authenticator[]): Promise<void> {
  const principal = await authenticate(req, authenticators);
  const permission = decidePermission(principal, 'desk.read');
  if (permission.kind === 'deny') throw new HttpProblem('FORBIDDEN', `not allowed: ${permission.reason}`);
}

/** The document of one message's frame: its sanitised HTML, or its text escaped. */
async function serveFrame(db: Db, owner: MessageOwner, messageSegment: string, remote: boolean, reply: FastifyReply): Promise<string> {
  const row = await ownerRow(db, owner);
  const id = positiveInt(messageSegment);
  const m = row && id !== null ? (await loadDeskMessages(db, row)).find((x) => x.id === id) : undefined;
  if (!m) throw new HttpProblem('NOT_FOUND', `no message ${messageSegment} on ${describeOwner(owner)}`);
  // The stored HTML was sanitised at intake; the text is escaped here.
  const html = m.html === null ? null : inlineCidImages(remote ? restoreRemoteImages(m.html) : m.html, await inlineImages(db, row!, m.id, m.html));
  const body = html ?? `<pre>${sanitizeHtml(m.text, { allowedTags: [], allowedAttributes: {} })}</pre>`;
  reply
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Security-Policy', remote ? REMOTE_CSP : BLOCKED_CSP)
    .header('X-Frame-Options', 'SAMEORIGIN')
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer');
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${FRAME_STYLE}</style></head><body>${body}</body></html>`;
}

/**
 * An attachment is always a download, never a page of ours: whatever a sender put in it
 * (HTML, SVG with script) cannot run in the console's origin.
 */
async function serveAttachment(db: Db, owner: MessageOwner, segments: { message: string; attachment: string }, reply: FastifyReply): Promise<FastifyReply> {
  const row = await ownerRow(db, owner);
  const messageId = positiveInt(segments.message);
  const attachmentId = positiveInt(segments.attachment);
  const a = row && messageId !== null && attachmentId !== null ? await loadAttachment(db, { ...row, messageId, attachmentId }) : null;
  if (!a) throw new HttpProblem('NOT_FOUND', `no attachment ${segments.attachment} on message ${segments.message} of ${describeOwner(owner)}`);
  if (!a.blobId) throw new HttpProblem('NOT_FOUND', `attachment ${a.filename} was left out at intake (over the size limit); the raw message keeps it`);
  const ascii = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  reply
    .header('Content-Type', 'application/octet-stream')
    .header('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`)
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    .header('Content-Length', String(a.size))
    .header('Cache-Control', 'no-store');
  // Streamed from the store a chunk at a time: a 30 MB attachment is never whole in memory.
  return reply.send(openBlob(db, a.blobId));
}

/** Where a case's and a lead's messages live under /api, and how the URL names their owner. */
const OWNER_PATHS: readonly { readonly prefix: string; ownerOf(params: Record<string, string>): MessageOwner }[] = [
  { prefix: '/cases/:number', ownerOf: (p) => ({ kind: 'case', number: ownerSegment(p.number, `no case #${p.number}`) }) },
  { prefix: '/leads/:id', ownerOf: (p) => ({ kind: 'lead', id: ownerSegment(p.id, `no lead ${p.id}`) }) },
];

function ownerSegment(segment: string | undefined, missing: string): number {
  const n = positiveInt(segment ?? '');
  if (n === null) throw new HttpProblem('NOT_FOUND', missing);
  return n;
}

export function mailFrameRoutes(deps: ApiDeps, authenticators: readonly Authenticator[]) {
  return async (api: FastifyInstance) => {
    for (const { prefix, ownerOf } of OWNER_PATHS) {
      api.get<{ Params: Record<string, string>; Querystring: { images?: string } }>(`${prefix}/messages/:mid/frame`, async (req, reply) => {
        await requireDeskRead(req, authenticators);
        return serveFrame(deps.db, ownerOf(req.params), req.params.mid ?? '', req.query.images === '1', reply);
      });
      api.get<{ Params: Record<string, string> }>(`${prefix}/messages/:mid/attachments/:att`, async (req, reply) => {
        await requireDeskRead(req, authenticators);
        return serveAttachment(deps.db, ownerOf(req.params), { message: req.params.mid ?? '', attachment: req.params.att ?? '' }, reply);
      });
    }
  };
}

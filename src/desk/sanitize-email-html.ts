/**
 * Turn the HTML of an inbound mail into HTML an agent's browser can show safely.
 *
 * Mail HTML is hostile by default: scripts, event handlers, `javascript:` links, CSS
 * expressions, forms that phish for the agent's password, and remote images that tell the
 * sender when (and from where) the mail was read. We keep a conservative set of formatting
 * tags and attributes, filter inline styles ourselves, and never let the page load anything:
 * a remote image keeps its address in `data-remote-src` behind a placeholder, so the UI can
 * offer "show images" later; `cid:` images stay for the UI to map onto attachments.
 */
import sanitizeHtml from 'sanitize-html';

export interface SanitizeOptions {
  /** HTML longer than this is cut before parsing: the parser's work grows with the input. */
  maxInputChars?: number;
}

export interface SanitizedHtml {
  html: string;
  /** How many remote images were disarmed (rewritten to `data-remote-src`). */
  remoteImages: number;
  /** What was taken out, one entry per kind (`<script>`, `on* handler`, `javascript: URL`…). */
  removed: string[];
}

/** 2 M characters is far beyond any real mail body and still parses in well under a second. */
export const MAX_HTML_INPUT_CHARS = 2_000_000;

/** A 1×1 transparent GIF: keeps the layout of a disarmed remote image without loading it. */
export const REMOTE_IMAGE_PLACEHOLDER = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

const ALLOWED_TAGS = [
  'a',
  'abbr',
  'address',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'mark',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'tt',
  'u',
  'ul',
  'wbr',
];
/** Elements dropped with everything inside them (not only the tags). */
const DROPPED_WITH_CONTENT = [
  'script',
  'style',
  'title',
  'textarea',
  'option',
  'noscript',
  'xmp',
  'iframe',
  'object',
  'embed',
  'template',
  'svg',
  'math',
  'head',
  'select',
  'button',
  'noembed',
  'noframes',
  'frameset',
];
const COMMON_ATTRIBUTES = ['style', 'title', 'dir', 'lang', 'align', 'valign', 'width', 'height', 'bgcolor'];
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': COMMON_ATTRIBUTES,
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'data-remote-src', 'border'],
  font: ['face', 'size', 'color'],
  table: ['border', 'cellpadding', 'cellspacing'],
  td: ['colspan', 'rowspan', 'nowrap'],
  th: ['colspan', 'rowspan', 'nowrap', 'scope'],
  col: ['span'],
  colgroup: ['span'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value'],
  blockquote: ['cite'],
  q: ['cite'],
};
/** Only these inline images are shown as they are; an SVG data URL can carry script. */
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp);base64,[a-z0-9+/=\s]*$/i;
/**
 * CSS that runs code, loads something or escapes its box. `url(` is refused outright (even
 * `cid:`), because the style never needs it to stay readable and every remote load leaks.
 */
const DANGEROUS_CSS_VALUE = /expression\s*\(|url\s*\(|image-set\s*\(|javascript:|vbscript:|@import|\\|[<>]/i;
const DANGEROUS_CSS_PROPERTY = /^(?:behavior|-moz-binding|position|z-index|content)$/;

export function sanitizeEmailHtml(html: string, opts: SanitizeOptions = {}): SanitizedHtml {
  const removed = new Set<string>();
  let remoteImages = 0;
  const max = opts.maxInputChars ?? MAX_HTML_INPUT_CHARS;
  let input = html;
  if (input.length > max) {
    input = input.slice(0, max);
    removed.add(`input beyond ${max} characters`);
  }

  const transform = (tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag => {
    const out: sanitizeHtml.Attributes = {};
    for (const [name, value] of Object.entries(attribs)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('on')) {
        removed.add('on* handler');
        continue;
      }
      if (lower === 'style') {
        const style = filterStyle(value, removed);
        if (style) out.style = style;
        continue;
      }
      out[name] = value;
    }
    if (tagName === 'a') {
      out.rel = 'noopener noreferrer';
      out.target = '_blank';
      if (out.href !== undefined && !isSafeHref(out.href)) {
        removed.add(`${urlScheme(out.href)} URL`);
        delete out.href;
      }
    }
    if (tagName === 'img' && out.src !== undefined) {
      const src = out.src.trim();
      if (/^https?:\/\//i.test(src) || src.startsWith('//')) {
        out['data-remote-src'] = src.startsWith('//') ? `https:${src}` : src;
        out.src = REMOTE_IMAGE_PLACEHOLDER;
        remoteImages += 1;
      } else if (/^cid:/i.test(src) || SAFE_DATA_IMAGE.test(src)) {
        out.src = src;
      } else {
        removed.add(/^data:/i.test(src) ? 'data: image other than png/gif/jpeg/webp' : 'image with a relative or unknown source');
        delete out.src;
      }
    }
    return { tagName, attribs: out };
  };

  const clean = sanitizeHtml(input, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: DROPPED_WITH_CONTENT,
    // Styles are filtered by filterStyle; postcss would only add a second, different opinion.
    parseStyleAttributes: false,
    nestingLimit: 200,
    transformTags: { '*': transform },
    onOpenTag: (name) => {
      if (!ALLOWED_TAGS.includes(name) && !['html', 'body', 'head'].includes(name)) removed.add(`<${name}>`);
    },
  });
  return { html: clean, remoteImages, removed: [...removed] };
}

function filterStyle(style: string, removed: Set<string>): string {
  const kept: string[] = [];
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!/^-?[a-z][a-z-]*$/.test(property) || !value) continue;
    if (DANGEROUS_CSS_PROPERTY.test(property) || DANGEROUS_CSS_VALUE.test(value)) {
      removed.add(`style ${property}`);
      continue;
    }
    kept.push(`${property}: ${value}`);
  }
  return kept.join('; ');
}

/** Entities and whitespace are already decoded here; control characters can still hide a scheme. */
function isSafeHref(href: string): boolean {
  // eslint-disable-next-line no-control-regex -- browsers ignore control characters in a URL's scheme, so the check must too
  const compact = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  if (compact.startsWith('//')) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(compact)?.[1];
  return scheme === undefined || ['http', 'https', 'mailto', 'tel'].includes(scheme);
}

function urlScheme(href: string): string {
  // eslint-disable-next-line no-control-regex -- browsers ignore control characters in a URL's scheme, so the check must too
  const compact = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  return /^([a-z][a-z0-9+.-]*):/.exec(compact)?.[1]?.concat(':') ?? 'protocol-relative';
}

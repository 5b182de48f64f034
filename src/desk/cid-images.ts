/**
 * A message's inline images (`<img src="cid:…">`, RFC 2392) shown from its own attachments.
 *
 * The frame the console shows mail in is sandboxed without same origin, so its requests are
 * cross-site and carry no console session (the cookie is SameSite=Strict): an attachment URL
 * in the frame could only load by a credential in the URL. The frame's document is fetched
 * with the session instead, and each image arrives in it as a `data:` URL, which the frame's
 * CSP already allows and which loads nothing. Pure: CPU only.
 */
import sanitizeHtml from 'sanitize-html';

/** Shown inline as the sender sent them; anything else (SVG can carry script) only downloads. */
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/gif', 'image/jpeg', 'image/webp']);

/** The bare media type, lowercased, when the desk shows it inline; null otherwise. */
export function inlineImageType(contentType: string): string | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const normal = type === 'image/jpg' || type === 'image/pjpeg' ? 'image/jpeg' : type;
  return INLINE_IMAGE_TYPES.has(normal) ? normal : null;
}

/** The Content-ID a `cid:` URL names, as the store keeps it (`<…>`); null when it names none. */
export function contentIdOf(src: string): string | null {
  const m = /^\s*cid:(.+)$/i.exec(src);
  if (!m) return null;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!.trim());
  } catch {
    return null;
  }
  id = id.replace(/^<|>$/g, '');
  return id ? `<${id}>` : null;
}

/** Every Content-ID the HTML's images name, once each. */
export function cidReferences(html: string): string[] {
  const found = new Set<string>();
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      img: (tagName, attribs) => {
        const id = contentIdOf(attribs.src ?? '');
        if (id) found.add(id);
        return { tagName, attribs };
      },
    },
  });
  return [...found];
}

/**
 * The HTML with each `cid:` image that `images` has (Content-ID → data URL) put in place. A
 * Content-ID it lacks keeps its `cid:` address: a broken image, which the frame never fetches.
 */
export function inlineCidImages(html: string, images: ReadonlyMap<string, string>): string {
  if (images.size === 0) return html;
  return sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    // The HTML was sanitised at intake; this pass only swaps addresses, and must keep cid: and data:.
    allowedSchemesAppliedToAttributes: [],
    transformTags: {
      img: (tagName, attribs) => {
        const id = contentIdOf(attribs.src ?? '');
        const url = id === null ? undefined : images.get(id);
        return url === undefined ? { tagName, attribs } : { tagName, attribs: { ...attribs, src: url } };
      },
    },
  });
}

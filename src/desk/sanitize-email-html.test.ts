import { describe, expect, it } from 'vitest';
import { REMOTE_IMAGE_PLACEHOLDER, sanitizeEmailHtml } from './sanitize-email-html.js';

const clean = (html: string): string => sanitizeEmailHtml(html).html;

describe('sanitizeEmailHtml', () => {
  it.each([
    ['script elements, with their content', '<p>a</p><script>alert(1)</script>', '<p>a</p>'],
    ['style elements', '<style>p{color:red}</style><p>a</p>', '<p>a</p>'],
    ['event handlers', '<p onclick="x()" ONMOUSEOVER="y()">a</p>', '<p>a</p>'],
    ['javascript: links', '<a href="javascript:alert(1)">a</a>', '<a rel="noopener noreferrer" target="_blank">a</a>'],
    ['javascript: hidden by entities and controls', '<a href="java&#x09;script&#58;alert(1)">a</a>', '<a rel="noopener noreferrer" target="_blank">a</a>'],
    ['vbscript: links', '<a href="vbscript:msgbox(1)">a</a>', '<a rel="noopener noreferrer" target="_blank">a</a>'],
    ['data: links', '<a href="data:text/html,<script>alert(1)</script>">a</a>', '<a rel="noopener noreferrer" target="_blank">a</a>'],
    ['protocol-relative links', '<a href="//evil.example/">a</a>', '<a rel="noopener noreferrer" target="_blank">a</a>'],
    ['iframes, objects, embeds', '<iframe src="https://e.x/"></iframe><object data="x"></object><embed src="x">ok', 'ok'],
    ['forms and inputs', '<form action="https://e.x/"><input name="pw"><button>go</button></form>ok', 'ok'],
    ['svg with script', '<svg><script>alert(1)</script><circle onload="x()"/></svg>ok', 'ok'],
    ['base and meta refresh', '<base href="https://e.x/"><meta http-equiv="refresh" content="0;url=https://e.x/">ok', 'ok'],
    ['CSS expression()', '<p style="width: expression(alert(1)); color: red">a</p>', '<p style="color: red">a</p>'],
    ['CSS url()', '<p style="background: url(https://t.example/x.png)">a</p>', '<p>a</p>'],
    ['CSS behavior and -moz-binding', '<p style="behavior: url(x.htc); -moz-binding: url(y)">a</p>', '<p>a</p>'],
    ['CSS escapes', '<p style="color: \\65 xpression(1)">a</p>', '<p>a</p>'],
    ['SVG data: images', '<img src="data:image/svg+xml;base64,PHN2Zz4=">', '<img />'],
  ])('removes %s', (_what, input, output) => {
    expect(clean(input)).toBe(output);
  });

  it('opens links in a new tab without a referrer', () => {
    expect(clean('<a href="https://example.com/" target="_self" rel="opener">x</a>')).toBe(
      '<a href="https://example.com/" target="_blank" rel="noopener noreferrer">x</a>',
    );
  });

  it('keeps formatting, tables, mailto links and safe inline styles', () => {
    const html =
      '<table border="1"><tr><td colspan="2" style="color: #333; font-weight: bold">Cell</td></tr></table><p><b>b</b> <i>i</i> <a href="mailto:a@example.com">mail</a></p>';
    expect(clean(html)).toBe(
      '<table border="1"><tr><td colspan="2" style="color: #333; font-weight: bold">Cell</td></tr></table><p><b>b</b> <i>i</i> <a href="mailto:a@example.com" rel="noopener noreferrer" target="_blank">mail</a></p>',
    );
  });

  it('disarms remote images and counts them', () => {
    const out = sanitizeEmailHtml('<img src="https://t.example/p.gif" alt="p"><img src="//cdn.example/x.png">');
    expect(out.remoteImages).toBe(2);
    expect(out.html).toBe(
      `<img src="${REMOTE_IMAGE_PLACEHOLDER}" alt="p" data-remote-src="https://t.example/p.gif" />` +
        `<img src="${REMOTE_IMAGE_PLACEHOLDER}" data-remote-src="https://cdn.example/x.png" />`,
    );
  });

  it('keeps cid: images and png/gif/jpeg data images', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    expect(clean(`<img src="cid:logo@x"><img src="${png}">`)).toBe(`<img src="cid:logo@x" /><img src="${png}" />`);
  });

  it('lists what it removed', () => {
    const out = sanitizeEmailHtml('<script>x</script><p onclick="y">a</p><a href="javascript:z">b</a>');
    expect(out.removed).toEqual(expect.arrayContaining(['<script>', 'on* handler', 'javascript: URL']));
  });

  it('cuts an oversized input and says so', () => {
    const out = sanitizeEmailHtml(`<p>${'a'.repeat(5000)}</p>`, { maxInputChars: 100 });
    expect(out.html.length).toBeLessThan(200);
    expect(out.removed).toContain('input beyond 100 characters');
  });

  it('survives 10,000 nested elements', () => {
    const html = '<div>'.repeat(10_000) + 'deep' + '</div>'.repeat(10_000);
    expect(clean(html)).not.toContain('<script');
  });
});

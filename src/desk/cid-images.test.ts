import { describe, expect, it } from 'vitest';
import { cidReferences, contentIdOf, inlineCidImages, inlineImageType } from './cid-images.js';

describe('cid: images', () => {
  it('reads the Content-ID a cid: URL names, percent-decoded as RFC 2392 writes it', () => {
    expect(contentIdOf('cid:logo%40example.com')).toBe('<logo@example.com>');
    expect(contentIdOf('CID:part1.abc@x')).toBe('<part1.abc@x>');
    expect(contentIdOf('cid:%E0%A4%A')).toBeNull();
    expect(contentIdOf('https://x.example/a.png')).toBeNull();
    expect(contentIdOf('cid:')).toBeNull();
  });

  it('shows only image types that cannot carry script', () => {
    expect(inlineImageType('IMAGE/PNG; name="a.png"')).toBe('image/png');
    expect(inlineImageType('image/jpg')).toBe('image/jpeg');
    expect(inlineImageType('image/svg+xml')).toBeNull();
    expect(inlineImageType('text/html')).toBeNull();
  });

  it('puts in the images it has and leaves every other address as it was', () => {
    const html = '<p><img src="cid:a@x" alt="a" /><img src="cid:b@x" alt="b" /><img src="data:image/gif;base64,R0lG" /></p>';
    expect(cidReferences(html)).toEqual(['<a@x>', '<b@x>']);
    expect(inlineCidImages(html, new Map([['<a@x>', 'data:image/png;base64,AAAA']]))).toBe(
      '<p><img src="data:image/png;base64,AAAA" alt="a" /><img src="cid:b@x" alt="b" /><img src="data:image/gif;base64,R0lG" /></p>',
    );
  });
});

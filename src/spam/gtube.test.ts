import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GTUBE, GtubeScanner, containsGtube } from './gtube.js';

const head = 'From: a@example.com\r\nSubject: test\r\n\r\n';

describe('containsGtube', () => {
  it.each([
    ['the string alone in the body', `${head}${GTUBE}\r\n`, true],
    ['the string inside a line of text', `${head}This is a test: ${GTUBE} please hold.\r\n`, true],
    ['a body with bare LF line ends', `From: a@example.com\nSubject: t\n\n${GTUBE}\n`, true],
    ['a plain body', `${head}Hello, my printer is jammed.\r\n`, false],
    ['the string in a header only', `Subject: ${GTUBE}\r\n\r\nhello\r\n`, false],
    ['the string cut by a line break', `${head}${GTUBE.slice(0, 30)}\r\n${GTUBE.slice(30)}\r\n`, false],
    ['lower case is not the test string', `${head}${GTUBE.toLowerCase()}\r\n`, false],
    ['an empty message', '', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(containsGtube(Buffer.from(text))).toBe(expected);
  });

  it('scans bytes, so a body in another charset still matches', () => {
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xe9, 0xff, 0x00]), Buffer.from(GTUBE), Buffer.from([0x80])]);
    expect(containsGtube(body)).toBe(true);
  });

  it('is the standard string', () => {
    expect(GTUBE).toBe('XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X');
  });
});

describe('GtubeScanner', () => {
  it('finds the string in a body cut into pieces anywhere, as in the whole body', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.constantFrom(GTUBE, GTUBE.slice(0, 40), `${GTUBE.slice(0, 20)}-${GTUBE.slice(20)}`),
        fc.array(fc.nat(), { maxLength: 10 }),
        (before, after, middle, at) => {
          const body = Buffer.from(`${before}${middle}${after}`, 'latin1');
          const points = [...new Set(at.map((n) => n % (body.length + 1)))].sort((x, y) => x - y);
          const scanner = new GtubeScanner();
          let from = 0;
          for (const p of [...points, body.length]) {
            scanner.push(body.subarray(from, p));
            from = p;
          }
          expect(scanner.found).toBe(body.includes(GTUBE));
        },
      ),
      { numRuns: 500 },
    );
  });
});

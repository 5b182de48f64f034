import { describe, expect, it } from 'vitest';
import { isRouteTestMark, ROUTE_TEST_VALID_MS, routeTestMark } from './route-test-mark.js';
import { deskKeys } from './io/outgoing.js';

const keys = deskKeys('secret-one');
const sent = { nonce: 'abc123', sentAt: 1_800_000_000_000, messageId: '<m1@node.test>' };
const mark = routeTestMark(keys.signRouteTest, sent);

describe('the route test mark', () => {
  it('is taken for its own message while it is fresh', () => {
    expect(isRouteTestMark(keys.signRouteTest, mark, '<M1@node.test>', sent.sentAt + 1000)).toBe(true);
  });
  it.each([
    ['another message', mark, '<m2@node.test>', sent.sentAt],
    ['an expired mark', mark, sent.messageId, sent.sentAt + ROUTE_TEST_VALID_MS + 1],
    ['a mark from the future', mark, sent.messageId, sent.sentAt - 3_600_000],
    ['a forged signature', mark.replace(/s=\w+$/, 's=aaaaaaaaaaaaaaaa'), sent.messageId, sent.sentAt],
    ['no header', null, sent.messageId, sent.sentAt],
    ['no Message-ID', mark, null, sent.sentAt],
  ])('is refused on %s', (_, value, messageId, now) => {
    expect(isRouteTestMark(keys.signRouteTest, value, messageId, now)).toBe(false);
  });
  it("is refused under another installation's secret", () => {
    expect(isRouteTestMark(deskKeys('secret-two').signRouteTest, mark, sent.messageId, sent.sentAt)).toBe(false);
  });
});

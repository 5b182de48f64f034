import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENTS as SERVER_EVENTS } from '../../src/desk/webhook-format.js';
import { WEBHOOK_EVENTS } from '../../web/ui/src/api/shapes.js';
import { en } from '../../web/ui/src/i18n/en.js';

// The console offers a checkbox per event: one the server lacks would be refused on save,
// and one the console lacks could not be subscribed to from the page.
describe('the webhook events the console offers', () => {
  it("are the server's, in its order", () => {
    expect([...WEBHOOK_EVENTS]).toEqual([...SERVER_EVENTS]);
  });

  it('each have a description', () => {
    expect(WEBHOOK_EVENTS.filter((e) => !(`integrations.webhooks.event.${e}` in en))).toEqual([]);
  });
});

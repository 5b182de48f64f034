import { describe, expect, it } from 'vitest';
import { connectionFailed, downReason, downRetryAt } from './dead-destination.js';

describe('a destination that does not answer', () => {
  it('counts an attempt as a connection failure only when no recipient reached a server', () => {
    expect(connectionFailed([{ kind: 'deferred' }, { kind: 'deferred' }])).toBe(true);
    // A reply to RCPT, even a refusal, means the host answers.
    expect(connectionFailed([{ kind: 'deferred', remoteMta: 'mx.crm.test' }])).toBe(false);
    expect(connectionFailed([{ kind: 'deferred' }, { kind: 'bounced', remoteMta: 'mx.crm.test' }])).toBe(false);
    expect(connectionFailed([])).toBe(false);
  });

  it('brings held deliveries back after the probe, spread so they do not come together', () => {
    const down = { since: 1_000, nextProbeAt: 50_000 };
    const at = [1, 2, 3, 4_999].map((id) => downRetryAt(down, 10_000, id));
    expect(Math.min(...at)).toBeGreaterThan(50_000);
    expect(new Set(at).size).toBe(4);
    expect(Math.max(...at)).toBeLessThanOrEqual(50_000 + 6_000);
    // A probe time already past: from now.
    expect(downRetryAt(down, 60_000, 0)).toBe(61_000);
  });

  it('gives one reason for the whole time a destination is down, so repeated holds merge', () => {
    expect(downReason('crm.test', 0)).toBe('destination crm.test is down: no connection since 1970-01-01T00:00:00.000Z');
  });
});

import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { decidePermission, type Action } from './policy.js';

const admin: Principal = { kind: 'token', name: 'ops', role: 'admin' };
const agent: Principal = { kind: 'session', name: 'amy@solarmora.com', role: 'agent' };

describe('decidePermission', () => {
  it.each([
    ['desk.read', 'allow', 'allow'],
    ['desk.write', 'allow', 'allow'],
    ['channel.read', 'allow', 'allow'],
    ['self.read', 'allow', 'allow'],
    ['channel.manage', 'allow', 'deny'],
    ['token.manage', 'allow', 'deny'],
    ['webhook.manage', 'allow', 'deny'],
    ['user.manage', 'allow', 'deny'],
    ['config.manage', 'allow', 'deny'],
    ['stats.read', 'allow', 'deny'],
  ] as const)('%s: admin %s, agent %s', (action: Action, forAdmin, forAgent) => {
    expect(decidePermission(admin, action).kind).toBe(forAdmin);
    expect(decidePermission(agent, action).kind).toBe(forAgent);
  });

  it('says why an agent is refused', () => {
    const d = decidePermission(agent, 'token.manage');
    expect(d.kind === 'deny' && d.reason).toMatch(/needs the admin role; amy@solarmora\.com is an agent/);
  });
});

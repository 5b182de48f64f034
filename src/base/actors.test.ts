import { describe, expect, it } from 'vitest';
import { actorInEnglish, configActorId, describeActor } from './actors.js';

describe('describeActor', () => {
  it.each([
    ['web:admin@solarmora.com', { kind: 'console', name: 'admin@solarmora.com' }],
    ['admin@solarmora.com', { kind: 'console', name: 'admin@solarmora.com' }],
    ['token:deploy-bot', { kind: 'api-token', name: 'deploy-bot' }],
    ['cli:root', { kind: 'cli', name: 'root' }],
    ['cli:', { kind: 'cli', name: null }],
    ['desk rotate', { kind: 'cli', name: null }],
    ['system', { kind: 'system', name: null }],
    ['auto-acknowledgement', { kind: 'acknowledgement', name: null }],
    ['web:', { kind: 'unknown', name: 'web:' }],
    ['someone else', { kind: 'unknown', name: 'someone else' }],
  ])('%j', (id, display) => expect(describeActor(id)).toEqual(display));

  it('a token that saves the configuration is not taken for the console', () => {
    expect(describeActor(configActorId({ kind: 'token', name: 'ci' }))).toEqual({ kind: 'api-token', name: 'ci' });
    expect(describeActor(configActorId({ kind: 'session', name: 'a@b.test' }))).toEqual({ kind: 'console', name: 'a@b.test' });
  });

  it('reads as a person in English for the command line', () => {
    expect(
      ['web:admin@solarmora.com', 'cli:root', 'cli:', 'token:ci', 'system', 'auto-acknowledgement', 'odd'].map((id) => actorInEnglish(describeActor(id))),
    ).toEqual([
      'admin@solarmora.com (console)',
      'root (command line)',
      'command line',
      'ci (API token)',
      'Relaydesk (automatic)',
      'automatic acknowledgement',
      'odd',
    ]);
  });
});

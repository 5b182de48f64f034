import { describe, expectTypeOf, it } from 'vitest';
import type { CaseStatus, IntakeDecision, IntakeEnvelope, IntakeMessage } from './model.js';
import type { ParsedMessage } from './parse-message.js';

// Type-level checks (tsc): the parser's output plus the envelope is an IntakeMessage, so the io
// layer passes `{ ...parsed, envelope }` with no adapter that could drift.
describe('model', () => {
  it('ParsedMessage + envelope satisfies IntakeMessage', () => {
    expectTypeOf<ParsedMessage & { envelope: IntakeEnvelope }>().toExtend<IntakeMessage>();
  });
  it('decisions and statuses are closed unions', () => {
    expectTypeOf<IntakeDecision['kind']>().toEqualTypeOf<
      'duplicate' | 'verification' | 'forwarding-confirmation' | 'append' | 'new-case' | 'new-lead' | 'append-lead' | 'attach-machine-mail' | 'suspend'
    >();
    expectTypeOf<CaseStatus>().toEqualTypeOf<'new' | 'open' | 'pending' | 'solved' | 'closed'>();
  });
});

import { describe, expect, it } from 'vitest';
import { decideDedupe, type DedupeInput } from './decide-dedupe.js';
import type { DedupeVerdict, EarlierIntake } from './model.js';

const MID = '<ticket-1@tickets.example>';
const FP = 'sha256:aaaa';
const OTHER_FP = 'sha256:bbbb';

const earlier = (intakeId: string, queueId: string, fingerprint: string | null): EarlierIntake => ({ intakeId, queueId, fingerprint });
const input = (over: Partial<DedupeInput> = {}): DedupeInput => ({ messageId: MID, fingerprint: FP, queueId: 'Q2', earlier: [], redo: false, ...over });
const fresh: DedupeVerdict = { kind: 'new', reused: null, replaces: [] };

describe('decideDedupe: one effect per message, and no message lost to a reused Message-ID', () => {
  it.each<[string, DedupeInput, DedupeVerdict]>([
    ['a message never seen is new', input(), fresh],
    ['the queue delivering the same stored message again is a duplicate', input({ earlier: [earlier('7', 'Q2', FP)] }), { kind: 'duplicate', of: '7' }],
    [
      "the sender's server sending it again (new queue id, same content) is a duplicate",
      input({ earlier: [earlier('7', 'Q1', FP)] }),
      { kind: 'duplicate', of: '7' },
    ],
    [
      'a different message under a Message-ID already seen is new, and names the message whose ID it reuses',
      input({ earlier: [earlier('7', 'Q1', OTHER_FP)] }),
      { kind: 'new', reused: { messageId: MID, queueIds: ['Q1'] }, replaces: [] },
    ],
    [
      'a copy of the second of two messages sharing a Message-ID is still a duplicate of that one',
      input({ earlier: [earlier('7', 'Q1', OTHER_FP), earlier('8', 'Q3', FP)] }),
      { kind: 'duplicate', of: '8' },
    ],
    [
      'a third message under the ID names each earlier message once',
      input({ earlier: [earlier('7', 'Q1', OTHER_FP), earlier('8', 'Q3', 'sha256:cccc'), earlier('9', 'Q3', 'sha256:cccc')] }),
      { kind: 'new', reused: { messageId: MID, queueIds: ['Q1', 'Q3'] }, replaces: [] },
    ],
    // Recorded before fingerprints: the same stored message is known by its queue id…
    [
      'an intake from before fingerprints, of the same stored message, is a duplicate',
      input({ earlier: [earlier('3', 'Q2', null)] }),
      { kind: 'duplicate', of: '3' },
    ],
    // …another one cannot be compared, and keeping it beats dropping it.
    [
      'an intake from before fingerprints, of another stored message, is not taken for a copy',
      input({ earlier: [earlier('3', 'Q1', null)] }),
      { kind: 'new', reused: { messageId: MID, queueIds: ['Q1'] }, replaces: [] },
    ],
    [
      'the same stored message read differently by a newer parser is still a duplicate',
      input({ earlier: [earlier('7', 'Q2', OTHER_FP)] }),
      { kind: 'duplicate', of: '7' },
    ],
    ['mail without a Message-ID is a duplicate by its content', input({ messageId: null, earlier: [earlier('5', 'Q1', FP)] }), { kind: 'duplicate', of: '5' }],
    ['mail without a Message-ID never counts as reusing one', input({ messageId: null, earlier: [earlier('5', 'Q1', OTHER_FP)] }), fresh],
    [
      'a redo replaces its own earlier intake instead of being a duplicate of it',
      input({ redo: true, earlier: [earlier('7', 'Q2', FP)] }),
      { kind: 'new', reused: null, replaces: ['7'] },
    ],
    [
      'a redo of a message that reuses an ID still says so',
      input({ redo: true, earlier: [earlier('6', 'Q1', OTHER_FP), earlier('7', 'Q2', FP)] }),
      { kind: 'new', reused: { messageId: MID, queueIds: ['Q1'] }, replaces: ['7'] },
    ],
  ])('%s', (_name, i, expected) => expect(decideDedupe(i)).toEqual(expected));
});

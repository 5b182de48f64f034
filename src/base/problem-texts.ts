/**
 * The codes of configuration problems and the names of the values each names. A problem keeps
 * its English `message` (what the CLI prints); the console says it from its dictionary
 * (`problem.<code>`) and shows the message for a code it has no entry for. A code with
 * several forms adds `/form`.
 */
import type { TextValue } from './trace-texts.js';

export const PROBLEM_TEXTS = {
  // The YAML and the schema.
  'yaml-syntax': ['detail'],
  'yaml-too-many-aliases': [],
  'empty-file': [],
  required: [],
  'not-a-mapping-file': [],
  'wrong-type/array': ['found'],
  'wrong-type/object': ['found'],
  'wrong-type/string': ['found'],
  'wrong-type/number': ['found'],
  'wrong-type/boolean': ['found'],
  'wrong-type/other': ['found'],
  'not-allowed': ['value', 'options'],
  'invalid-key': [],
  'invalid-union': ['value'],
  empty: ['minimum'],
  'too-few': ['minimum'],
  'too-small': ['minimum'],
  'too-long': ['maximum'],
  'too-big': ['maximum'],
  'not-a-url': ['value'],
  'invalid-format': ['value'],
  invalid: ['value'],
  'unknown-field': ['key', 'fields'],
  'unknown-field-did-you-mean': ['key', 'guess'],
  'unknown-field-none': ['key'],
  'line-breaks': [],
  'not-a-size': ['value'],
  'not-a-duration': ['value'],
  'give-one-of': ['options'],
  'give-only-one-of': ['options', 'found'],
  'limit-domain-twice': ['domain'],
  'rspamd-needs-url': [],
  'rspamd-ignores-list': ['list'],
  'not-a-pem-key': [],
  // References and formats.
  'not-a-domain': ['value'],
  'not-an-address': ['value'],
  'not-a-user-name': ['value'],
  'not-a-sender': ['value'],
  'not-an-org-unit-path': ['value'],
  'unknown-org-unit': ['value', 'units'],
  'listed-twice': ['value'],
  'address-not-hosted': ['value', 'domain'],
  'address-held-twice/user': ['value', 'owner'],
  'address-held-twice/alias': ['value', 'owner'],
  'address-held-twice/group': ['value', 'owner'],
  'host-name-twice': ['name'],
  'unknown-host': ['name', 'hosts'],
  'unknown-host-none-defined': ['name'],
  'unknown-group': ['value'],
  'channel-name-twice': ['name'],
  'postmaster-not-an-address': ['value'],
  'postmaster-unheld': ['address'],
  'retention-log-shorter': ['log', 'messages'],
  'arc-key-not-rsa': [],
  // The rules.
  'too-many-rules': ['count', 'limit'],
  'rule-postmaster-address': ['value'],
  'rule-source-held/user': ['value', 'owner'],
  'rule-source-held/alias': ['value', 'owner'],
  'rule-source-held/group': ['value', 'owner'],
  'rule-source-held-never-applies/user': ['value', 'owner'],
  'rule-source-held-never-applies/alias': ['value', 'owner'],
  'rule-source-held-never-applies/group': ['value', 'owner'],
  'rule-source-desk-domain': ['value', 'domain'],
  'rule-source-not-hosted': ['value', 'domain'],
  'rule-duplicate': ['index', 'rule'],
  'rule-shadowed-by-reject': ['index', 'rule'],
  'pattern-invalid': ['pattern'],
  'pattern-unsupported': ['pattern', 'construct'],
  'pattern-open-quote': ['pattern'],
  'pattern-takes-specific-rules': ['pattern', 'domain', 'rules'],
  'pattern-takes-specific-routes': ['pattern', 'domain', 'rules'],
  'new-recipient-unheld': ['address'],
  'added-recipient-unheld': ['address'],
  'recipient-changed-twice': ['rule', 'earlier', 'earlierRule', 'example'],
  'recipient-changed-twice/pattern': ['rule', 'earlier', 'earlierRule', 'example'],
  'recipient-changed-twice/every-address': ['rule', 'earlier', 'earlierRule'],
  'route-loop': ['address', 'domain', 'host', 'path'],
  'desk-address-unknown': ['address'],
  'desk-address-retired': ['address', 'channel', 'current'],
  'desk-address-retired/no-current': ['address', 'channel'],
  // The desk's service hours and automatic mail.
  'business-hours-time-zone': ['value'],
  'business-hours-range': ['value'],
  'business-hours-overlap': ['value', 'day'],
  'business-hours-closed': [],
  'business-hours-holiday': ['value'],
  'sla-sales-channel': ['name'],
  'sla-needs-target': [],
  'template-stray-close': ['at'],
  'template-unclosed': ['at'],
  'template-unknown-placeholder': ['value', 'options'],
  'template-missing-placeholder': ['name'],
  // Assignment.
  'assignment-agent-invalid': ['value'],
  'assignment-agent-unknown': ['value'],
  'assignment-agent-disabled': ['value'],
  'assignment-sales-channel': ['name'],
  'assignment-sales-channel/rule': ['name'],
  'assignment-channel-unknown': ['value', 'channels'],
  'assignment-domain-invalid': ['value'],
  'assignment-rule-shadows': ['rule', 'rest'],
  // IMAP intake.
  'imap-password-unknown': ['value'],
} as const satisfies Record<string, readonly string[]>;

export type ProblemCode = keyof typeof PROBLEM_TEXTS;

/** A problem's code and values. */
export interface ProblemText {
  readonly code: string;
  readonly params: Readonly<Record<string, TextValue>>;
}

/** A problem's text with exactly the values its code names. */
export function problemText<C extends ProblemCode>(code: C, params: { readonly [K in (typeof PROBLEM_TEXTS)[C][number]]: TextValue }): ProblemText {
  return { code, params };
}

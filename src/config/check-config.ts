/**
 * Checks of a parsed config that the schema cannot express alone: references between
 * sections and address formats, plus the routing checks of `validateRouting`.
 */
import { domainOf, inDomainTree, isDomainName, isMailAddress, localPartOf, normalizeAddress, validateRouting, type Problem } from '../routing/index.js';
import { checkBusinessHours } from './business-hours.js';
import type { Config } from './schema.js';
import { checkTemplates } from './mail-templates.js';
import { toSnapshotInput } from './to-snapshot-input.js';
import { renderDuration } from './units.js';
import { isRsaKey } from '../base/signing-keys.js';
import { problemText, type ProblemText } from '../base/problem-texts.js';

const error = (path: string, text: ProblemText, message: string): Problem => ({ path, message, severity: 'error', ...text });
const warning = (path: string, text: ProblemText, message: string): Problem => ({ path, message, severity: 'warning', ...text });

/** One inbound address of a desk channel, as the store has it. */
export interface DeskAddressFact {
  readonly address: string;
  readonly channel: string;
  readonly retired: boolean;
}

/**
 * What only the store knows, gathered by io/apply before the checks run: the desk's inbound
 * addresses, current and retired (they are generated when a channel is created or rotated).
 */
export interface StoreFacts {
  readonly deskAddresses: readonly DeskAddressFact[];
  /** The console's accounts, whom assignment may name; absent: those checks are skipped. */
  readonly accounts?: readonly { readonly email: string; readonly disabled: boolean }[];
}

export function checkConfig(config: Config, facts?: StoreFacts): Problem[] {
  const problems: Problem[] = [];
  const units = new Set(['/', ...config.orgUnits]);
  config.orgUnits.forEach((u, i) => {
    if (!u.startsWith('/'))
      problems.push(
        error(`orgUnits[${i}]`, problemText('not-an-org-unit-path', { value: u }), `"${u}" is not an org unit path; write it from the top, like /Sales`),
      );
  });
  config.users.forEach((u, i) => {
    if (!units.has(u.orgUnit)) {
      problems.push(
        error(
          `users[${i}].orgUnit`,
          problemText('unknown-org-unit', { value: u.orgUnit, units: [...units].join(', ') }),
          `"${u.orgUnit}" is not an org unit; add it to orgUnits or use one of: ${[...units].join(', ')}`,
        ),
      );
    }
  });
  for (const list of ['allowSenders', 'denySenders'] as const) {
    config.spam[list].forEach((s, i) => {
      const ok = s.startsWith('@') ? isDomainName(s.slice(1)) : isMailAddress(s);
      if (!ok)
        problems.push(
          error(
            `spam.${list}[${i}]`,
            problemText('not-a-sender', { value: s }),
            `"${s}" is neither an address nor @domain; write it like bob@example.com or @example.com`,
          ),
        );
    });
  }
  const { messages, log } = config.retention;
  if (log < messages) {
    problems.push(
      error(
        'retention.log',
        problemText('retention-log-shorter', { log: renderDuration(log), messages: renderDuration(messages) }),
        `the email log would be kept ${renderDuration(log)}, less than the ${renderDuration(messages)} bodies are kept (retention.messages); make log at least as long as messages`,
      ),
    );
  }
  if (config.srs?.domain !== undefined && !isDomainName(config.srs.domain)) {
    problems.push(
      error(
        'srs.domain',
        problemText('not-a-domain', { value: config.srs.domain }),
        `"${config.srs.domain}" is not a domain name; use one of your domains, like solarmora.com`,
      ),
    );
  }
  if (config.arc && !isDomainName(config.arc.domain)) {
    problems.push(
      error(
        'arc.domain',
        problemText('not-a-domain', { value: config.arc.domain }),
        `"${config.arc.domain}" is not a domain name; use the domain that publishes the ARC selector, like solarmora.com`,
      ),
    );
  }
  if (config.arc && !isRsaKey(config.arc.privateKey)) {
    problems.push(
      error(
        'arc.privateKey',
        problemText('arc-key-not-rsa', {}),
        'ARC seals are rsa-sha256 (RFC 8617), and this is not an RSA private key; generate one with openssl genrsa 2048',
      ),
    );
  }
  if (config.desk) {
    if (!isDomainName(config.desk.domain)) {
      problems.push(
        error(
          'desk.domain',
          problemText('not-a-domain', { value: config.desk.domain }),
          `"${config.desk.domain}" is not a domain name; write it like desk.solarmora.com`,
        ),
      );
    }
    const names = new Set<string>();
    config.desk.channels.forEach((c, i) => {
      if (names.has(c.name))
        problems.push(
          error(
            `desk.channels[${i}].name`,
            problemText('channel-name-twice', { name: c.name }),
            `a channel named "${c.name}" already exists; give each channel its own name`,
          ),
        );
      names.add(c.name);
      if (c.publicAddress !== undefined && !isMailAddress(c.publicAddress)) {
        problems.push(
          error(
            `desk.channels[${i}].publicAddress`,
            problemText('not-an-address', { value: c.publicAddress }),
            `"${c.publicAddress}" is not a valid email address; write it as name@domain`,
          ),
        );
      }
      for (const p of checkTemplates(`desk.channels[${i}].templates`, c.templates)) problems.push({ ...p, severity: 'error' });
      if (c.sla && c.kind === 'sales') {
        problems.push(
          error(
            `desk.channels[${i}].sla`,
            problemText('sla-sales-channel', { name: c.name }),
            `channel "${c.name}" opens leads, and service targets apply to cases; remove sla here, or make it a support channel`,
          ),
        );
      }
    });
    if (config.desk.businessHours) problems.push(...checkBusinessHours(config.desk.businessHours, 'desk.businessHours'));
  }
  const { version: _version, ...routing } = toSnapshotInput(config, 0);
  return [...problems, ...validateRouting(routing), ...checkAssignment(config, facts?.accounts), ...(facts ? checkDeskRecipients(config, facts) : [])];
}

/**
 * A rule that sends mail to the desk must name an inbound address the desk has now: a
 * mistyped one, one from another installation or one retired by a rotation gets 550 5.1.1.
 */
function checkDeskRecipients(config: Config, facts: StoreFacts): Problem[] {
  const desk = config.desk;
  if (!desk) return [];
  const known = new Map(facts.deskAddresses.map((f) => [normalizeAddress(f.address), f]));
  const problems: Problem[] = [];
  const check = (path: string, raw: string): void => {
    if (!isMailAddress(raw.trim())) return;
    const address = normalizeAddress(raw);
    if (!inDomainTree(domainOf(address), new Set([desk.domain.toLowerCase()])) || localPartOf(address) === 'postmaster') return;
    const fact = known.get(address);
    if (fact === undefined) {
      problems.push(
        warning(
          path,
          problemText('desk-address-unknown', { address: raw }),
          `${raw} is in the desk's domain, but no channel of this installation has that address, so the desk refuses mail to it (550 5.1.1); copy the channel's address from relaydesk desk channels`,
        ),
      );
    } else if (fact.retired) {
      const current = facts.deskAddresses.find((f) => f.channel === fact.channel && !f.retired)?.address;
      problems.push(
        warning(
          path,
          current
            ? problemText('desk-address-retired', { address: raw, channel: fact.channel, current })
            : problemText('desk-address-retired/no-current', { address: raw, channel: fact.channel }),
          `${raw} is a retired address of channel "${fact.channel}" (it was rotated), so the desk refuses mail to it (550 5.1.1); ${current ? `use its current address ${current} (relaydesk desk rotate ${fact.channel} --update-rules moves rules along with a rotation)` : 'use its current address (relaydesk desk channels)'}`,
        ),
      );
    }
  };
  config.defaultRouting.forEach((r, i) => {
    const change = r.modify.changeEnvelopeRecipient;
    if (change && 'replaceRecipient' in change) check(`defaultRouting[${i}].modify.changeEnvelopeRecipient.replaceRecipient`, change.replaceRecipient);
    r.modify.addRecipients.forEach((a, j) => check(`defaultRouting[${i}].modify.addRecipients[${j}].address`, a.address));
  });
  return problems;
}

/**
 * Assignment names channels and console accounts: a name that is not there would leave
 * cases unassigned without a word. A rule with no condition takes every case, so rules
 * after it never apply.
 */
function checkAssignment(config: Config, accounts: StoreFacts['accounts']): Problem[] {
  const desk = config.desk;
  if (!desk) return [];
  const problems: Problem[] = [];
  const known = accounts ? new Map(accounts.map((a) => [a.email.toLowerCase(), a])) : null;
  const agent = (path: string, email: string): void => {
    if (!isMailAddress(email)) {
      problems.push(
        error(
          path,
          problemText('assignment-agent-invalid', { value: email }),
          `"${email}" is not an email address; write the console account's email, like amy@solarmora.com`,
        ),
      );
      return;
    }
    if (!known) return;
    const account = known.get(email.toLowerCase());
    if (!account) {
      problems.push(
        error(
          path,
          problemText('assignment-agent-unknown', { value: email }),
          `${email} is not a console account, so no case could be given to it; add it on the Console accounts page (or relaydesk user add ${email}), or correct the address`,
        ),
      );
    } else if (account.disabled) {
      problems.push(
        warning(
          path,
          problemText('assignment-agent-disabled', { value: email }),
          `${email} is disabled, so assignment passes over it; enable it on the Console accounts page, or remove it here`,
        ),
      );
    }
  };
  desk.channels.forEach((c, i) => {
    c.agents.forEach((a, j) => agent(`desk.channels[${i}].agents[${j}]`, a));
    if (c.kind === 'sales' && (c.autoAssign || c.agents.length > 0)) {
      problems.push(
        error(
          `desk.channels[${i}].${c.autoAssign ? 'autoAssign' : 'agents'}`,
          problemText('assignment-sales-channel', { name: c.name }),
          `channel "${c.name}" opens leads, and only cases are assigned; remove agents and autoAssign from it`,
        ),
      );
    }
  });
  const channels = new Map(desk.channels.map((c) => [c.name.toLowerCase(), c]));
  desk.assignment.forEach((r, i) => {
    const path = `desk.assignment[${i}]`;
    if (r.when.channel !== undefined) {
      const c = channels.get(r.when.channel.toLowerCase());
      if (!c) {
        problems.push(
          error(
            `${path}.when.channel`,
            problemText('assignment-channel-unknown', { value: r.when.channel, channels: desk.channels.map((x) => x.name).join(', ') }),
            `no desk channel is named "${r.when.channel}"; use one of: ${desk.channels.map((x) => x.name).join(', ') || 'none (add a channel first)'}`,
          ),
        );
      } else if (c.kind === 'sales') {
        problems.push(
          error(
            `${path}.when.channel`,
            problemText('assignment-sales-channel/rule', { name: c.name }),
            `channel "${c.name}" opens leads, and only cases are assigned; name a support channel`,
          ),
        );
      }
    }
    if (r.when.requesterDomain !== undefined && !isDomainName(r.when.requesterDomain)) {
      problems.push(
        error(
          `${path}.when.requesterDomain`,
          problemText('assignment-domain-invalid', { value: r.when.requesterDomain }),
          `"${r.when.requesterDomain}" is not a domain name; write the requester's domain, like customer.example`,
        ),
      );
    }
    if ('agent' in r.assign) agent(`${path}.assign.agent`, r.assign.agent);
    const unconditional = r.when.channel === undefined && r.when.requesterDomain === undefined && r.when.keyword === undefined;
    if (unconditional && i < desk.assignment.length - 1) {
      const rest = desk.assignment.length - 1 - i;
      problems.push(
        warning(
          `${path}.when`,
          problemText('assignment-rule-shadows', { rule: i + 1, rest }),
          `rule ${i + 1} has no condition, so it takes every case and ${rest === 1 ? 'the rule after it never applies' : `the ${rest} rules after it never apply`}; give it a condition or move it last`,
        ),
      );
    }
  });
  return problems;
}

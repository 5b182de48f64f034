/**
 * The YAML configuration file, as a zod schema. Field names are the issue's and the
 * Gmail console's; objects are strict so a typo is an error, not a silently ignored
 * option. Parsing fills every default, so code downstream never guesses.
 */
import { z } from 'zod';
import type { EnvelopeRecipientChange, RecipientMatch } from '../routing/index.js';
import { CHANNEL_LANGUAGES, DEFAULT_CHANNEL_LANGUAGE } from './mail-templates.js';
import { WEEKDAYS, type Weekday } from './business-hours.js';
import { parseDuration, parseSize } from './units.js';

const noLineBreaks = (what: string) =>
  z.string().refine((s) => !/[\r\n]/.test(s), { message: `${what} must be one line; remove the line breaks`, params: { code: 'line-breaks' } });

// RFC 5322 field name: printable ASCII except the colon.
const headerName = z.string().regex(/^[!-9;-~]+$/, 'a header name is printable ASCII without spaces or ":"');

const size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const bytes = parseSize(v);
  if (bytes === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not a size; write it like 35MB, 512KB or a number of bytes`,
      params: { code: 'not-a-size', value: String(v) },
    });
    return z.NEVER;
  }
  return bytes;
});

const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write it like 90s, 1m, 1h30m or 5d`, params: { code: 'not-a-duration', value: v } });
    return z.NEVER;
  }
  return ms;
});

function exactlyOne(keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const given = keys.filter((k) => value[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          given.length === 0 ? `give one of ${keys.join(', ')}` : `give only one of ${keys.join(', ')} (found ${given.join(' and ')}); remove the others`,
        params:
          given.length === 0
            ? { code: 'give-one-of', options: keys.join(', ') }
            : { code: 'give-only-one-of', options: keys.join(', '), found: given.join(', ') },
      });
    }
  };
}

export const matchSchema = z
  .strictObject({
    single: z.string().min(1).optional(),
    pattern: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    all: z.literal(true, { error: 'all can only be true; to match nothing, disable the rule' }).optional(),
  })
  .superRefine(exactlyOne(['single', 'pattern', 'group', 'all']))
  .transform((m): RecipientMatch => {
    if (m.single !== undefined) return { single: m.single };
    if (m.pattern !== undefined) return { pattern: m.pattern };
    if (m.group !== undefined) return { group: m.group };
    return { all: true };
  });

export const changeSchema = z
  .strictObject({
    replaceRecipient: z.string().min(1).optional(),
    replaceUsername: z.string().min(1).optional(),
    replaceDomain: z.string().min(1).optional(),
  })
  .superRefine(exactlyOne(['replaceRecipient', 'replaceUsername', 'replaceDomain']))
  .transform((c): EnvelopeRecipientChange => {
    if (c.replaceRecipient !== undefined) return { replaceRecipient: c.replaceRecipient };
    if (c.replaceUsername !== undefined) return { replaceUsername: c.replaceUsername };
    return { replaceDomain: c.replaceDomain ?? '' };
  });

// A bare address is shorthand for an added recipient with the default options.
const addedRecipientSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { address: v } : v),
  z.strictObject({
    address: z.string().min(1),
    doNotDeliverSpam: z.boolean().default(true),
    suppressBounces: z.boolean().default(true),
  }),
);

export const modifySchema = z.strictObject({
  changeEnvelopeRecipient: changeSchema.optional(),
  changeRoute: z.string().min(1).optional(),
  bypassSpamFilter: z.boolean().default(false),
  addRecipients: z.array(addedRecipientSchema).default(() => []),
  addXOriginalToHeader: z.boolean().default(false),
  addSpamHeaders: z.boolean().default(false),
  customHeaders: z.record(headerName, noLineBreaks('a header value')).default(() => ({})),
  prependSubject: noLineBreaks('prependSubject').optional(),
  requireTls: z.boolean().default(false),
  removeAttachments: z.boolean().default(false),
});

export const ruleSchema = z.strictObject({
  description: noLineBreaks('a description').pipe(z.string().min(1, 'a rule needs a description; name what it does')),
  enabled: z.boolean().default(true),
  match: matchSchema,
  action: z.enum(['modify', 'reject', 'quarantine']).default('modify'),
  rejectText: noLineBreaks('rejectText').optional(),
  modify: modifySchema.prefault({}),
  recognizedAddresses: z.boolean().default(false),
});

const userSchema = z.strictObject({
  address: z.string().min(1),
  orgUnit: z.string().default('/'),
  aliases: z.array(z.string()).default(() => []),
  status: z.enum(['active', 'suspended']).default('active'),
});

const groupSchema = z.strictObject({
  address: z.string().min(1),
  members: z.array(z.string()).default(() => []),
});

const hostSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a host name is letters, digits, ".", "_" or "-"'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(25),
  tls: z.enum(['none', 'opportunistic', 'required']).default('opportunistic'),
  domains: z.array(z.string()).default(() => []),
});

export const DEFAULT_MAX_MESSAGE_SIZE = 35 * 1024 * 1024;
export const DEFAULT_MAX_RECIPIENTS = 1000;
/**
 * Postfix's smtpd_client_connection_count_limit default. No address is exempt unless the
 * configuration says so: a proxy or a local relay in front of us would otherwise make every
 * client look like one exempt loopback peer.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 50;
/** rspamd answers in well under a second; SMTP clients wait for our reply to DATA meanwhile. */
export const DEFAULT_RSPAMD_TIMEOUT = 5_000;
export const DEFAULT_RETRY = { firstRetry: 60_000, maxInterval: 3_600_000, giveUpAfter: 5 * 86_400_000 } as const;
export const DEFAULT_RETENTION = {
  messages: 30 * 86_400_000,
  log: 90 * 86_400_000,
  quarantine: 30 * 86_400_000,
  deskSetAside: 30 * 86_400_000,
  stats: 30 * 86_400_000,
} as const;

/** Retention works on a minute's clock and in batches: a shorter window would race mail still being looked at. */
const retentionWindow = duration.pipe(z.number().min(3_600_000, 'a retention window is at least 1h; write 1h or more'));

/**
 * One automatic mail's own words; a part left out is the default in the channel's language.
 * The bounds keep a pasted document from becoming every customer's acknowledgement.
 */
const autoMailTemplateSchema = z.strictObject({
  subject: z.string().min(1).max(300).optional(),
  body: z.string().min(1).max(20_000).optional(),
});

/** Business time a case may take; a minute is the clock's smallest useful step. */
const slaTarget = duration.pipe(z.number().min(60_000, 'an SLA target is at least 1m; write 1m or more'));

/** How a stored IMAP password is named in the configuration: the password itself is only ever written in. */
export const STORED_SECRET_PREFIX = 'stored:';

/**
 * A mailbox the channel takes its mail from, for an organisation that cannot route mail to
 * the desk. The password is written in once; apply keeps it in the store and the saved
 * configuration names it (`stored:…`), so no export, diff or API answer shows it again.
 */
const deskImapSchema = z.strictObject({
  host: z.string().min(1, 'host is the IMAP server, such as imap.solarmora.com'),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().default(true),
  user: z.string().min(1, "user is the mailbox's login name"),
  passwordSecret: z.string().min(1, "passwordSecret is the mailbox's password (kept in the store once applied)"),
  folder: z.string().min(1).default('INBOX'),
  // move: to Relaydesk/Processed; flag: \Seen and $RelaydeskTaken (desk/imap-intake.ts).
  after: z.enum(['move', 'flag']).default('move'),
});

const deskChannelSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['support', 'sales']),
  publicAddress: z.string().min(1).optional(),
  autoAcknowledge: z.boolean().default(true),
  language: z.enum(CHANNEL_LANGUAGES).default(DEFAULT_CHANNEL_LANGUAGE),
  templates: z
    .strictObject({
      acknowledgement: autoMailTemplateSchema.optional(),
      forwardingCheck: autoMailTemplateSchema.optional(),
    })
    .optional(),
  sla: z
    .strictObject({ firstResponse: slaTarget.optional(), resolution: slaTarget.optional() })
    .refine((s) => s.firstResponse !== undefined || s.resolution !== undefined, {
      message: 'give firstResponse, resolution or both; or remove sla',
      params: { code: 'sla-needs-target' },
    })
    .optional(),
  // Console accounts who take this channel's cases, in round-robin order; empty: every account with the agent role.
  agents: z.array(z.string().min(1)).default(() => []),
  // Round-robin among the channel's available agents when no assignment rule matches; default false (cases wait unassigned).
  autoAssign: z.boolean().default(false),
  imap: deskImapSchema.optional(),
});

// One range or a list (a day with a break); checkConfig reads the ranges, so its problems carry codes.
const hoursOfDay = z
  .union([z.string(), z.array(z.string()).min(1, 'give at least one range, or leave the day out (closed)')])
  .transform((v) => (typeof v === 'string' ? [v] : v));

const businessHoursSchema = z.strictObject({
  timeZone: z.string().min(1),
  days: z.strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, hoursOfDay.optional()])) as Record<Weekday, z.ZodOptional<typeof hoursOfDay>>),
  holidays: z.array(z.string()).default(() => []),
});

/** One row of desk.assignment: conditions (all must hold; none: every case) and whom to give the case. */
const assignmentRuleSchema = z.strictObject({
  when: z
    .strictObject({
      channel: z.string().min(1).optional(),
      requesterDomain: z.string().min(1).optional(),
      keyword: z.string().min(1).optional(),
    })
    .prefault({}),
  assign: z.union([z.strictObject({ agent: z.string().min(1) }), z.strictObject({ roundRobin: z.literal(true) })], {
    error: 'assign is { agent: EMAIL } or { roundRobin: true }',
  }),
});

/** A domain's signing key: DKIM keys and the ARC key are published and written alike. */
const signingKeySchema = (what: 'DKIM' | 'ARC') =>
  z.strictObject({
    domain: z.string().min(1),
    selector: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, `a ${what} selector is letters, digits, ".", "_" or "-"`),
    privateKey: z.string().refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), {
      message: 'privateKey must be a PEM private key (-----BEGIN PRIVATE KEY-----)',
      params: { code: 'not-a-pem-key' },
    }),
  });

/**
 * Pacing of one destination (a recipient domain; `*` for every domain without an entry of its
 * own). The bounds keep a mistyped or hostile number from meaning "no limit at all".
 */
const destinationLimitSchema = z.strictObject({
  domain: z
    .string()
    .transform((d) => d.trim().toLowerCase())
    .pipe(
      z
        .string()
        .regex(
          /^(\*|(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/,
          'domain is a domain name such as gmail.com, or * for every domain without an entry of its own',
        ),
    ),
  connections: z
    .number()
    .int()
    .min(1, 'connections must be at least 1; to stop mail to a domain, hold it with a rule instead')
    .max(1000, 'connections can be at most 1000; write a smaller number'),
  perMinute: z
    .number()
    .int()
    .min(1, 'perMinute must be at least 1; leave it out for no limit a minute')
    .max(1_000_000, 'perMinute can be at most 1000000; leave it out for no limit a minute')
    .optional(),
});

export const configSchema = z.strictObject({
  domains: z.array(z.string()).default(() => []),
  // Where postmaster@ every hosted domain goes; without it, a mailbox of its own at the first domain.
  postmaster: z.string().min(1).optional(),
  // "/" (the top-level unit) always exists; listing it first makes one canonical form.
  orgUnits: z
    .array(z.string())
    .default(() => [])
    .transform((units) => [...new Set(['/', ...units])]),
  users: z.array(userSchema).default(() => []),
  groups: z.array(groupSchema).default(() => []),
  hosts: z.array(hostSchema).default(() => []),
  outbound: z
    .strictObject({
      smarthost: z.string().min(1).optional(),
      limits: z.array(destinationLimitSchema).default(() => []),
    })
    .superRefine((outbound, ctx) => {
      const seen = new Set<string>();
      outbound.limits.forEach((l, i) => {
        if (seen.has(l.domain))
          ctx.addIssue({
            code: 'custom',
            path: ['limits', i, 'domain'],
            message: `${l.domain} has two entries in outbound.limits; keep one of them (which applies would be a guess)`,
            params: { code: 'limit-domain-twice', domain: l.domain },
          });
        seen.add(l.domain);
      });
    })
    .prefault({}),
  defaultRouting: z.array(ruleSchema).default(() => []),
  smtp: z
    .strictObject({
      maxMessageSize: size.default(DEFAULT_MAX_MESSAGE_SIZE),
      maxRecipients: z.number().int().min(1).default(DEFAULT_MAX_RECIPIENTS),
      maxConnectionsPerClient: z.number().int().min(1).default(DEFAULT_MAX_CONNECTIONS_PER_CLIENT),
      connectionLimitExceptions: z
        .array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IP address or a CIDR block such as 10.0.0.0/8'))
        .default(() => []),
    })
    .prefault({}),
  spam: z
    .strictObject({
      engine: z.enum(['builtin', 'rspamd']).default('builtin'),
      rspamd: z
        .strictObject({
          url: z.url({ protocol: /^https?$/, error: "an http:// or https:// URL of rspamd's normal worker, such as http://127.0.0.1:11333" }),
          timeout: duration.default(DEFAULT_RSPAMD_TIMEOUT),
          onError: z.enum(['tempfail', 'accept']).default('tempfail'),
        })
        .optional(),
      allowSenders: z.array(z.string()).default(() => []),
      denySenders: z.array(z.string()).default(() => []),
    })
    .superRefine((spam, ctx) => {
      if (spam.engine !== 'rspamd') return;
      if (!spam.rspamd)
        ctx.addIssue({
          code: 'custom',
          path: ['rspamd'],
          message: "engine rspamd needs spam.rspamd.url (rspamd's normal worker, such as http://127.0.0.1:11333)",
          params: { code: 'rspamd-needs-url' },
        });
      for (const list of ['allowSenders', 'denySenders'] as const) {
        if (spam[list].length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: [list],
            message: `${list} is the built-in engine's list and rspamd would not read it; move it to rspamd (its multimap module) and remove it here`,
            params: { code: 'rspamd-ignores-list', list },
          });
        }
      }
    })
    .prefault({}),
  queue: z
    .strictObject({
      retry: z
        .strictObject({
          firstRetry: duration.default(DEFAULT_RETRY.firstRetry),
          maxInterval: duration.default(DEFAULT_RETRY.maxInterval),
          giveUpAfter: duration.default(DEFAULT_RETRY.giveUpAfter),
        })
        .prefault({}),
    })
    .prefault({}),
  retention: z
    .strictObject({
      messages: retentionWindow.default(DEFAULT_RETENTION.messages),
      log: retentionWindow.default(DEFAULT_RETENTION.log),
      quarantine: retentionWindow.default(DEFAULT_RETENTION.quarantine),
      deskSetAside: retentionWindow.default(DEFAULT_RETENTION.deskSetAside),
      stats: retentionWindow.default(DEFAULT_RETENTION.stats),
    })
    .prefault({}),
  srs: z.strictObject({ domain: z.string().min(1).optional(), secret: z.string().min(1).optional() }).optional(),
  dkim: z.array(signingKeySchema('DKIM')).default(() => []),
  // Seals forwarded mail (RFC 8617); without it, the DKIM key of the first domain that has one.
  arc: signingKeySchema('ARC').optional(),
  desk: z
    .strictObject({
      domain: z.string().min(1),
      channels: z.array(deskChannelSchema).default(() => []),
      // Without it, service targets count around the clock.
      businessHours: businessHoursSchema.optional(),
      // Who takes a new case: evaluated in table order, the first rule that matches decides.
      assignment: z.array(assignmentRuleSchema).default(() => []),
      webhooks: z
        .strictObject({
          // Default false: a webhook to loopback, a private range or the metadata address is refused.
          allowPrivateDestinations: z.boolean().default(false),
        })
        .prefault({}),
    })
    .optional(),
});

/** The configuration as parsed: every default filled, sizes in bytes, durations in milliseconds. */
export type Config = z.output<typeof configSchema>;
export type DeskChannel = z.output<typeof deskChannelSchema>;
export type DeskAssignmentRule = z.output<typeof assignmentRuleSchema>;
export type DeskImap = z.output<typeof deskImapSchema>;

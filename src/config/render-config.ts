/**
 * Config → canonical YAML that `parseConfigText` turns back into an equal Config.
 * Defaults are left out so an export reads like a hand-written file; short lists and
 * matches are written inline, as in the example.
 */
import { Document, isCollection, type Node } from 'yaml';
import type { RoutingRule } from '../routing/index.js';
import {
  DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_RECIPIENTS,
  DEFAULT_RETENTION,
  DEFAULT_RETRY,
  DEFAULT_RSPAMD_TIMEOUT,
  type Config,
} from './schema.js';
import { DEFAULT_CHANNEL_LANGUAGE } from './mail-templates.js';
import { WEEKDAYS } from './business-hours.js';
import { renderDuration, renderSize } from './units.js';

type Plain = Record<string, unknown>;

/** Drop undefined values and empty lists/maps, so defaults do not clutter the file. */
function compact(obj: Plain): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

const unlessDefault = <T>(value: T, fallback: T): T | undefined => (value === fallback ? undefined : value);
const durationUnlessDefault = (ms: number, fallback: number): string | undefined => (ms === fallback ? undefined : renderDuration(ms));

function renderTemplates(templates: NonNullable<Config['desk']>['channels'][number]['templates'] & object): Plain {
  const out: Plain = {};
  for (const [kind, t] of Object.entries(templates)) if (t) out[kind] = compact({ subject: t.subject, body: t.body });
  return compact(out);
}

function renderRule(rule: RoutingRule): Plain {
  const m = rule.modify;
  const modify = compact({
    changeEnvelopeRecipient: m.changeEnvelopeRecipient,
    changeRoute: m.changeRoute,
    bypassSpamFilter: unlessDefault(m.bypassSpamFilter, false),
    addRecipients: m.addRecipients.map((a) =>
      a.doNotDeliverSpam && a.suppressBounces
        ? a.address
        : compact({ address: a.address, doNotDeliverSpam: unlessDefault(a.doNotDeliverSpam, true), suppressBounces: unlessDefault(a.suppressBounces, true) }),
    ),
    addXOriginalToHeader: unlessDefault(m.addXOriginalToHeader, false),
    addSpamHeaders: unlessDefault(m.addSpamHeaders, false),
    customHeaders: { ...m.customHeaders },
    prependSubject: m.prependSubject,
    requireTls: unlessDefault(m.requireTls, false),
    removeAttachments: unlessDefault(m.removeAttachments, false),
  });
  return compact({
    description: rule.description,
    enabled: unlessDefault(rule.enabled, true),
    match: { ...rule.match },
    action: unlessDefault(rule.action, 'modify'),
    rejectText: rule.rejectText,
    modify,
    recognizedAddresses: unlessDefault(rule.recognizedAddresses, false),
  });
}

function renderBusinessHours(hours: NonNullable<NonNullable<Config['desk']>['businessHours']>): Plain {
  const days: Plain = {};
  for (const day of WEEKDAYS) {
    const ranges = hours.days[day];
    if (ranges) days[day] = ranges.length === 1 ? ranges[0] : [...ranges];
  }
  return compact({ timeZone: hours.timeZone, days, holidays: [...hours.holidays] });
}

export function renderConfigYaml(config: Config): string {
  const retry = config.queue.retry;
  const settings = compact({
    orgUnits: config.orgUnits.length === 1 && config.orgUnits[0] === '/' ? undefined : [...config.orgUnits],
    users: config.users.map((u) =>
      compact({
        address: u.address,
        orgUnit: unlessDefault(u.orgUnit, '/'),
        aliases: [...u.aliases],
        status: unlessDefault(u.status, 'active'),
      }),
    ),
    groups: config.groups.map((g) => ({ address: g.address, members: [...g.members] })),
    hosts: config.hosts.map((h) => compact({ name: h.name, host: h.host, port: h.port, tls: h.tls, domains: [...h.domains] })),
    outbound: compact({
      smarthost: config.outbound.smarthost,
      limits: config.outbound.limits.map((l) => compact({ domain: l.domain, connections: l.connections, perMinute: l.perMinute })),
    }),
    defaultRouting: config.defaultRouting.map(renderRule),
    smtp: compact({
      maxMessageSize: config.smtp.maxMessageSize === DEFAULT_MAX_MESSAGE_SIZE ? undefined : renderSize(config.smtp.maxMessageSize),
      maxRecipients: unlessDefault(config.smtp.maxRecipients, DEFAULT_MAX_RECIPIENTS),
      maxConnectionsPerClient: unlessDefault(config.smtp.maxConnectionsPerClient, DEFAULT_MAX_CONNECTIONS_PER_CLIENT),
      connectionLimitExceptions: [...config.smtp.connectionLimitExceptions],
    }),
    spam: compact({
      engine: unlessDefault(config.spam.engine, 'builtin'),
      rspamd: config.spam.rspamd
        ? compact({
            url: config.spam.rspamd.url,
            timeout: durationUnlessDefault(config.spam.rspamd.timeout, DEFAULT_RSPAMD_TIMEOUT),
            onError: unlessDefault(config.spam.rspamd.onError, 'tempfail'),
          })
        : undefined,
      allowSenders: [...config.spam.allowSenders],
      denySenders: [...config.spam.denySenders],
    }),
    queue: compact({
      retry: compact({
        firstRetry: retry.firstRetry === DEFAULT_RETRY.firstRetry ? undefined : renderDuration(retry.firstRetry),
        maxInterval: retry.maxInterval === DEFAULT_RETRY.maxInterval ? undefined : renderDuration(retry.maxInterval),
        giveUpAfter: retry.giveUpAfter === DEFAULT_RETRY.giveUpAfter ? undefined : renderDuration(retry.giveUpAfter),
      }),
    }),
    retention: compact({
      messages: durationUnlessDefault(config.retention.messages, DEFAULT_RETENTION.messages),
      log: durationUnlessDefault(config.retention.log, DEFAULT_RETENTION.log),
      quarantine: durationUnlessDefault(config.retention.quarantine, DEFAULT_RETENTION.quarantine),
      deskSetAside: durationUnlessDefault(config.retention.deskSetAside, DEFAULT_RETENTION.deskSetAside),
      stats: durationUnlessDefault(config.retention.stats, DEFAULT_RETENTION.stats),
    }),
  });
  // domains is always written, even empty: it is the first thing a reader looks for.
  const root: Plain = { domains: [...config.domains], ...(config.postmaster !== undefined ? { postmaster: config.postmaster } : {}), ...settings };
  // Present-but-empty sections mean something (srs: {} turns SRS on), so they are kept.
  if (config.srs) root.srs = compact({ domain: config.srs.domain, secret: config.srs.secret });
  if (config.dkim.length > 0) root.dkim = config.dkim.map((k) => ({ domain: k.domain, selector: k.selector, privateKey: k.privateKey }));
  if (config.arc) root.arc = { domain: config.arc.domain, selector: config.arc.selector, privateKey: config.arc.privateKey };
  if (config.desk) {
    root.desk = {
      domain: config.desk.domain,
      channels: config.desk.channels.map((c) =>
        compact({
          name: c.name,
          kind: c.kind,
          publicAddress: c.publicAddress,
          autoAcknowledge: unlessDefault(c.autoAcknowledge, true),
          language: unlessDefault(c.language, DEFAULT_CHANNEL_LANGUAGE),
          templates: c.templates && renderTemplates(c.templates),
          sla: c.sla
            ? compact({
                firstResponse: c.sla.firstResponse === undefined ? undefined : renderDuration(c.sla.firstResponse),
                resolution: c.sla.resolution === undefined ? undefined : renderDuration(c.sla.resolution),
              })
            : undefined,
          agents: [...c.agents],
          autoAssign: unlessDefault(c.autoAssign, false),
          imap: c.imap
            ? compact({
                host: c.imap.host,
                port: c.imap.port,
                tls: unlessDefault(c.imap.tls, true),
                user: c.imap.user,
                passwordSecret: c.imap.passwordSecret,
                folder: unlessDefault(c.imap.folder, 'INBOX'),
                after: unlessDefault(c.imap.after, 'move'),
              })
            : undefined,
        }),
      ),
      ...(config.desk.businessHours ? { businessHours: renderBusinessHours(config.desk.businessHours) } : {}),
      ...(config.desk.assignment.length > 0 ? { assignment: config.desk.assignment.map((r) => ({ when: { ...r.when }, assign: { ...r.assign } })) } : {}),
      ...(config.desk.webhooks.allowPrivateDestinations ? { webhooks: { allowPrivateDestinations: true } } : {}),
    };
  }

  const doc = new Document(root);
  const inline = (path: readonly (string | number)[]): void => {
    const node = doc.getIn(path, true);
    if (isCollection(node)) (node as Node & { flow: boolean }).flow = true;
  };
  inline(['domains']);
  inline(['orgUnits']);
  config.users.forEach((_, i) => inline(['users', i, 'aliases']));
  config.groups.forEach((_, i) => inline(['groups', i, 'members']));
  config.hosts.forEach((_, i) => inline(['hosts', i, 'domains']));
  config.defaultRouting.forEach((_, i) => {
    inline(['defaultRouting', i, 'match']);
    inline(['defaultRouting', i, 'modify', 'changeEnvelopeRecipient']);
  });
  config.desk?.channels.forEach((_, i) => inline(['desk', 'channels', i, 'agents']));
  config.desk?.assignment.forEach((_, i) => {
    inline(['desk', 'assignment', i, 'when']);
    inline(['desk', 'assignment', i, 'assign']);
  });
  inline(['smtp', 'connectionLimitExceptions']);
  inline(['spam', 'allowSenders']);
  inline(['spam', 'denySenders']);
  config.desk?.channels.forEach((_, i) => inline(['desk', 'channels', i, 'sla']));
  inline(['desk', 'businessHours', 'holidays']);
  return doc.toString({ lineWidth: 0 });
}

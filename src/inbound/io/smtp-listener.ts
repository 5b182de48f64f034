import { BlockList, isIPv6 } from 'node:net';
import type { Readable } from 'node:stream';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Clock } from '../../base/clock.js';
import { EVENTS } from '../../base/events.js';
import type { Logger } from '../../base/log.js';
import type { LiveConfig } from '../../config/index.js';
import type { InboundMetrics } from '../../metrics/index.js';
import { srsReverse } from '../../outbound/index.js';
import { decideRecipient, type RecipientDecision, type RecipientPlan, type RoutingSnapshot } from '../../routing/index.js';
import { decideData, decideEnvelopeAddress, countReceivedHeaders, isSrsAddress, planSrsReturn } from '../accept.js';
import type { IncomingMessage } from './incoming.js';
import { PromptSMTPServer, smtpError, type WrittenAddress } from './prompt-smtp-server.js';
import { RefusedBySpamCheck, type Receiver } from './receive.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  readonly tls?: { key: Buffer; cert: Buffer };
  /** Concurrent connections; past it new clients get 421 and come back later. Default 500. */
  readonly maxClients?: number;
  /** Idle time before a client is dropped with 421 4.4.2. Default 5 minutes. */
  readonly idleTimeoutMs?: number;
  /** The idle time instead while more than 80 % of maxClients are in use. Default 10 s. */
  readonly pressureIdleTimeoutMs?: number;
}

export interface ListenerDeps {
  readonly live: LiveConfig;
  readonly receiver: Receiver;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Verifies SRS return addresses (bounces to mail we forwarded); the config's srs.secret also counts. */
  readonly srsSecret: string;
  /** Whether the desk takes mail for an address in its domain (current channel or reply address). */
  readonly deskTakes: (address: string) => Promise<boolean>;
  /** Told when the store failed a session (451), so /healthz says why at once. */
  readonly health?: { saw(e: unknown): void };
  /** Counts sessions and the replies to RCPT and DATA. */
  readonly metrics?: InboundMetrics;
}

/** SRS addresses older than this are refused, as libsrs2 does by default. */
const SRS_MAX_AGE_DAYS = 21;

/** Per-transaction state, reset at MAIL FROM. */
interface Transaction {
  plans: { address: string; plan: RecipientPlan }[];
}

const DEFAULT_MAX_CLIENTS = 500;
/** Idle time before we drop a client (RFC 5321 4.5.3.2.7 asks for at least 5 minutes). */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Postfix's smtpd_timeout under stress (its default is ${stress?10s:300s}). */
export const DEFAULT_PRESSURE_IDLE_TIMEOUT_MS = 10_000;

/** How long a stop waits, by default, for messages being received to get their reply. */
export const DEFAULT_DRAIN_MS = 30_000;
/** After the last message got its reply, the time its client has to say QUIT. */
const QUIT_LINGER_MS = 1_000;
const DRAIN_POLL_MS = 50;

export interface RunningListener {
  readonly port: number;
  /**
   * Stops taking mail: new clients and new commands get 421 4.3.2 at once, sessions in DATA
   * get up to `drainMs` to be received and answered; then every session is closed.
   */
  close(drainMs?: number): Promise<void>;
}

export async function startSmtpListener(deps: ListenerDeps, opts: ListenerOptions): Promise<RunningListener> {
  const transactions = new Map<string, Transaction>();
  const perClient = new Map<string, number>();
  const counted = new Set<string>();
  let exempt: { key: string; list: BlockList } = { key: '', list: new BlockList() };
  const isExempt = (ip: string, exceptions: readonly string[]): boolean => {
    const key = exceptions.join(',');
    if (exempt.key !== key) exempt = { key, list: blockListOf(exceptions) };
    return exempt.list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
  };
  const decide = (address: string, snapshot: RoutingSnapshot, configSecret: string | undefined): RecipientDecision => {
    if (!isSrsAddress(address, snapshot.domains)) return decideRecipient(address, snapshot);
    const secrets = configSecret ? [configSecret, deps.srsSecret] : [deps.srsSecret];
    const r = srsReverse(address, { secret: secrets, now: new Date(deps.clock.now()), maxAgeDays: SRS_MAX_AGE_DAYS });
    if (!r.ok)
      return {
        kind: 'reject',
        reply: { code: 550, enhanced: '5.7.1', text: `Invalid SRS return address (${r.reason}); we only return bounces for mail we forwarded` },
      };
    return { kind: 'accept', plan: planSrsReturn(address, r.address) };
  };
  const initial = deps.live.cached.config;
  const m = deps.metrics;

  const server = new PromptSMTPServer({
    name: opts.hostname,
    banner: 'Relaydesk ESMTP',
    size: initial.smtp.maxMessageSize,
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    maxClients: opts.maxClients ?? DEFAULT_MAX_CLIENTS,
    socketTimeout: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    pressureSocketTimeout: opts.pressureIdleTimeoutMs ?? DEFAULT_PRESSURE_IDLE_TIMEOUT_MS,
    onPressureChange(underPressure, open) {
      if (underPressure) deps.logger.warn({ event: EVENTS.pressure, open }, 'more than 80% of the client limit in use: idle sessions now time out sooner');
      else deps.logger.info({ event: EVENTS.pressure, open }, 'client load back under 80% of the limit: the normal idle timeout holds again');
    },
    logger: false,
    onClientLimit: () => m?.connectionRefused('global_limit'),
    onConnect(session, cb) {
      deps.logger.debug({ event: EVENTS.connected, sid: session.id, ip: session.remoteAddress }, 'client connected');
      const ip = session.remoteAddress;
      perClient.set(ip, (perClient.get(ip) ?? 0) + 1);
      counted.add(session.id);
      m?.connectionOpened();
      deps.live.current().then(
        ({ config: { smtp } }) => {
          // EHLO comes after this: it must advertise the SIZE in force, not the last one seen.
          server.options.size = smtp.maxMessageSize;
          const open = perClient.get(ip) ?? 0;
          if (open > smtp.maxConnectionsPerClient && !isExempt(ip, smtp.connectionLimitExceptions)) {
            deps.logger.warn({ event: EVENTS.rejected, sid: session.id, ip, open }, 'too many connections from one client');
            m?.connectionRefused('per_client_limit');
            return cb(smtpError(421, '4.7.0', `Too many connections from ${ip} (limit ${smtp.maxConnectionsPerClient}); try again later`));
          }
          m?.connectionAccepted();
          cb();
        },
        (e: unknown) => {
          deps.health?.saw(e);
          m?.connectionRefused('store_unavailable');
          cb(smtpError(421, '4.3.0', 'Temporary local problem (store unavailable); please try again later'));
        },
      );
    },
    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const check = decideEnvelopeAddress({ role: 'sender', written: (address as WrittenAddress).written, smtpUtf8: smtpUtf8Of(address) });
      if (check.kind === 'reject') {
        deps.logger.info({ event: EVENTS.rejected, sid: session.id, qid: null, code: check.reply.code }, 'sender address refused');
        return cb(smtpError(check.reply.code, check.reply.enhanced, check.reply.text));
      }
      transactions.set(session.id, { plans: [] });
      // Take up a newly applied configuration (and its size limit) before this transaction.
      deps.live.current().then(
        (state) => {
          server.options.size = state.config.smtp.maxMessageSize;
          // Without any rules loaded (the stored ones no longer validate), every recipient
          // would get a permanent 550: the sender is asked to come back instead.
          const unusable = deps.live.unusable;
          if (unusable) {
            deps.logger.error({ event: EVENTS.rejected, sid: session.id, version: unusable.version }, 'no usable configuration; answered 451');
            return cb(smtpError(451, '4.3.5', 'Temporary local problem: this server cannot load its configuration; please try again later'));
          }
          cb();
        },
        (e: unknown) => {
          deps.health?.saw(e);
          deps.logger.error({ event: EVENTS.rejected, sid: session.id, err: (e as Error).message }, 'store unavailable at MAIL FROM');
          cb(smtpError(451, '4.3.0', 'Temporary local problem (store unavailable); please try again later'));
        },
      );
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      // The MAIL FROM of this transaction, as accepted (a refused one never lands here).
      const mailFrom = session.envelope.mailFrom;
      const check = decideEnvelopeAddress({
        role: 'recipient',
        written: (address as WrittenAddress).written,
        smtpUtf8: mailFrom !== false && smtpUtf8Of(mailFrom),
      });
      if (check.kind === 'reject') {
        deps.logger.info({ event: EVENTS.recipientRejected, sid: session.id, qid: null, code: check.reply.code }, 'recipient address refused');
        m?.reply('rcpt', check.reply.code, 'bad_address');
        return cb(smtpError(check.reply.code, check.reply.enhanced, check.reply.text));
      }
      const tx = transactions.get(session.id) ?? { plans: [] };
      transactions.set(session.id, tx);
      deps.live.current().then(
        (state) => {
          if (tx.plans.length >= state.config.smtp.maxRecipients) {
            m?.reply('rcpt', 452, 'too_many_recipients');
            return cb(smtpError(452, '4.5.3', `Too many recipients in one transaction (limit ${state.config.smtp.maxRecipients}); send the rest in another`));
          }
          const decision = decide(address.address, state.snapshot, state.config.srs?.secret);
          if (decision.kind === 'accept' && decision.plan.targets.some((t) => t.transport === 'desk' && t.recipient === decision.plan.recipient)) {
            // Channel addresses change (rotate) without a new configuration: ask the store.
            return deps.deskTakes(decision.plan.recipient).then(
              (ok) => {
                if (ok) {
                  tx.plans.push({ address: address.address, plan: decision.plan });
                  m?.reply('rcpt', 250, 'accepted');
                  return cb();
                }
                deps.logger.info(
                  { event: EVENTS.recipientRejected, sid: session.id, qid: null, rcpt: address.address, code: 550 },
                  'recipient rejected: no such desk address',
                );
                m?.reply('rcpt', 550, 'no_such_address');
                cb(smtpError(550, '5.1.1', `<${address.address}>: no such address here; check the address`));
              },
              () => {
                m?.reply('rcpt', 451, 'store_unavailable');
                cb(smtpError(451, '4.3.0', 'Temporary local problem (store unavailable); please try again later'));
              },
            );
          }
          switch (decision.kind) {
            case 'reject':
              deps.logger.info(
                { event: EVENTS.recipientRejected, sid: session.id, qid: null, rcpt: address.address, code: decision.reply.code, rule: decision.rule },
                'recipient rejected',
              );
              m?.reply('rcpt', decision.reply.code, rejectReasonOf(decision));
              return cb(smtpError(decision.reply.code, decision.reply.enhanced, decision.reply.text));
            case 'accept':
              tx.plans.push({ address: address.address, plan: decision.plan });
              m?.reply('rcpt', 250, 'accepted');
              return cb();
          }
        },
        (e: unknown) => {
          deps.health?.saw(e);
          deps.logger.error({ event: EVENTS.rejected, sid: session.id, err: (e as Error).message }, 'store unavailable at RCPT');
          m?.reply('rcpt', 451, 'store_unavailable');
          cb(smtpError(451, '4.3.0', 'Temporary local problem (store unavailable); please try again later'));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void) {
      const tx = transactions.get(session.id);
      transactions.delete(session.id);
      const limit = deps.live.cached.config.smtp.maxMessageSize;
      const incoming = deps.receiver.begin();
      const refuse = (code: number, enhanced: string, text: string) => incoming.abort().then(() => cb(smtpError(code, enhanced, text)));
      readData(stream, incoming).then(
        async () => {
          const read = incoming.end();
          const dataDecision = decideData({
            size: read.size,
            maxSize: limit,
            sizeExceeded: stream.sizeExceeded,
            receivedHeaders: countReceivedHeaders(read.header),
            problem: read.problem,
            headerFields: read.headerFields,
          });
          if (dataDecision.kind === 'reject') {
            const reply = dataDecision.reply;
            deps.logger.info({ event: EVENTS.rejected, sid: session.id, qid: null, code: reply.code, size: read.size }, 'message refused at DATA');
            m?.reply('data', reply.code, reply.enhanced === '5.4.6' ? 'loop' : 'too_large');
            return refuse(reply.code, reply.enhanced, reply.text);
          }
          if (!tx || tx.plans.length === 0) {
            m?.reply('data', 503, 'no_recipients');
            return refuse(503, '5.5.1', 'No valid recipients');
          }
          if (incoming.storeError) {
            deps.health?.saw(incoming.storeError);
            deps.logger.error(
              { event: EVENTS.rejected, sid: session.id, qid: null, err: incoming.storeError.message },
              'message not stored while it arrived; answered 451',
            );
            m?.reply('data', 451, 'store_unavailable');
            return refuse(451, '4.3.0', 'Temporary local problem: the message could not be stored; please try again later');
          }
          try {
            const queueId = await deps.receiver.receive(incoming, {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              recipients: tx.plans,
              helo: session.hostNameAppearsAs ?? '',
              clientIp: session.remoteAddress,
              tls: Boolean(session.secure),
              sessionId: session.id,
            });
            m?.reply('data', 250, 'accepted');
            cb(null, `2.0.0 Ok: queued as ${queueId}`);
          } catch (e) {
            if (e instanceof RefusedBySpamCheck) {
              const { refusal, reason, detail } = e.refused;
              deps.logger.info(
                { event: EVENTS.rejected, sid: session.id, qid: incoming.queueId, code: refusal.code, reason, detail },
                'message refused by the spam filter',
              );
              m?.reply('data', refusal.code, reason);
              return refuse(refusal.code, refusal.enhanced, refusal.text);
            }
            deps.health?.saw(e);
            deps.logger.error({ event: EVENTS.rejected, sid: session.id, qid: null, err: (e as Error).message }, 'message not committed; answered 451');
            m?.reply('data', 451, 'store_unavailable');
            await refuse(451, '4.3.0', 'Temporary local problem: the message could not be stored; please try again later');
          }
        },
        (e: unknown) => {
          deps.logger.warn({ event: EVENTS.rejected, sid: session.id, err: (e as Error).message }, 'DATA stream failed');
          m?.reply('data', 451, 'read_failed');
          void refuse(451, '4.3.0', 'Temporary problem while reading the message; please try again');
        },
      );
    },
    onClose(session) {
      transactions.delete(session.id);
      if (counted.delete(session.id)) {
        m?.connectionClosed();
        const left = (perClient.get(session.remoteAddress) ?? 1) - 1;
        if (left <= 0) perClient.delete(session.remoteAddress);
        else perClient.set(session.remoteAddress, left);
      }
    },
  });

  server.on('error', (err: Error) => deps.logger.warn({ event: EVENTS.inboundError, err: err.message }, 'SMTP server error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    async close(drainMs = DEFAULT_DRAIN_MS) {
      deps.logger.info(
        { event: EVENTS.draining, open: server.sessionsOpen, inData: server.sessionsInData },
        'stopping: new clients get 421, messages being received finish',
      );
      server.shutDown(`4.3.2 ${opts.hostname} Service shutting down`);
      // Wall time, not the node's clock: a test's frozen clock must not hold a stop forever.
      let expired = false;
      const timer = setTimeout(() => (expired = true), drainMs);
      const waitFor = async (done: () => boolean) => {
        while (!done() && !expired) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      };
      try {
        await waitFor(() => server.sessionsInData === 0);
        const cut = server.sessionsInData;
        if (cut > 0)
          deps.logger.warn(
            { event: EVENTS.drainCut, count: cut },
            'messages still being received when the wait ran out are cut off (they got no 250; their clients send them again)',
          );
        const linger = setTimeout(() => (expired = true), QUIT_LINGER_MS);
        await waitFor(() => server.sessionsOpen === 0);
        clearTimeout(linger);
      } finally {
        clearTimeout(timer);
      }
      server.closeRemaining();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      deps.logger.info({ event: EVENTS.inboundStopped }, 'SMTP listener stopped');
    },
  };
}

/**
 * Feeds DATA to the message as it arrives, one chunk at a time: the next chunk is read
 * only once the last one is handled, so a slow store slows the client (TCP backpressure)
 * instead of filling memory. Past the size limit the rest is read and dropped.
 */
async function readData(stream: Readable, incoming: IncomingMessage): Promise<void> {
  for await (const chunk of stream) await incoming.write(chunk as Buffer);
}

/** The reason label of a refused recipient: a fixed word, never the address or the rule's name. */
function rejectReasonOf(decision: { readonly reply: { readonly enhanced: string }; readonly rule?: string }): string {
  if (decision.rule !== undefined) return 'rule';
  // 5.7.1 without a rule: a domain we do not host, or an SRS address that does not verify.
  return decision.reply.enhanced === '5.1.1' ? 'no_such_address' : 'relay_denied';
}

/** Whether MAIL FROM carried the SMTPUTF8 parameter (the library refuses it with a value). */
function smtpUtf8Of(mailFrom: SMTPServerAddress): boolean {
  const args: unknown = mailFrom.args;
  return typeof args === 'object' && args !== null && (args as Record<string, unknown>).SMTPUTF8 === true;
}

/** Addresses and CIDR blocks (validated by the config schema) as one lookup. */
function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr, prefix] = e.split('/');
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
    if (prefix !== undefined) list.addSubnet(addr!, Number(prefix), type);
    else list.addAddress(addr!, type);
  }
  return list;
}

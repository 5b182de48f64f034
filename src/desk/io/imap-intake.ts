/**
 * Mail taken from IMAP mailboxes (`desk.channels[].imap`), for organisations that cannot
 * route mail to the desk. Each message becomes a stored message with one `desk` delivery to
 * its channel's inbound address, so the queue's desk transport takes it in exactly as mail
 * that came by SMTP: the same parsing, dedupe, machine-mail rules, cases and leads. The UID
 * is recorded in the transaction that stores the message; only then is it moved or flagged.
 * One node at a time reads a mailbox (a lease in the store).
 */
import { traceText } from '../../base/trace-texts.js';
import type { ImapFlow } from 'imapflow';
import type { Readable } from 'node:stream';
import type { Clock } from '../../base/clock.js';
import { EVENTS } from '../../base/events.js';
import { headerEnd, summarizeHeaders } from '../../base/headers.js';
import { newQueueId } from '../../base/ids.js';
import type { Logger } from '../../base/log.js';
import { imapSecretName, type DeskImap, type LiveConfig } from '../../config/index.js';
import { enqueue } from '../../queue/light.js';
import {
  BlobWriter,
  claimImapMailbox,
  insertSuspended,
  listDeskChannels,
  loadSecrets,
  recordImapState,
  recordImapTaken,
  releaseImapMailbox,
  restartImapMailbox,
  type MessageContent,
  type ReceivedRecord,
  type StoreHandle,
  type TraceEvent,
} from '../../store/index.js';
import {
  afterAction,
  decideFolderStart,
  decideMessage,
  describeImapError,
  envelopeSenderOf,
  imapPort,
  mailboxKey,
  planPass,
  POLL_INTERVAL_MS,
  reconnectDelay,
  returnPathOf,
  TAKEN_KEYWORD,
  type ImapErrorFacts,
} from '../imap-intake.js';

/** A header block longer than this is not a mail header (the SMTP side refuses it too). */
const MAX_HEADER_BYTES = 1024 * 1024;
const NO_TRANSFORM = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };

export interface ImapIntakeDeps {
  readonly store: Pick<StoreHandle, 'db' | 'durableTransaction' | 'lazyTransaction'>;
  readonly live: LiveConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostname: string;
  /** This process among the nodes sharing the store: the lease holder's name. */
  readonly owner: string;
  /** A message was queued: deliver it now. */
  readonly onQueued: () => void;
  /** Shorter in tests: the pause between passes without news, the lease, how often the configuration is looked at. */
  readonly pollMs?: number;
  readonly leaseMs?: number;
  readonly checkMs?: number;
}

/** Watches the configuration and runs one reader per channel that has `imap`. */
export class ImapIntake {
  readonly #readers = new Map<string, MailboxReader>();
  #timer: NodeJS.Timeout | null = null;
  #syncing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly deps: ImapIntakeDeps) {}

  start(): void {
    const tick = () => {
      this.#syncing = this.#sync().catch((e: unknown) =>
        this.deps.logger.warn({ event: EVENTS.deskImapFailed, err: (e as Error).message }, 'IMAP intake could not read the channels; trying again'),
      );
      void this.#syncing.then(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, this.deps.checkMs ?? 5000);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#syncing;
    await Promise.all([...this.#readers.values()].map((r) => r.stop()));
    this.#readers.clear();
  }

  async #sync(): Promise<void> {
    const { config } = await this.deps.live.current();
    const wanted = new Map<string, { channelId: string; name: string; inbound: string; imap: DeskImap }>();
    const withImap = (config.desk?.channels ?? []).filter((c) => c.imap);
    if (withImap.length > 0) {
      const stored = await listDeskChannels(this.deps.store.db);
      for (const c of withImap) {
        const s = stored.find((x) => x.name === c.name);
        const inbound = s?.inboundAddresses.find((a) => !a.retired)?.address;
        if (!s || !inbound || !c.imap) continue;
        // Any change of the mailbox, its password or `after` starts a new reader.
        wanted.set(JSON.stringify([s.id, inbound, c.imap]), { channelId: s.id, name: c.name, inbound, imap: c.imap });
      }
    }
    if (this.#stopped) return;
    for (const [key, reader] of this.#readers) {
      if (wanted.has(key)) continue;
      this.#readers.delete(key);
      await reader.stop();
    }
    for (const [key, w] of wanted) {
      if (this.#readers.has(key)) continue;
      const reader = new MailboxReader(this.deps, w);
      this.#readers.set(key, reader);
      reader.start();
    }
  }
}

interface ReaderTarget {
  readonly channelId: string;
  readonly name: string;
  /** The channel's inbound address: the delivery's recipient, as if the mail had come by SMTP. */
  readonly inbound: string;
  readonly imap: DeskImap;
}

class MailboxReader {
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  #client: ImapFlow | null = null;
  /** Ends a wait at once (stop, news). */
  #wake: (() => void) | null = null;
  /** The server said new mail arrived since the last pass began. */
  #news = false;
  readonly #mailbox: string;
  readonly #leaseMs: number;

  constructor(
    private readonly deps: ImapIntakeDeps,
    private readonly target: ReaderTarget,
  ) {
    this.#mailbox = mailboxKey(target.imap);
    this.#leaseMs = deps.leaseMs ?? 60_000;
  }

  start(): void {
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    this.#client?.close();
    await this.#running;
  }

  get #log() {
    return { channel: this.target.name, mailbox: this.#mailbox };
  }

  async #run(): Promise<void> {
    const { deps, target } = this;
    let failures = 0;
    while (!this.#stopped) {
      let holds = false;
      try {
        holds = (await this.#claim()) !== null;
        if (!holds) {
          // Another node reads this mailbox; look again when its lease could have lapsed.
          await this.#sleep(this.#leaseMs / 2);
          continue;
        }
        // Failures in a row count until a pass goes well: a server that lets us log in and then
        // fails (a missing folder) is not tried again every second.
        await this.#session(() => (failures = 0));
      } catch (e) {
        if (this.#stopped) break;
        failures++;
        const facts = e as ImapErrorFacts;
        const { code, text } = describeImapError(facts, target.imap);
        deps.logger.warn(
          { event: EVENTS.deskImapFailed, ...this.#log, code, failures, retryInMs: reconnectDelay(failures), err: facts.message },
          `IMAP intake: ${text}`,
        );
        if (holds)
          await recordImapState(deps.store.db, {
            channelId: target.channelId,
            owner: deps.owner,
            now: deps.clock.now(),
            kind: 'error',
            code,
            error: text,
          }).catch(() => undefined);
        await this.#sleep(reconnectDelay(failures));
      } finally {
        this.#client?.close();
        this.#client = null;
      }
    }
    await releaseImapMailbox(deps.store.db, { channelId: target.channelId, owner: deps.owner, now: deps.clock.now() }).catch(() => undefined);
  }

  #claim() {
    const now = this.deps.clock.now();
    return claimImapMailbox(this.deps.store.db, {
      channelId: this.target.channelId,
      mailbox: this.#mailbox,
      owner: this.deps.owner,
      now,
      until: now + this.#leaseMs,
    });
  }

  async #session(passed: () => void): Promise<void> {
    const { deps, target } = this;
    const { imap } = target;
    const name = imapSecretName(imap.passwordSecret);
    const password = (await loadSecrets(deps.store.db, [name])).get(name);
    if (password === undefined) throw new Error('the stored IMAP password is missing; write it in imap.passwordSecret again and apply');
    // Loaded by the first node that reads a mailbox: the others never carry it.
    const { ImapFlow } = await import('imapflow');
    const client = new ImapFlow({
      host: imap.host,
      port: imapPort(imap),
      secure: imap.tls,
      // Without TLS on the port, STARTTLS only when offered: a private server on loopback.
      doSTARTTLS: imap.tls ? undefined : false,
      auth: { user: imap.user, pass: password },
      logger: false,
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      // IDLE begins soon after each pass, so new mail is seen within a second or two.
      autoIdleDelay: 500,
    });
    this.#client = client;
    // Without a listener an error event would end the process; the command under way fails with it.
    client.on('error', () => undefined);
    client.on('exists', () => {
      this.#news = true;
      this.#wake?.();
    });
    client.on('close', () => this.#wake?.());
    await client.connect();
    if (this.#stopped) return;
    const after = afterAction(imap.after);
    const moveTo = after.kind === 'move' ? await ensureFolder(client, after.folder) : null;
    await client.mailboxOpen(imap.folder);
    await recordImapState(deps.store.db, { channelId: target.channelId, owner: deps.owner, now: deps.clock.now(), kind: 'connected' });
    deps.logger.info(
      { event: EVENTS.deskImapConnected, ...this.#log, idle: client.capabilities.has('IDLE') },
      `IMAP intake: connected to ${this.#mailbox}${client.capabilities.has('IDLE') ? ', waiting with IDLE' : `, looking every ${Math.round((deps.pollMs ?? POLL_INTERVAL_MS) / 1000)} s`}`,
    );
    const poll = deps.pollMs ?? POLL_INTERVAL_MS;
    let lastPass = 0;
    while (!this.#stopped && client.usable) {
      const row = await this.#claim();
      if (!row) {
        deps.logger.info({ event: EVENTS.deskImapFailed, ...this.#log, code: 'imap-lease-lost' }, 'IMAP intake: another node reads this mailbox now');
        return;
      }
      // News (IDLE's EXISTS) or the poll interval starts a pass; between, only the lease is renewed.
      if (this.#news || deps.clock.now() - lastPass >= poll) {
        this.#news = false;
        lastPass = deps.clock.now();
        // The lock is held only during a pass: imapflow enters IDLE only while none is held.
        const lock = await client.getMailboxLock(imap.folder);
        let more: boolean;
        try {
          more = await this.#pass(client, row, moveTo);
        } finally {
          lock.release();
        }
        passed();
        if (more) {
          this.#news = true;
          continue;
        }
      }
      await this.#sleep(Math.min(poll, this.#leaseMs / 3));
    }
    if (!client.usable && !this.#stopped) throw Object.assign(new Error('the server closed the connection'), { code: 'NoConnection' });
  }

  /** One look at the folder; true when more new mail waits than one pass takes. */
  async #pass(client: ImapFlow, row: { uidValidity: number | null; lastUid: number }, moveTo: string | null): Promise<boolean> {
    const { deps, target } = this;
    const box = client.mailbox;
    if (!box) throw new Error(`the folder ${target.imap.folder} is not open`);
    const uidValidity = Number(box.uidValidity);
    const start = decideFolderStart(row, uidValidity);
    let lastUid = 0;
    if (start.kind === 'restart') {
      await restartImapMailbox(deps.store.db, { channelId: target.channelId, owner: deps.owner, uidValidity, now: deps.clock.now() });
      if (start.reason === 'uidvalidity-changed')
        deps.logger.warn(
          { event: EVENTS.deskImapRestarted, ...this.#log, uidValidity, before: row.uidValidity },
          `IMAP intake: ${this.#mailbox} has a new UIDVALIDITY (${uidValidity}, was ${row.uidValidity}); reading the folder again, duplicates are recognised`,
        );
    } else lastUid = start.lastUid;
    const after = afterAction(target.imap.after);
    const found = await client.search(after.kind === 'flag' ? { deleted: false, unKeyword: TAKEN_KEYWORD } : { deleted: false }, { uid: true });
    const plan = planPass(found || [], lastUid);
    const done: number[] = [...plan.finish];
    for (const uid of plan.take) {
      if (this.#stopped) break;
      if (await this.#take(client, uid, uidValidity)) done.push(uid);
    }
    if (done.length > 0) {
      const range = done.join(',');
      if (after.kind === 'move') await client.messageMove(range, moveTo ?? after.folder, { uid: true });
      else await client.messageFlagsAdd(range, [...after.flags], { uid: true });
    }
    await recordImapState(deps.store.db, { channelId: target.channelId, owner: deps.owner, now: deps.clock.now(), kind: 'success' });
    return plan.more;
  }

  /** Stores one message and its UID in one transaction; false when it was gone. */
  async #take(client: ImapFlow, uid: number, uidValidity: number): Promise<boolean> {
    const { deps } = this;
    const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
    if (!meta) return false;
    const now = deps.clock.now();
    const queueId = newQueueId(now);
    const { config, version } = deps.live.cached;
    const size = meta.size ?? 0;
    const decision = decideMessage(size, config.smtp.maxMessageSize, { mailbox: this.#mailbox, uid });
    const where = { mailbox: this.#mailbox, uid, uidValidity };
    if (decision.kind === 'too-large') {
      const head = await client.fetchOne(String(uid), { uid: true, headers: true }, { uid: true });
      const header = head && head.headers ? head.headers.subarray(0, MAX_HEADER_BYTES) : Buffer.from('\r\n');
      await this.#commit(
        this.#record({ queueId, now, version, header: headerBlock(header), content: { header: headerBlock(header), body: [] }, size, where, deliver: false }),
        { uid, uidValidity, now },
        decision.detail,
      );
      deps.logger.warn(
        { event: EVENTS.deskImapTooLarge, ...this.#log, uid, size, limit: config.smtp.maxMessageSize, qid: queueId },
        `IMAP intake: UID ${uid} is ${size} bytes, over smtp.maxMessageSize; set aside as ${queueId}`,
      );
      return true;
    }
    const download = await client.download(String(uid), undefined, { uid: true, decodeText: false });
    if (!download.content) return false;
    const read = await readMessage(download.content, new BlobWriter(deps.store, queueId, { owner: deps.owner, now: () => deps.clock.now() }, 1));
    if (read.kind === 'header-too-long') {
      await read.writer.abort(deps.store.db).catch(() => undefined);
      const header = headerBlock(read.head);
      await this.#commit(
        this.#record({ queueId, now, version, header, content: { header, body: [] }, size, where, deliver: false }),
        { uid, uidValidity, now },
        `the header block is longer than 1 MiB, so the desk did not read it; it was UID ${uid} of ${this.#mailbox} and stays whole in that mailbox (moved or flagged as imap.after says)`,
      );
      return true;
    }
    const stored = read.writer.storedChunks;
    const content: MessageContent = {
      header: read.header,
      body: [...read.writer.pending],
      ...(stored > 0 ? { spooled: { chunks: stored, bytes: read.writer.storedBytes } } : {}),
    };
    await this.#commit(this.#record({ queueId, now, version, header: read.header, content, size, where, deliver: true }), { uid, uidValidity, now }, null);
    deps.onQueued();
    deps.logger.info(
      { event: EVENTS.deskImapTaken, ...this.#log, uid, uidValidity, qid: queueId, size },
      `IMAP intake: UID ${uid} of ${this.#mailbox} queued as ${queueId}`,
    );
    return true;
  }

  #record(x: {
    queueId: string;
    now: number;
    version: number;
    header: Buffer;
    content: MessageContent;
    size: number;
    where: { mailbox: string; uid: number; uidValidity: number };
    deliver: boolean;
  }): ReceivedRecord {
    const { target } = this;
    const summary = summarizeHeaders(x.header);
    const mailFrom = envelopeSenderOf({ returnPath: returnPathOf(x.header.toString('latin1')), from: summary.from });
    const at = x.now;
    const trace: TraceEvent[] = [
      {
        queueId: x.queueId,
        at,
        code: EVENTS.deskImapTaken,
        summary: `taken from the IMAP mailbox ${x.where.mailbox}, UID ${x.where.uid} (UIDVALIDITY ${x.where.uidValidity}), for channel ${target.name}`,
        data: { mailbox: x.where.mailbox, uid: x.where.uid, uidValidity: x.where.uidValidity, channel: target.name, mailFrom },
        text: traceText('desk.imap_taken', { mailbox: x.where.mailbox, uid: x.where.uid, uidValidity: x.where.uidValidity, channel: target.name }),
      },
    ];
    if (x.deliver) {
      trace.push({
        queueId: x.queueId,
        at,
        code: EVENTS.planned,
        summary: `<${target.inbound}> → <${target.inbound}> by desk: queued`,
        data: { recipient: target.inbound, transport: 'desk' },
        text: traceText('routing.planned/desk', { originalRecipient: target.inbound, recipient: target.inbound }),
      });
    }
    trace.push({
      queueId: x.queueId,
      at,
      code: EVENTS.accepted,
      summary: `taken: queued as ${x.queueId}`,
      data: { queueId: x.queueId },
      text: traceText('inbound.accepted/imap', { queueId: x.queueId }),
    });
    return {
      message: {
        queueId: x.queueId,
        messageId: summary.messageId,
        mailFrom,
        helo: target.imap.host,
        clientIp: '',
        subject: summary.subject,
        headerFrom: summary.from,
        receivedAt: x.now,
        configVersion: x.version,
        spam: false,
        spamScore: 0,
        spamReasons: [],
        authResults: {},
      },
      content: x.content,
      deliveries: x.deliver
        ? [
            {
              recipient: target.inbound,
              originalRecipient: target.inbound,
              transport: 'desk',
              route: null,
              requireTls: false,
              suppressBounces: true,
              spamFlag: false,
              transform: NO_TRANSFORM,
              rules: [],
              status: 'queued',
              holdReason: null,
              nextAttemptAt: x.now,
            },
          ]
        : [],
      trace,
    };
  }

  /** The message, its UID and (for mail not read) its set-aside entry: all or nothing. */
  async #commit(record: ReceivedRecord, taken: { uid: number; uidValidity: number; now: number }, setAside: string | null): Promise<void> {
    const { deps, target } = this;
    await deps.store.durableTransaction(async (trx) => {
      await enqueue(trx, record);
      await recordImapTaken(trx, { channelId: target.channelId, owner: deps.owner, uidValidity: taken.uidValidity, uid: taken.uid, now: taken.now });
      if (setAside !== null) {
        await insertSuspended(trx, {
          channelId: target.channelId,
          queueId: record.message.queueId,
          recipient: target.inbound,
          reason: 'too-large',
          detail: setAside,
          from: record.message.headerFrom,
          subject: record.message.subject,
          createdAt: taken.now,
        });
      }
    });
  }

  /** Resolves after `ms`, or at once ('woken') on news, a closed connection or stop. */
  #sleep(ms: number): Promise<'woken' | 'timeout'> {
    if (this.#stopped || this.#news) return Promise.resolve('woken');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve('timeout');
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve('woken');
      };
    });
  }
}

/** The folder's path on this server (its hierarchy delimiter may be "." rather than "/"), created when missing. */
async function ensureFolder(client: ImapFlow, folder: string): Promise<string> {
  const parts = folder.split('/');
  const list = await client.list();
  const found = list.find((m) => m.path === parts.join(m.delimiter || '/'));
  if (found) return found.path;
  return (await client.mailboxCreate(parts)).path;
}

/** A header block ends with its blank line; one cut short gets it, so the body reads as empty. */
function headerBlock(h: Buffer): Buffer {
  if (h.subarray(-4).equals(Buffer.from('\r\n\r\n'))) return h;
  if (h.subarray(-2).equals(Buffer.from('\r\n'))) return Buffer.concat([h, Buffer.from('\r\n')]);
  return Buffer.concat([h, Buffer.from('\r\n\r\n')]);
}

type ReadMessage =
  | { readonly kind: 'ok'; readonly header: Buffer; readonly writer: BlobWriter }
  | { readonly kind: 'header-too-long'; readonly head: Buffer; readonly writer: BlobWriter };

/**
 * The message as it streams in: the header block kept in memory (at most 1 MiB), the body
 * written to the store chunk by chunk, as the SMTP side does, so memory stays at about a
 * chunk whatever the size.
 */
async function readMessage(stream: Readable, writer: BlobWriter): Promise<ReadMessage> {
  let head: Buffer | null = Buffer.alloc(0);
  let header: Buffer | null = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (header !== null) {
      await writer.write(chunk);
      continue;
    }
    head = Buffer.concat([head ?? Buffer.alloc(0), chunk]);
    const end = headerEnd(head);
    if (end < head.length || head.subarray(-4).equals(Buffer.from('\r\n\r\n'))) {
      header = head.subarray(0, end);
      await writer.write(head.subarray(end));
      head = null;
    } else if (head.length > MAX_HEADER_BYTES) {
      stream.destroy();
      return { kind: 'header-too-long', head: head.subarray(0, MAX_HEADER_BYTES), writer };
    }
  }
  return { kind: 'ok', header: header ?? headerBlock(head ?? Buffer.alloc(0)), writer };
}

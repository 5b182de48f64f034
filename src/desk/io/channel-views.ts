import { loadConfigInForce } from '../../config/index.js';
import { listConfirmations, listDeskChannels, listImapMailboxes, loadTrace, type Db } from '../../store/index.js';
import { IMAP_ERROR_CODES, imapPort, mailboxKey, type ImapErrorCode } from '../imap-intake.js';
import { slaSettingsOf } from '../sla.js';
import { isoTime } from '../views.js';
import { verificationState } from './desk-service.js';

export interface ChannelView {
  readonly id: string;
  readonly name: string;
  readonly kind: 'support' | 'sales';
  readonly publicAddress: string | null;
  readonly inboundAddress: string | null;
  readonly retiredAddresses: string[];
  readonly autoAcknowledge: boolean;
  readonly verification: { state: string; detail: string | null; sentAt: string | null; verifiedAt: string | null; trace: string[] };
  readonly forwardingConfirmations: { code: string; url: string | null; forwardFrom: string | null; createdAt: string }[];
  /** The channel's service targets (ms of business time) and the zone of the business hours (null: around the clock). */
  readonly sla: { firstResponse: number | null; resolution: number | null; timeZone: string | null } | null;
  /** The IMAP mailbox the channel takes mail from, and how that goes; never its password. */
  readonly imap: ImapView | null;
}

export interface ImapView {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly folder: string;
  readonly after: 'move' | 'flag';
  /** A node is connected to it now. */
  readonly connected: boolean;
  readonly connectedAt: string | null;
  readonly lastTakenAt: string | null;
  readonly lastSuccessAt: string | null;
  /** The last failure since the last good pass: a code and the sentence it stands for. */
  readonly lastError: { readonly code: ImapErrorCode; readonly text: string; readonly at: string } | null;
}

/** Channels with their addresses and verification; a failed check carries its trace. */
export async function loadChannelViews(db: Db, now: number): Promise<ChannelView[]> {
  const out: ChannelView[] = [];
  const [{ config }, mailboxes] = await Promise.all([loadConfigInForce(db), listImapMailboxes(db)]);
  const sla = slaSettingsOf(config.desk);
  for (const c of await listDeskChannels(db)) {
    const targets = sla.targets.get(c.name);
    const imap = config.desk?.channels.find((x) => x.name === c.name)?.imap;
    // A row left from another mailbox of the channel says nothing about this one.
    const row = imap ? mailboxes.find((m) => m.channelId === c.id && m.mailbox === mailboxKey(imap)) : undefined;
    const state = verificationState(c, now);
    const trace = state === 'failed' && c.verification.queueId ? await loadTrace(db, c.verification.queueId) : [];
    out.push({
      id: c.id,
      name: c.name,
      kind: c.kind,
      publicAddress: c.publicAddress,
      inboundAddress: c.inboundAddresses.find((a) => !a.retired)?.address ?? null,
      retiredAddresses: c.inboundAddresses.filter((a) => a.retired).map((a) => a.address),
      autoAcknowledge: c.autoAcknowledge,
      verification: {
        state,
        detail: c.verification.detail,
        sentAt: c.verification.sentAt === null ? null : isoTime(c.verification.sentAt),
        verifiedAt: c.verification.verifiedAt === null ? null : isoTime(c.verification.verifiedAt),
        trace: trace.map((t) => `${isoTime(t.at)} ${t.code} ${t.summary}`),
      },
      forwardingConfirmations: (await listConfirmations(db, c.id)).map((f) => ({ ...f, createdAt: isoTime(f.createdAt) })),
      sla: targets ? { ...targets, timeZone: sla.hours?.timeZone ?? null } : null,
      imap: imap
        ? {
            host: imap.host,
            port: imapPort(imap),
            user: imap.user,
            folder: imap.folder,
            after: imap.after,
            connected: !!row && row.connectedAt !== null && row.leaseUntil > now,
            connectedAt: row?.connectedAt != null ? isoTime(row.connectedAt) : null,
            lastTakenAt: row?.lastTakenAt != null ? isoTime(row.lastTakenAt) : null,
            lastSuccessAt: row?.lastSuccessAt != null ? isoTime(row.lastSuccessAt) : null,
            lastError:
              row?.lastError != null && row.lastErrorAt !== null
                ? { code: errorCode(row.lastErrorCode), text: row.lastError, at: isoTime(row.lastErrorAt) }
                : null,
          }
        : null,
    });
  }
  return out;
}

/** A code this release does not know (written by a newer node) reads as the general one. */
function errorCode(code: string | null): ImapErrorCode {
  return IMAP_ERROR_CODES.find((c) => c === code) ?? 'imap-failed';
}

import { listConfirmations, listDeskChannels, loadTrace, type Db } from '../../store/index.js';
import { loadConfigInForce } from '../../config/index.js';
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
}

/** Channels with their addresses and verification; a failed check carries its trace. */
export async function loadChannelViews(db: Db, now: number): Promise<ChannelView[]> {
  const out: ChannelView[] = [];
  const sla = slaSettingsOf((await loadConfigInForce(db)).config.desk);
  for (const c of await listDeskChannels(db)) {
    const targets = sla.targets.get(c.name);
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
    });
  }
  return out;
}

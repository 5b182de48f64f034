/**
 * Which claimed deliveries can share one attempt: same message, same transport,
 * same next hop, same copy of the message. Pure.
 */
export interface GroupableDelivery {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  readonly transport: string;
  readonly route: string | null;
  readonly requireTls: boolean;
  readonly transform: unknown;
}

export interface DeliveryGroup<D extends GroupableDelivery> {
  readonly key: string;
  readonly deliveries: readonly D[];
}

/** One SMTP transaction carries at most this many recipients (RFC 5321 4.5.3.1.8 asks servers for 100). */
export const MAX_RECIPIENTS_PER_ATTEMPT = 100;

export function groupDeliveries<D extends GroupableDelivery>(claimed: readonly D[]): DeliveryGroup<D>[] {
  const open = new Map<string, D[]>();
  const out: DeliveryGroup<D>[] = [];
  for (const d of claimed) {
    // Mailbox and desk deliveries stand alone: each is its own local write.
    const hop = d.transport === 'smtp' ? (d.route ?? `@${d.recipient.slice(d.recipient.lastIndexOf('@') + 1).toLowerCase()}`) : `#${d.id}`;
    const key = [d.queueId, d.transport, hop, d.requireTls ? 'tls' : '', JSON.stringify(d.transform)].join('\u0000');
    let list = open.get(key);
    if (!list || list.length >= MAX_RECIPIENTS_PER_ATTEMPT) {
      list = [];
      open.set(key, list);
      out.push({ key, deliveries: list });
    }
    list.push(d);
  }
  return out;
}

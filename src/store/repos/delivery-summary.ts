import type { DeliveryStatus } from '../schema.js';

/**
 * How one delivery of a purged message ended: what the email log keeps of it. A module of its
 * own because both the message rows (which carry it) and retention (which writes it) need it.
 */
export interface DeliverySummary {
  readonly id: number;
  readonly recipient: string;
  readonly originalRecipient: string;
  readonly transport: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastReply: string | null;
  /** When it reached that status. */
  readonly at: number;
}

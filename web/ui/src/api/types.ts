/** The shapes the console reads from /api (see /api/openapi.json). */
export type Role = 'admin' | 'agent';
export interface User {
  readonly email: string;
  readonly role: Role;
}
export interface Session {
  readonly user: User;
  readonly csrfToken: string;
}

export const CASE_STATUSES = ['new', 'open', 'pending', 'solved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface Person {
  readonly name: string;
  readonly address: string;
}

export interface Case {
  readonly number: number;
  readonly subject: string;
  readonly status: CaseStatus;
  readonly channel: { readonly id: string; readonly name: string };
  readonly requester: Person;
  readonly assignee: string | null;
  readonly participants: readonly Person[];
  readonly originalRecipient: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CasePage {
  readonly items: readonly Case[];
  readonly nextCursor: string | null;
}

export interface Attachment {
  readonly id: number;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly contentId: string | null;
  readonly inline: boolean;
}

export interface Message {
  readonly id: number;
  readonly direction: 'in' | 'out' | 'note';
  readonly messageId: string | null;
  readonly from: Person | null;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly author: string | null;
  /** An earlier, different message came with the same Message-ID; this one was kept as a message of its own. */
  readonly messageIdReused: boolean;
  readonly createdAt: string;
  readonly attachments: readonly Attachment[];
}

export interface CaseDetail extends Case {
  readonly messages: readonly Message[];
  readonly links: readonly { readonly number: number; readonly status: string; readonly relation: 'previous' | 'follow-up' }[];
}

export type VerificationState = 'unverified' | 'pending' | 'verified' | 'failed';
export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'support' | 'sales';
  readonly publicAddress: string | null;
  readonly inboundAddress: string | null;
  /** Earlier inbound addresses, refused since their rotation. */
  readonly retiredAddresses: readonly string[];
  readonly verification: { readonly state: VerificationState; readonly detail: string | null; readonly sentAt: string | null; readonly verifiedAt: string | null; readonly trace: readonly string[] };
}

export const LEAD_STATUSES = ['new', 'working', 'qualified', 'converted', 'disqualified'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export interface Lead {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly company: string | null;
  readonly subject: string;
  readonly status: LeadStatus;
  readonly createdAt: string;
}

export interface SuspendedMail {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  readonly reason: string;
  readonly detail: string;
  readonly from: string | null;
  readonly subject: string | null;
  readonly createdAt: string;
}

export interface FailedMail {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  readonly error: string;
  readonly attempts: number;
  readonly updatedAt: string;
}

export interface Items<T> {
  readonly items: readonly T[];
}

export interface HeldMessage {
  readonly id: string;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly subject: string | null;
  readonly spamScore: number;
  readonly spamReasons: readonly string[];
  readonly recipients: readonly { readonly recipient: string; readonly originalRecipient: string; readonly holdReason: string | null }[];
}

export interface LoggedMessage {
  readonly id: string;
  readonly messageId: string | null;
  readonly mailFrom: string;
  readonly subject: string | null;
  readonly receivedAt: string;
  readonly spam: boolean;
  /** When retention removed the body and the trace; the deliveries are then how each ended. */
  readonly bodyPurgedAt: string | null;
  readonly deliveries: readonly { readonly id: number; readonly recipient: string; readonly originalRecipient: string; readonly transport: string; readonly status: string; readonly attempts: number; readonly lastReply: string | null }[];
  /** What the desk set aside of it, in any state (suspended, recovered, deleted). */
  readonly suspended: readonly { readonly id: number; readonly recipient: string; readonly reason: string; readonly detail: string; readonly state: string; readonly createdAt: string }[];
  /** What the desk could not process of it, in any state (failed, resolved). */
  readonly failed: readonly { readonly id: number; readonly recipient: string; readonly error: string; readonly state: string; readonly attempts: number; readonly updatedAt: string }[];
}

export interface MessageTrace {
  readonly message: LoggedMessage;
  readonly steps: readonly { readonly at: string; readonly code: string; readonly summary: string; readonly deliveryId: number | null }[];
  /** What the desk made of the message, per channel it reached. */
  readonly desk: readonly { readonly channel: string; readonly effect: string; readonly caseNumber: number | null; readonly leadId: string | null }[];
}

/**
 * The desk's shared types: what a message looks like to intake, cases, leads, channels and
 * the decisions the pure core returns. Types only; behaviour lives in the files named for it.
 */

/** A normalized (trimmed, lowercased, no angle brackets) mail address. */
export type Address = string;

/** A display name and an address, as header fields carry them. */
export interface Mailbox {
  readonly name: string;
  readonly address: Address;
}

/** What the SMTP transaction said, as opposed to what the headers claim. */
export interface IntakeEnvelope {
  /** MAIL FROM; '' for the null sender `<>` that bounces and auto-replies use. */
  readonly mailFrom: string;
  readonly recipient: Address;
}

/**
 * The fields of a parsed message that intake reads. Deliberately wider than the parser's
 * output (optional, nullable, Map or record) so that the parser's `ParsedMessage` plus
 * `{ envelope }` satisfies it structurally, whatever small choices the parser makes.
 */
export interface IntakeMessage {
  readonly envelope: IntakeEnvelope;
  readonly messageId?: string | null;
  readonly inReplyTo?: string | readonly string[] | null;
  readonly references?: readonly string[] | null;
  readonly subject?: string | null;
  readonly from?: MailboxLike | null;
  readonly replyTo?: readonly MailboxLike[] | null;
  readonly to?: readonly MailboxLike[] | null;
  readonly cc?: readonly MailboxLike[] | null;
  readonly text?: string | null;
  readonly autoSubmitted?: string | null;
  readonly precedence?: string | null;
  /** `X-Auto*` header fields by name (any case), e.g. `X-Autoreply`, `X-Auto-Response-Suppress`. */
  readonly xAutoreply?: HeaderMap | null;
  readonly xOriginalTo?: string | null;
  readonly deliveredTo?: readonly string[] | null;
  /** The `X-Relaydesk-Loop` header field(s). */
  readonly xLoop?: string | readonly string[] | null;
  /** True for `multipart/report` (DSNs, MDNs, ARF feedback reports…). */
  readonly isReport?: boolean | null;
  /** The report's `report-type` (`delivery-status`, `disposition-notification`, `feedback-report`…), lowercased. */
  readonly reportType?: string | null;
  /** Recipients a delivery-status report names, with their Action (failed, delayed, delivered…). */
  readonly reportedRecipients?: readonly (string | ReportedRecipientLike)[] | null;
  readonly returnPath?: string | null;
}

export interface ReportedRecipientLike {
  readonly address: string;
  readonly action?: string | null;
}

export interface MailboxLike {
  readonly name?: string | null;
  readonly address?: string | null;
}

export type HeaderMap = ReadonlyMap<string, string | readonly string[]> | Readonly<Record<string, string | readonly string[] | undefined>>;

export type ChannelKind = 'support' | 'sales';

export interface InboundAddress {
  readonly address: Address;
  /** A rotated address: mail to it is refused (550 5.1.1), signed reply addresses on its host still work. */
  readonly retired: boolean;
}

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly publicAddress?: Address | null;
  readonly inboundAddresses: readonly InboundAddress[];
}

/** The channel as intake needs it, once the message has been matched to it. */
export interface IntakeChannel {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly publicAddress: Address | null;
  readonly autoAcknowledge: boolean;
}

export type CaseStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';

export interface Case {
  readonly id: string;
  /** Human and sequential (`#1001`), unique per desk. */
  readonly number: number;
  readonly subject: string;
  readonly requester: Mailbox;
  readonly participants: readonly Mailbox[];
  readonly status: CaseStatus;
  readonly channelId: string;
  readonly assignee: string | null;
  /** The case a reply to a closed case was split from. */
  readonly linkedTo: string | null;
  readonly originalRecipient: Address | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What intake needs to know about a case the caller found. */
export interface CaseRef {
  readonly id: string;
  readonly number: number;
  readonly status: CaseStatus;
  readonly requester: Address;
  readonly participants: readonly Address[];
}

export type LeadStatus = 'new' | 'working' | 'qualified' | 'converted' | 'disqualified';

export interface LeadDraft {
  readonly name: string;
  readonly email: Address;
  /** From the display name, else guessed from the sender's domain; null for webmail. */
  readonly company: string | null;
  /** The sender's registrable domain, null for public webmail: what accounts are matched on. */
  readonly companyDomain: string | null;
  readonly source: 'email';
  readonly subject: string;
}

export interface Lead extends LeadDraft {
  readonly id: string;
  readonly status: LeadStatus;
  readonly channelId: string;
  readonly createdAt: Date;
}

export interface LeadRef {
  readonly id: string;
  readonly status: LeadStatus;
}

export type MachineMailVerdict =
  | { readonly kind: 'human' }
  | { readonly kind: 'auto-reply'; readonly reason: string }
  | { readonly kind: 'bulk'; readonly reason: string }
  | { readonly kind: 'bounce'; readonly reason: string; readonly reportedRecipients: readonly Address[] }
  | { readonly kind: 'loop'; readonly reason: string };

export type MachineMailKind = Exclude<MachineMailVerdict['kind'], 'human' | 'loop'>;

/** Where mail that belongs to an existing thread goes. */
export type IntakeTarget = { readonly kind: 'case'; readonly caseId: string } | { readonly kind: 'lead'; readonly leadId: string };

/** How a message was tied to an existing case. */
export type ThreadVia = 'reply-address' | 'subject-token' | 'references';

/** `no-requester`: human mail naming nobody we could answer (no From, Reply-To or envelope sender). */
export type SuspendReason = 'loop' | 'flood' | 'no-requester' | MachineMailKind;

/** One message in, exactly one effect: what intake does with it. */
export type IntakeDecision =
  | { readonly kind: 'duplicate'; readonly of: string }
  | { readonly kind: 'verification'; readonly nonce: string }
  | {
      readonly kind: 'forwarding-confirmation';
      readonly code: string;
      readonly url: string | null;
      readonly forwardFrom: Address | null;
    }
  | {
      readonly kind: 'append';
      readonly caseId: string;
      readonly via: ThreadVia;
      readonly reopen: boolean;
      /** 'other': not the requester nor a participant (the caller should not add them silently). */
      readonly sender: 'requester' | 'participant' | 'other';
    }
  | {
      readonly kind: 'new-case';
      readonly linkedTo: string | null;
      readonly subject: string;
      readonly requester: Mailbox;
      readonly participants: readonly Mailbox[];
      readonly acknowledge: boolean;
      readonly receivedAt: Date;
      /** The console's route test: the case is opened closed and marked, and nobody is told. */
      readonly routeTest?: true;
    }
  | { readonly kind: 'new-lead'; readonly lead: LeadDraft; readonly receivedAt: Date }
  | { readonly kind: 'append-lead'; readonly leadId: string; readonly via: 'references' | 'sender' }
  | {
      readonly kind: 'attach-machine-mail';
      readonly target: IntakeTarget;
      readonly machine: MachineMailKind;
      /** Addresses a bounce reports as undeliverable; empty for other machine mail. */
      readonly flagAddresses: readonly Address[];
    }
  | { readonly kind: 'suspend'; readonly reason: SuspendReason; readonly detail: string };

/** An earlier intake on the same channel under the same Message-ID (or, without one, the same content). */
export interface EarlierIntake {
  readonly intakeId: string;
  readonly queueId: string;
  /** What the earlier message said (see fingerprintMessage); null when it was taken in before fingerprints were kept. */
  readonly fingerprint: string | null;
}

/**
 * Whether a message was taken in before. A copy of one already taken in is a duplicate; a
 * different message under a Message-ID already seen is new, and says whose Message-ID it reuses.
 */
export type DedupeVerdict =
  | { readonly kind: 'duplicate'; readonly of: string }
  | {
      readonly kind: 'new';
      /** Other messages (their queue ids) that came with the same Message-ID; null when none did. */
      readonly reused: { readonly messageId: string; readonly queueIds: readonly string[] } | null;
      /** On a redo: this message's own earlier intakes, which the new one replaces. */
      readonly replaces: readonly string[];
    };

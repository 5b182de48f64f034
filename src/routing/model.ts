/**
 * The routing domain: the words are the Gmail admin console's (replaceRecipient,
 * bypassSpamFilter, addRecipients), made exact. Everything here is plain data.
 */

import type { SmtpReply } from '../base/errors.js';
import type { CompiledPattern } from './pattern.js';

/** An address as given on the wire; compare with `normalizeAddress`. */
export type Address = string;

export type RecipientMatch = { readonly single: Address } | { readonly pattern: string } | { readonly group: Address } | { readonly all: true };

export type EnvelopeRecipientChange = { readonly replaceRecipient: Address } | { readonly replaceUsername: string } | { readonly replaceDomain: string };

export interface AddedRecipient {
  readonly address: Address;
  /** Default true: spam is not copied to this address. */
  readonly doNotDeliverSpam: boolean;
  /** Default true: a failed copy sends no bounce to the sender. */
  readonly suppressBounces: boolean;
}

export interface ModifyOptions {
  readonly changeEnvelopeRecipient?: EnvelopeRecipientChange;
  /** A host name from `hosts`; without it the next hop is found by domain (hosts, smarthost, MX). */
  readonly changeRoute?: string;
  readonly bypassSpamFilter: boolean;
  readonly addRecipients: readonly AddedRecipient[];
  readonly addXOriginalToHeader: boolean;
  readonly addSpamHeaders: boolean;
  readonly customHeaders: Readonly<Record<string, string>>;
  readonly prependSubject?: string;
  readonly requireTls: boolean;
  readonly removeAttachments: boolean;
}

export type RuleAction = 'modify' | 'reject' | 'quarantine';

export interface RoutingRule {
  readonly description: string;
  readonly enabled: boolean;
  readonly match: RecipientMatch;
  readonly action: RuleAction;
  readonly rejectText?: string;
  readonly modify: ModifyOptions;
  /** false: non-recognized addresses only; true: non-recognized and recognized. */
  readonly recognizedAddresses: boolean;
}

export type UserStatus = 'active' | 'suspended';

export interface DirectoryUser {
  readonly address: Address;
  readonly orgUnit: string;
  readonly aliases: readonly Address[];
  readonly status: UserStatus;
}

export interface DirectoryGroup {
  readonly address: Address;
  readonly members: readonly Address[];
}

export type TlsMode = 'none' | 'opportunistic' | 'required';

export interface NextHopHost {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly domains: readonly string[];
}

/**
 * What the planner needs to know about the organisation, built once per config
 * version. Keys of the maps are normalized addresses (see `normalizeAddress`).
 */
export interface RoutingSnapshot {
  readonly version: number;
  readonly domains: ReadonlySet<string>;
  /** Every active user's address and alias → the user's primary address. */
  readonly mailboxes: ReadonlyMap<Address, Address>;
  /** Suspended users' addresses and aliases → primary address (they count as non-recognized). */
  readonly suspended: ReadonlyMap<Address, Address>;
  readonly groups: ReadonlyMap<Address, DirectoryGroup>;
  /** Group address → its direct members, normalized (for `group` matches). */
  readonly groupMembers: ReadonlyMap<Address, ReadonlySet<Address>>;
  readonly rules: readonly RoutingRule[];
  /** Exact `single` matches, normalized address → rule indexes in table order (fast path). */
  readonly singleIndex: ReadonlyMap<Address, readonly number[]>;
  /** Indexes of the enabled rules whose match is not `single`, in table order. */
  readonly otherRules: readonly number[];
  /** Rule index → its pattern, compiled by RE2 (pattern.ts); invalid patterns are absent. */
  readonly compiledPatterns: ReadonlyMap<number, CompiledPattern>;
  readonly hosts: ReadonlyMap<string, NextHopHost>;
  readonly smarthost?: string;
  /**
   * Domains served by the desk's intake (mail for them never leaves this machine).
   * A subdomain counts too: channel addresses live under `<token>.case.<desk domain>`.
   */
  readonly deskDomains: ReadonlySet<string>;
  /**
   * Where postmaster mail goes (RFC 5321 4.5.1), normalized: the configured address, else
   * postmaster@<first hosted domain>; undefined with neither.
   */
  readonly postmaster?: Address;
}

export interface SpamVerdict {
  readonly spam: boolean;
  readonly score: number;
  readonly reasons: readonly string[];
}

/** How a delivery's copy differs from the message as received. */
export interface MessageTransform {
  readonly xOriginalTo?: Address;
  readonly headers: readonly (readonly [string, string])[];
  readonly prependSubject: readonly string[];
  readonly spamHeaders: boolean;
  readonly removeAttachments: boolean;
}

export type Transport = 'smtp' | 'mailbox' | 'desk';

export interface PlannedDelivery {
  readonly recipient: Address;
  /** The envelope recipient the client gave, before any rule changed it. */
  readonly originalRecipient: Address;
  readonly transport: Transport;
  /** A host name from `hosts` when the route is fixed; undefined: by domain. */
  readonly route?: string;
  readonly requireTls: boolean;
  readonly suppressBounces: boolean;
  /** Held for review (spam without bypass, or a quarantine rule) instead of queued. */
  readonly held: boolean;
  readonly holdReason?: 'spam' | 'quarantine-rule';
  readonly spamFlag: boolean;
  readonly transform: MessageTransform;
  /** Descriptions of the rules that shaped this delivery, in table order. */
  readonly rules: readonly string[];
}

/**
 * One destination worked out at RCPT time, before the spam verdict is known.
 * `planDeliveries` turns it into a `PlannedDelivery` once the verdict is in.
 */
export interface DeliveryTarget {
  readonly recipient: Address;
  readonly transport: Transport;
  readonly route?: string;
  /** primary: the recipient itself (perhaps rewritten); added: from `addRecipients`. */
  readonly role: 'primary' | 'added';
  /**
   * Held when the verdict is spam: a primary that a rule sends off (smtp/desk) without
   * bypassSpamFilter, or an added recipient with doNotDeliverSpam.
   */
  readonly holdIfSpam: boolean;
  readonly suppressBounces: boolean;
}

/** Everything decided about one accepted envelope recipient; plain data, kept until DATA ends. */
export interface RecipientPlan {
  /** The envelope recipient the client gave, normalized. */
  readonly recipient: Address;
  readonly recognized: boolean;
  /** A quarantine rule applied: every delivery of this recipient is held. */
  readonly quarantine: boolean;
  readonly requireTls: boolean;
  readonly transform: MessageTransform;
  /** Descriptions of the rules that applied, in table order. */
  readonly rules: readonly string[];
  /** Never empty: a recipient with nowhere to go is rejected instead. */
  readonly targets: readonly DeliveryTarget[];
}

export type RecipientDecision =
  { readonly kind: 'reject'; readonly reply: SmtpReply; readonly rule?: string } | { readonly kind: 'accept'; readonly plan: RecipientPlan };

/**
 * Why one rule did or did not shape a recipient's plan. `overridden`: the rule applied, but
 * its changeEnvelopeRecipient or changeRoute is not used, as rule `by` (earlier) set one first.
 * `rejected`: the rule matched, but rule `by` rejects the address, so nothing else counts.
 * `recognized`: the rule matched, but it is for non-recognized addresses only.
 */
export type RuleOutcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'overridden'; readonly by: number; readonly option: 'changeEnvelopeRecipient' | 'changeRoute' }
  | { readonly kind: 'rejected'; readonly by: number }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'recognized' };

export interface RuleExplanation {
  /** The rule's place in the table, from 0 (as in `defaultRouting[0]`). */
  readonly index: number;
  readonly description: string;
  readonly outcome: RuleOutcome;
}

/** The decision for one recipient, with the part each rule played in it. */
export interface RecipientExplanation {
  readonly recipient: Address;
  readonly recognized: boolean;
  /**
   * Decided before any rule is looked at (then `rules` is empty): postmaster mail (RFC 5321
   * 4.5.1), the desk's intake, or a domain that is neither hosted nor the desk's.
   */
  readonly before?: 'postmaster' | 'desk' | 'not-hosted';
  readonly rules: readonly RuleExplanation[];
  readonly decision: RecipientDecision;
}

/** A problem in the configuration, placed by its YAML path (and line when known). */
export interface Problem {
  /** YAML path such as `defaultRouting[2].match.pattern`; empty for the whole file. */
  readonly path: string;
  /** A sentence with the cause and the fix. */
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly line?: number;
  readonly column?: number;
  /** For the warnings an interface marks apart (the routing table's flag): a rule sends mail to a desk address that refuses it. */
  readonly code?: 'desk-address-retired' | 'desk-address-unknown' | 'imap-password-unknown';
}

/**
 * routing — default routing rules, Gmail's, made exact.
 *
 * JOB
 *   Decide, for each envelope recipient at RCPT time, whether to reject it or where it
 *   goes (mailbox, desk, SMTP relay through a host or by MX); after DATA, turn those
 *   decisions and the spam verdict into deliveries, held or queued, one per place.
 *   Also check a routing configuration before it is applied.
 *
 * INPUTS / OUTPUTS
 *   buildSnapshot(SnapshotInput) → RoutingSnapshot, once per config version.
 *   decideRecipient(address, snapshot) → RecipientDecision (accept with a RecipientPlan, or an SMTP reject).
 *   explainRecipient(address, snapshot) → RecipientExplanation: the same decision, made by the
 *   same code, with each rule's part in it (applied, or why not); renderExplanation → lines.
 *   postmaster (bare, or at any hosted or desk domain) is decided before the rules.
 *   planDeliveries(RecipientPlan[], SpamVerdict) → PlannedDelivery[].
 *   createReplay(inForce, draft) → add(envelope)…, report(): what a draft would change for stored mail.
 *   validateRouting(RoutingInput) → Problem[] (errors refuse the config; warnings do not).
 *
 * TRUSTS
 *   Envelope recipients come from the network: they are only normalized, looked up and
 *   matched against the admin's rule patterns. Patterns run in RE2, in time linear in
 *   the address, so no address can make matching slow, whatever the pattern.
 *   Reply texts are stripped of CR/LF so a rule's rejectText cannot split an SMTP reply.
 *
 * SECURITY
 *   Pure: no I/O, no clock, no secrets. Nothing here relays by default: an address in a
 *   domain that is neither hosted nor the desk's is refused (550 5.7.1).
 *
 * EVENTS
 *   None emitted here. Callers record routing.rule_applied for each name in
 *   RecipientPlan.rules and routing.planned for each PlannedDelivery.
 */
export type {
  AddedRecipient,
  Address,
  DeliveryTarget,
  DirectoryGroup,
  DirectoryUser,
  EnvelopeRecipientChange,
  MessageTransform,
  ModifyOptions,
  NextHopHost,
  PlannedDelivery,
  Problem,
  RecipientDecision,
  RecipientExplanation,
  RecipientMatch,
  RecipientPlan,
  RoutingRule,
  RoutingSnapshot,
  RuleAction,
  RuleExplanation,
  RuleOutcome,
  SpamVerdict,
  TlsMode,
  Transport,
  UserStatus,
} from './model.js';
export {
  applyEnvelopeChange,
  domainOf,
  inDomainTree,
  isDomainName,
  isLocalPart,
  isMailAddress,
  localPartOf,
  normalizeAddress,
  normalizeDomain,
} from './address.js';
export { buildSnapshot, type SnapshotInput } from './snapshot.js';
export { compilePattern, patternProblem, type CompiledPattern } from './pattern.js';
export { applyingRules, isRecognized, ruleApplies, ruleMatches, ruleVerdict, type RuleVerdict } from './match.js';
export { resolveAddress, type Destination } from './resolve.js';
export { combineModifyRules, decideRecipient, DEFAULT_REJECT_TEXT, explainRecipient, type CombinedModify } from './decide.js';
export { describeMatch, describeOutcome, renderExplanation } from './explain.js';
export { createReplay, renderReplay, REPLAY_EXAMPLES, type Replay, type ReplayEnvelope, type ReplayPlan, type ReplayReport } from './replay.js';
export { mergeDeliveries, planDeliveries } from './plan.js';
export { MAX_RULES, validateRouting, type RoutingInput } from './validate.js';

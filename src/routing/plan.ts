/**
 * After DATA: the spam verdict turns each accepted recipient's targets into deliveries,
 * held or queued, and one message never goes twice to the same place.
 */
import type { MessageTransform, PlannedDelivery, RecipientPlan, SpamVerdict } from './model.js';

export function planDeliveries(accepted: readonly RecipientPlan[], verdict: SpamVerdict): PlannedDelivery[] {
  const out = new Map<string, PlannedDelivery>();
  for (const plan of accepted) {
    for (const t of plan.targets) {
      const spamHold = verdict.spam && t.holdIfSpam;
      const held = plan.quarantine || spamHold;
      const delivery: PlannedDelivery = {
        recipient: t.recipient,
        originalRecipient: plan.recipient,
        transport: t.transport,
        ...(t.route !== undefined ? { route: t.route } : {}),
        requireTls: plan.requireTls,
        suppressBounces: t.suppressBounces,
        held,
        // A quarantine rule asks for review whatever the verdict; it names the stronger reason.
        ...(plan.quarantine ? { holdReason: 'quarantine-rule' as const } : spamHold ? { holdReason: 'spam' as const } : {}),
        spamFlag: verdict.spam,
        transform: plan.transform,
        rules: plan.rules,
      };
      const key = `${t.transport}\u0000${t.recipient}\u0000${t.route ?? ''}`;
      const prev = out.get(key);
      out.set(key, prev ? mergeDeliveries(prev, delivery) : delivery);
    }
  }
  return [...out.values()];
}

/**
 * Two recipients reaching the same place. A copy that will go out beats a held one
 * (the recipient gets the mail either way); two of a kind merge: the stricter transport
 * terms (TLS, attachment removal) and every header and prefix asked for.
 */
export function mergeDeliveries(a: PlannedDelivery, b: PlannedDelivery): PlannedDelivery {
  if (a.held !== b.held) return a.held ? b : a;
  const holdReason = a.holdReason === 'quarantine-rule' || b.holdReason === 'quarantine-rule' ? 'quarantine-rule' : (a.holdReason ?? b.holdReason);
  return {
    ...a,
    requireTls: a.requireTls || b.requireTls,
    suppressBounces: a.suppressBounces && b.suppressBounces,
    ...(holdReason !== undefined ? { holdReason } : {}),
    transform: mergeTransforms(a.transform, b.transform),
    rules: union(a.rules, b.rules),
  };
}

function mergeTransforms(a: MessageTransform, b: MessageTransform): MessageTransform {
  const xOriginalTo = a.xOriginalTo ?? b.xOriginalTo;
  const headers = new Map<string, readonly [string, string]>();
  for (const h of [...a.headers, ...b.headers]) {
    const key = `${h[0].toLowerCase()}\u0000${h[1]}`;
    if (!headers.has(key)) headers.set(key, h);
  }
  return {
    ...(xOriginalTo !== undefined ? { xOriginalTo } : {}),
    headers: [...headers.values()],
    prependSubject: union(a.prependSubject, b.prependSubject),
    spamHeaders: a.spamHeaders || b.spamHeaders,
    removeAttachments: a.removeAttachments || b.removeAttachments,
  };
}

function union<T>(a: readonly T[], b: readonly T[]): T[] {
  return [...new Set([...a, ...b])];
}

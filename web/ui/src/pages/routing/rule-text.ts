/**
 * A rule in one line each for its match and its action, as the routing table shows it, and
 * the rule a new "Add another rule" starts from.
 */
import type { AddedRecipientDoc, RuleDoc } from '../../api/config-document.js';
import type { Translate } from '../../i18n/i18n.js';

export const NEW_RULE: RuleDoc = { description: '', match: { single: '' }, modify: {} };

export function matchText(rule: RuleDoc, t: Translate): string {
  const m = rule.match;
  if (m.single !== undefined) return m.single;
  if (m.pattern !== undefined) return t('routing.match.patternText', { value: m.pattern });
  if (m.group !== undefined) return t('routing.match.groupText', { value: m.group });
  return t('routing.match.allText');
}

export function actionText(rule: RuleDoc, t: Translate): string {
  if (rule.action === 'reject') return rule.rejectText ? t('routing.action.rejectText', { text: rule.rejectText }) : t('routing.action.reject');
  if (rule.action === 'quarantine') return t('routing.action.quarantine');
  const m = rule.modify ?? {};
  const parts: string[] = [];
  const c = m.changeEnvelopeRecipient;
  if (c?.replaceRecipient !== undefined) parts.push(t('routing.summary.replaceRecipient', { value: c.replaceRecipient }));
  if (c?.replaceUsername !== undefined) parts.push(t('routing.summary.replaceUsername', { value: c.replaceUsername }));
  if (c?.replaceDomain !== undefined) parts.push(t('routing.summary.replaceDomain', { value: c.replaceDomain }));
  if (m.addRecipients?.length) parts.push(t('routing.summary.addRecipients', { list: m.addRecipients.map((a) => addedRecipient(a).address).join(', ') }));
  if (m.bypassSpamFilter) parts.push(t('routing.summary.bypassSpam'));
  if (m.changeRoute) parts.push(t('routing.summary.route', { value: m.changeRoute }));
  if (m.prependSubject) parts.push(t('routing.summary.subject', { value: m.prependSubject }));
  if (m.addXOriginalToHeader || m.addSpamHeaders || Object.keys(m.customHeaders ?? {}).length > 0) parts.push(t('routing.summary.headers'));
  if (m.requireTls) parts.push(t('routing.summary.tls'));
  if (m.removeAttachments) parts.push(t('routing.summary.removeAttachments'));
  return parts.length ? parts.join('; ') : t('routing.summary.deliverAsIs');
}

/** The file allows a bare address for the default options; the editor always works on the object. */
export function addedRecipient(a: string | AddedRecipientDoc): Required<AddedRecipientDoc> {
  return typeof a === 'string'
    ? { address: a, doNotDeliverSpam: true, suppressBounces: true }
    : { address: a.address, doNotDeliverSpam: a.doNotDeliverSpam ?? true, suppressBounces: a.suppressBounces ?? true };
}

/** The address "Test the route" starts with: the rule's own for a single match. */
export function testAddressOf(rule: RuleDoc): string {
  return rule.match.single ?? '';
}

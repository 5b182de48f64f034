/**
 * The queue's and the desk's words (delivery statuses, transports, intake effects, reasons
 * for setting mail aside) in the console's language; a word the console does not know yet is
 * shown as the server gave it.
 */
import type { MessageKey } from '../i18n/en.js';
import { en } from '../i18n/en.js';
import type { Translate } from '../i18n/i18n.js';

function known(prefix: string, word: string): MessageKey | null {
  const key = `${prefix}.${word}`;
  return key in en ? (key as MessageKey) : null;
}

export const deliveryStatusText = (t: Translate, status: string): string => {
  const key = known('delivery.status', status);
  return key ? t(key) : status;
};

export const transportText = (t: Translate, transport: string): string => {
  const key = known('delivery.transport', transport);
  return key ? t(key) : transport;
};

export const intakeEffectText = (t: Translate, effect: string): string => {
  const key = known('trace.effect', effect);
  return key ? t(key) : effect;
};

export const suspendReasonText = (t: Translate, reason: string): string => {
  const key = known('suspended.reason', reason);
  return key ? t(key) : reason;
};

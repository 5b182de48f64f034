/** Facts about the PEM keys the configuration holds for DKIM and ARC. CPU only. */
import { createPrivateKey } from 'node:crypto';

/** Whether `pem` is an RSA private key; false for other algorithms and for what is no key at all. */
export function isRsaKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

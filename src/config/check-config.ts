/**
 * Checks of a parsed config that the schema cannot express alone: references between
 * sections and address formats, plus the routing checks of `validateRouting`.
 */
import { isDomainName, isMailAddress, validateRouting, type Problem } from '../routing/index.js';
import type { Config } from './schema.js';
import { toSnapshotInput } from './to-snapshot-input.js';
import { renderDuration } from './units.js';
import { isRsaKey } from '../base/signing-keys.js';

const error = (path: string, message: string): Problem => ({ path, message, severity: 'error' });

export function checkConfig(config: Config): Problem[] {
  const problems: Problem[] = [];
  const units = new Set(['/', ...config.orgUnits]);
  config.orgUnits.forEach((u, i) => {
    if (!u.startsWith('/')) problems.push(error(`orgUnits[${i}]`, `"${u}" is not an org unit path; write it from the top, like /Sales`));
  });
  config.users.forEach((u, i) => {
    if (!units.has(u.orgUnit)) {
      problems.push(error(`users[${i}].orgUnit`, `"${u.orgUnit}" is not an org unit; add it to orgUnits or use one of: ${[...units].join(', ')}`));
    }
  });
  for (const list of ['allowSenders', 'denySenders'] as const) {
    config.spam[list].forEach((s, i) => {
      const ok = s.startsWith('@') ? isDomainName(s.slice(1)) : isMailAddress(s);
      if (!ok) problems.push(error(`spam.${list}[${i}]`, `"${s}" is neither an address nor @domain; write it like bob@example.com or @example.com`));
    });
  }
  const { messages, log } = config.retention;
  if (log < messages) {
    problems.push(
      error(
        'retention.log',
        `the email log would be kept ${renderDuration(log)}, less than the ${renderDuration(messages)} bodies are kept (retention.messages); make log at least as long as messages`,
      ),
    );
  }
  if (config.srs?.domain !== undefined && !isDomainName(config.srs.domain)) {
    problems.push(error('srs.domain', `"${config.srs.domain}" is not a domain name; use one of your domains, like solarmora.com`));
  }
  if (config.arc && !isDomainName(config.arc.domain)) {
    problems.push(error('arc.domain', `"${config.arc.domain}" is not a domain name; use the domain that publishes the ARC selector, like solarmora.com`));
  }
  if (config.arc && !isRsaKey(config.arc.privateKey)) {
    problems.push(error('arc.privateKey', 'ARC seals are rsa-sha256 (RFC 8617), and this is not an RSA private key; generate one with openssl genrsa 2048'));
  }
  if (config.desk) {
    if (!isDomainName(config.desk.domain)) {
      problems.push(error('desk.domain', `"${config.desk.domain}" is not a domain name; write it like desk.solarmora.com`));
    }
    const names = new Set<string>();
    config.desk.channels.forEach((c, i) => {
      if (names.has(c.name)) problems.push(error(`desk.channels[${i}].name`, `a channel named "${c.name}" already exists; give each channel its own name`));
      names.add(c.name);
      if (c.publicAddress !== undefined && !isMailAddress(c.publicAddress)) {
        problems.push(error(`desk.channels[${i}].publicAddress`, `"${c.publicAddress}" is not a valid email address; write it as name@domain`));
      }
    });
  }
  const { version: _version, ...routing } = toSnapshotInput(config, 0);
  return [...problems, ...validateRouting(routing)];
}

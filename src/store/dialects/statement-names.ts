/**
 * Names for the statements of the mail path (those compiled once, see compiled-once.ts), by
 * their SQL text: PostgreSQL keeps a named statement parsed and planned per connection,
 * so a run sends only its values. Other SQL goes unnamed, planned for its values each time.
 */
const names = new Map<string, string>();

export function nameStatement(sql: string): void {
  if (!names.has(sql)) names.set(sql, `relaydesk_${names.size + 1}`);
}

export function statementName(sql: string): string | undefined {
  return names.get(sql);
}

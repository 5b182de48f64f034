import type { SnapshotInput } from '../routing/index.js';
import type { Config } from './schema.js';

/** The routing part of a config, as `buildSnapshot` and `validateRouting` take it. */
export function toSnapshotInput(config: Config, version: number): SnapshotInput {
  return {
    version,
    domains: config.domains,
    users: config.users,
    groups: config.groups,
    rules: config.defaultRouting,
    hosts: config.hosts,
    ...(config.outbound.smarthost !== undefined ? { smarthost: config.outbound.smarthost } : {}),
    deskDomains: config.desk ? [config.desk.domain] : [],
    ...(config.postmaster !== undefined ? { postmaster: config.postmaster } : {}),
  };
}

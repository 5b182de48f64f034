/**
 * config — the one YAML file that configures a Relaydesk installation.
 *
 * JOB
 *   Parse and check the whole file (syntax, schema, references, routing semantics) and
 *   list every problem with its place; render a Config back to canonical YAML
 *   (`relaydesk export`); say what a new version changes (`relaydesk apply`).
 *   Storing and applying versions is io/ (not exported here).
 *
 * INPUTS / OUTPUTS
 *   parseConfigText(text) → { ok, config, warnings } | { ok: false, problems }.
 *   renderConfigYaml(Config) → text that parses back to an equal Config.
 *   diffConfig(before | null, after) → lines such as "+ domain solarmora.com".
 *   toSnapshotInput(Config, version) → what routing's buildSnapshot takes.
 *   formatProblem(Problem, file?) → "FILE:LINE:COL: error: PATH: message".
 *
 * TRUSTS
 *   The file comes from an admin but is parsed as untrusted text: YAML aliases are
 *   capped, objects are strict (unknown fields are errors), header names and values
 *   and reply texts are refused if they could inject lines.
 *
 * SECURITY
 *   Pure. The file may hold secrets (srs.secret): the export prints them so that it
 *   round-trips, the diff only says they changed.
 *
 * EVENTS
 *   None emitted here; io/ logs config.loaded and config.invalid_stored, and the
 *   console's routes log config.applied.
 */
export { configSchema, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_RECIPIENTS, DEFAULT_RETENTION, DEFAULT_RETRY, type Config, type DeskChannel } from './schema.js';
export { parseConfigText, type ParseConfigResult } from './parse-config.js';
export { renderConfigYaml } from './render-config.js';
export { diffConfig } from './diff.js';
export { toSnapshotInput } from './to-snapshot-input.js';
export { formatProblem } from './format-problem.js';
export type { Problem } from '../routing/index.js';
export { parseDuration, parseSize, renderDuration, renderSize } from './units.js';

/**
 * config — the one YAML file that configures a Relaydesk installation.
 *
 * JOB
 *   Parse and check the whole file (syntax, schema, references, routing semantics) and
 *   list every problem with its place; render a Config back to canonical YAML
 *   (`relaydesk export`); say what a new version changes (`relaydesk apply`).
 *   io/ stores and applies versions and keeps each node's live view of the one in force.
 *
 * INPUTS / OUTPUTS
 *   parseConfigText(text, storeFacts?) → { ok, config, warnings } | { ok: false, problems }.
 *   renderConfigYaml(Config) → text that parses back to an equal Config.
 *   diffConfig(before | null, after) → lines such as "+ domain solarmora.com".
 *   toSnapshotInput(Config, version) → what routing's buildSnapshot takes.
 *   formatProblem(Problem, file?) → "FILE:LINE:COL: error: PATH: message";
 *   describeProblem(Problem) → "warning: PATH: message (line N)" for the console and CLI.
 *   ruleChanges(history) → when each routing rule came, changed and went.
 *   parseTemplate / checkTemplates → the syntax of a channel's automatic-mail templates
 *   (desk.channels[].templates): placeholders each kind may use, problems by path.
 *   explainRoute(Config, version, address, from?) → why each rule did or did not apply, and the plan.
 *   rulesPointingAt / pointRulesAt(Config, old addresses, new) → the rules a desk rotation must change, changed.
 *   applyConfigText(db, text, …) / dryRunConfigText / exportConfigText / loadConfigInForce — io: versions
 *   in the store, refused whole with every problem (ConfigInvalidError) when invalid.
 *   replayDraft(db, draft, period) — io: stored envelopes planned with both versions (routing's createReplay).
 *   LiveConfig — io: the version in force on this node, reloaded when another applies.
 *
 * TRUSTS
 *   The file comes from an admin but is parsed as untrusted text: YAML aliases are
 *   capped, objects are strict (unknown fields are errors), header names and values
 *   and reply texts are refused if they could inject lines.
 *
 * SECURITY
 *   Pure outside io/. The file may hold secrets (srs.secret): the export prints them so that it
 *   round-trips, the diff only says they changed. IMAP passwords (desk.channels[].imap) go to
 *   the store's secrets on apply; saved versions name them (`stored:…`), never hold them.
 *
 * EVENTS
 *   None emitted here; io/ logs config.loaded and config.invalid_stored, and the
 *   console's routes log config.applied.
 */
export {
  configSchema,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_RECIPIENTS,
  DEFAULT_RETENTION,
  DEFAULT_RETRY,
  DEFAULT_RSPAMD_TIMEOUT,
  type Config,
  type DeskChannel,
  type DeskImap,
} from './schema.js';
export { imapSecretName } from './imap-secrets.js';
export { parseConfigText, type ParseConfigResult } from './parse-config.js';
export {
  AUTO_MAIL_KINDS,
  CHANNEL_LANGUAGES,
  checkTemplates,
  DEFAULT_CHANNEL_LANGUAGE,
  parseTemplate,
  PLACEHOLDERS,
  type AutoMailKind,
  type ChannelLanguage,
  type TemplateText,
} from './mail-templates.js';
export type { DeskAddressFact, StoreFacts } from './check-config.js';
export { renderConfigYaml } from './render-config.js';
export { diffConfig } from './diff.js';
export { toSnapshotInput } from './to-snapshot-input.js';
export { describeProblem, formatProblem } from './format-problem.js';
export { ruleChanges, ruleKey, type RuleChange, type VersionRules } from './rule-history.js';
export {
  applyConfigText,
  ConfigInvalidError,
  dryRunConfigText,
  exportConfigText,
  loadConfigInForce,
  loadConfigOfVersion,
  type ApplyResult,
  type DryRun,
} from './io/apply.js';
export { explainRoute, type RouteExplanationView } from './explain-route.js';
export { pointRulesAt, rulesPointingAt, type RulePointing } from './rotate-rules.js';
export { replayDraft } from './io/replay.js';
export { CONFIG_VERSION_FRESH_MS, LiveConfig, type LiveState } from './io/live-config.js';
export type { Problem } from '../routing/index.js';
export { parseDuration, parseSize, renderDuration, renderSize } from './units.js';
export { parseHoursRange, WEEKDAYS, type BusinessHoursConfig, type Weekday } from './business-hours.js';

/**
 * metrics — the Prometheus families alerts are built on.
 *
 * JOB      Defines every family once, with stable names, base units and bounded labels,
 *          in a registry of one node (tests run several nodes in one process, so no
 *          process-wide default registry). Components record through the narrow
 *          interfaces below; the web server exposes the registry at /metrics.
 * INPUTS   Counts and durations from inbound, queue, desk and store; readers of the
 *          store and the live configuration, asked at scrape time.
 *          OUTPUTS the text exposition format.
 * TRUSTS   Nothing from outside: every label value is one of a fixed set chosen in code,
 *          never an address, a host or a reply text.
 * SECURITY None.
 * EVENTS   None; the families count the events that `base/events.ts` names.
 */
export {
  createNodeMetrics,
  type CommitKind,
  type DeskMetrics,
  type InboundMetrics,
  type NodeMetrics,
  type QueueMetrics,
  type ScrapeReaders,
  type SmtpCommand,
  type WebhookMetrics,
} from './node-metrics.js';

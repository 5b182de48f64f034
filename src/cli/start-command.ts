import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command, Option } from 'commander';
import type { Resolver } from '../spam/index.js';
import { listUsers, type StoreHandle } from '../store/index.js';
import { CliFailure, EXIT, openStoreFrom, withStoreOptions, type StoreFlags } from './common.js';
import { ALL_ROLES, type Role } from './roles.js';
import type { RunningNode } from './start.js';
import { EVENTS } from '../base/events.js';
import { adaptHeapGrowth, boundHeapGrowth } from './heap-growth.js';
import { clusterMetrics, parseWorkers, primaryStops, runPrimary, workerNodeName, workerNumber, workerUp } from './workers.js';

/** A resolver for machines without DNS: every name is unknown, at once. */
function noDnsResolver(): Resolver {
  // One error for every lookup: building a stack trace per query costs more than the rest.
  const err = Object.assign(new Error('DNS is off (--no-dns): nothing is looked up'), { code: 'ENOTFOUND' });
  return async () => {
    throw err;
  };
}

export function startCommand(): Command {
  return withStoreOptions(new Command('start'))
    .description('run the gateway (SMTP), the queue and the web server on the embedded store or PostgreSQL')
    .addOption(new Option('--smtp-port <port>', 'SMTP port').default('2525'))
    .addOption(new Option('--http-port <port>', 'web port').default('8080'))
    .addOption(new Option('--listen <address>', 'address to listen on (loopback unless you say otherwise)').default('127.0.0.1'))
    .addOption(new Option('--hostname <name>', 'our name in the SMTP greeting, Received headers and DSNs').default(os.hostname()))
    .addOption(new Option('--roles <list>', `what this process runs: ${ALL_ROLES.join(',')}`).default(ALL_ROLES.join(',')))
    .option('--tls-key <file>', 'PEM private key: offer STARTTLS')
    .option('--tls-cert <file>', 'PEM certificate chain for --tls-key')
    .option('--dns-servers <list>', 'comma-separated DNS servers (ip or ip:port) instead of the system resolver')
    .option('--no-dns', 'look nothing up: no SPF/DKIM/DMARC/ARC checks, no MX (static routes only); for closed networks')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .addOption(
      new Option(
        '--workers <n>',
        'processes that each run the roles as a node named HOSTNAME-w1, -w2…, sharing the SMTP port and the store (the first also serves the web): a number, or auto (one per core)',
      ).default(DEFAULT_WORKERS),
    )
    .addOption(new Option('--stop-timeout <seconds>', 'on SIGTERM/SIGINT: how long messages being received get to finish').default('30'))
    .action(
      async (
        o: StoreFlags & {
          smtpPort: string;
          httpPort: string;
          listen: string;
          hostname: string;
          roles: string;
          tlsKey?: string;
          tlsCert?: string;
          dnsServers?: string;
          dns: boolean;
          logLevel: string;
          stopTimeout: string;
          workers: string;
        },
      ) => {
        // Before the server's modules load: the limit applies from the first collection on.
        const heapBound = boundHeapGrowth();
        const smtpPort = parsePort(o.smtpPort, '--smtp-port');
        const stopTimeout = Number(o.stopTimeout);
        if (!Number.isFinite(stopTimeout) || stopTimeout < 0 || stopTimeout > 3600)
          throw new CliFailure(`--stop-timeout must be a number of seconds from 0 to 3600, not "${o.stopTimeout}"`, EXIT.usage);
        const httpPort = parsePort(o.httpPort, '--http-port');
        const workers = parseWorkers(o.workers, os.availableParallelism());
        const worker = workerNumber();
        // A worker that cannot start says why and exits; the channel to the primary would keep it.
        const leavePrimary = () => worker !== null && setImmediate(() => process.exit());
        const roles = o.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        const unknown = roles.filter((r) => !ALL_ROLES.includes(r as Role));
        if (unknown.length) throw new CliFailure(`unknown role ${unknown.join(', ')}; roles are ${ALL_ROLES.join(', ')}`, EXIT.usage);
        if (Boolean(o.tlsKey) !== Boolean(o.tlsCert)) throw new CliFailure('--tls-key and --tls-cert go together', EXIT.usage);
        let tls: { key: Buffer; cert: Buffer } | undefined;
        if (o.tlsKey && o.tlsCert) {
          try {
            tls = { key: readFileSync(o.tlsKey), cert: readFileSync(o.tlsCert) };
          } catch (e) {
            throw new CliFailure(`cannot read the TLS key or certificate: ${(e as Error).message}`, EXIT.invalid);
          }
        }
        // The server's modules load only for this command; other commands start faster.
        const [{ createLogger }, { createSystemResolver }, { startNode }] = await Promise.all([
          import('../base/log.js'),
          import('../spam/index.js'),
          import('./start.js'),
        ]);
        const logger = createLogger({ level: o.logLevel });
        // A promise that fails with nobody listening must not take the node, and every session
        // and delivery under way, down with it: say so loudly and go on.
        process.on('unhandledRejection', (reason) => {
          logger.error(
            { event: EVENTS.unhandledRejection, err: reason instanceof Error ? reason.stack : String(reason) },
            'a failure nobody handled; the node goes on',
          );
        });
        process.on('uncaughtExceptionMonitor', (err) => {
          logger.fatal({ event: EVENTS.uncaughtException, err: err.stack }, 'an unexpected error stops the node');
          logger.flush();
        });
        let store: StoreHandle;
        try {
          // In the primary of --workers, this runs the migrations once, before any worker starts.
          store = await openStoreFrom(o, { relaxed: true });
        } catch (e) {
          leavePrimary();
          throw new CliFailure((e as Error).message, EXIT.store);
        }
        if (workers > 1 && worker === null) {
          let storeOpen = true;
          const status = await runPrimary({
            workers,
            logger,
            stopMs: stopTimeout * 1000 + STOP_MARGIN_MS,
            printRunning: async (ready) => {
              const first = ready[0]!;
              const names = ready.map((_, i) => workerNodeName(o.hostname, i + 1));
              await printRunning(store, o.listen, { ...first, httpPort: ready.find((r) => r.httpPort !== null)?.httpPort ?? null }, names);
              await store.close();
              storeOpen = false;
            },
          }).finally(() => (storeOpen ? store.close() : undefined));
          process.exitCode = status;
          return;
        }
        const resolver = o.dns === false ? noDnsResolver() : createSystemResolver(o.dnsServers ? { servers: o.dnsServers.split(',') } : {});
        let node: RunningNode;
        try {
          node = await startNode({
            store,
            listen: o.listen,
            smtpPort,
            httpPort,
            hostname: o.hostname,
            // One process serves the web: the first worker, whose /metrics gathers every worker's.
            ...(worker !== null ? { nodeName: workerNodeName(o.hostname, worker), clusterMetrics } : {}),
            roles: (worker !== null && worker > 1 ? roles.filter((r) => r !== 'web') : roles) as Role[],
            resolver,
            authenticate: o.dns !== false,
            tls,
            logger,
          });
        } catch (e) {
          await store.close();
          leavePrimary();
          const err = e as NodeJS.ErrnoException;
          if (err.code === 'EADDRINUSE')
            throw new CliFailure(`a port is already in use (${err.message}); stop the other server or choose --smtp-port/--http-port`, EXIT.usage);
          throw e;
        }
        // Large messages raise the bound while their bodies outweigh the heap (README, Memory).
        const stopAdapting =
          heapBound === null
            ? () => undefined
            : adaptHeapGrowth({
                onChange: (c) =>
                  logger.info(
                    { event: EVENTS.heapGrowth, from: c.from, to: c.to, externalBytes: c.external, heapBytes: c.heap },
                    `heap growth bound ${c.from}% -> ${c.to}%: buffers outside the heap ${(c.external / 2 ** 20).toFixed(1)} MiB, heap ${(c.heap / 2 ** 20).toFixed(1)} MiB`,
                  ),
              });
        if (worker !== null) workerUp({ smtpPort: node.smtpPort, httpPort: node.httpPort, setupLink: node.setupLink }, node.metrics);
        else await printRunning(store, o.listen, node, null);
        await new Promise<void>((resolve) => {
          let stopping = false;
          const onSignal = (sig: NodeJS.Signals) => {
            if (stopping) return;
            stopping = true;
            logger.info({ event: EVENTS.nodeStopping, signal: sig, stopTimeout }, `stopping (${sig} again exits at once)`);
            // A second signal, or a stop that outlives its time, ends the process at once:
            // whatever was under way got no 250 (SMTP) or keeps its lease until it expires (queue).
            const again = (sig2: NodeJS.Signals) =>
              exitNow(128 + os.constants.signals[sig2], { event: EVENTS.nodeStopForced, signal: sig2 }, 'second signal: exiting at once');
            if (worker === null) process.once('SIGINT', again);
            process.once('SIGTERM', again);
            setTimeout(
              () =>
                exitNow(
                  EXIT_STOP_TIMEOUT,
                  { event: EVENTS.nodeStopTimeout, stopTimeout },
                  `the stop took longer than --stop-timeout ${stopTimeout} s and ${STOP_MARGIN_MS / 1000} s more; exiting at once`,
                ),
              stopTimeout * 1000 + STOP_MARGIN_MS,
            ).unref();
            resolve();
          };
          const exitNow = (code: number, fields: object, msg: string) => {
            logger.error(fields, msg);
            logger.flush();
            process.exit(code);
          };
          if (worker === null) {
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
            return;
          }
          // Ctrl-C reaches every process of the group: a worker waits for the primary's word,
          // so that the terminal's signal and the primary's message do not count as two.
          process.on('SIGINT', () => undefined);
          const onTerm = () => onSignal('SIGTERM');
          process.once('SIGTERM', onTerm);
          void primaryStops().then(() => onSignal('SIGTERM'));
        });
        stopAdapting();
        await node.stop({ drainMs: stopTimeout * 1000 });
        await store.close();
        logger.info({ event: EVENTS.nodeStopped }, 'stopped');
        logger.flush();
        // The channel to the primary would keep a worker alive.
        if (worker !== null) process.exit(0);
      },
    );
}

/**
 * The start messages, printed once: by the single process, or by the primary of --workers
 * from what its workers reported (`workers`: their node names).
 */
async function printRunning(
  store: StoreHandle,
  listen: string,
  node: { readonly smtpPort: number | null; readonly httpPort: number | null; readonly setupLink: string | null },
  workers: readonly string[] | null,
): Promise<void> {
  const { LiveConfig } = await import('../config/index.js');
  const { silentLogger } = await import('../base/log.js');
  const live = await LiveConfig.open(store.db, silentLogger);
  const version = live.cached.version;
  const web = node.httpPort !== null ? `http://${listen === '0.0.0.0' ? '127.0.0.1' : listen}:${node.httpPort}/` : null;
  const admins = web && !node.setupLink ? (await listUsers(store.db)).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.email) : [];
  const lines = [
    `Relaydesk is running (store: ${store.where}).`,
    node.smtpPort !== null ? `  SMTP      ${listen}:${node.smtpPort}` : null,
    web ? `  Web       ${web}  (health: /healthz, readiness: /readyz, metrics: /metrics)` : null,
    workers ? `  Workers   ${workers.length} processes sharing the port and the store: ${workers.join(', ')}` : null,
    // Every node sharing the store, and every restart, prints this same link until it is used.
    node.setupLink
      ? `  Console   first start: create the admin at\n            ${node.setupLink}\n            (the link works once; every node prints this same link until then)`
      : null,
    web && !node.setupLink
      ? `  Console   ${web} — log in as ${admins.length ? admins.slice(0, 3).join(', ') + (admins.length > 3 ? ` (+${admins.length - 3} more admins)` : '') : 'a user'}; locked out: relaydesk user passwd EMAIL`
      : null,
    version === 0
      ? '  No configuration yet: set it up in the console (Domains, Channels, Default routing),\n            or write one (see README, "Configuration") and run relaydesk apply -f relaydesk.yaml'
      : `  Configuration version ${version} (${live.cached.config.domains.length} domain(s), ${live.cached.config.defaultRouting.length} routing rule(s)); change it in the console or with relaydesk apply -f FILE`,
    '  Stop with Ctrl-C.',
  ].filter((l): l is string => l !== null);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * One process: on 2 shared cores, two workers cost 40 % more CPU per message (two group
 * commits and two pacing gates on one store) and were not faster (README, "Workers").
 */
const DEFAULT_WORKERS = '1';

/** After --stop-timeout, the time the queue and the store get to wind up before the process exits anyway. */
const STOP_MARGIN_MS = 10_000;
/** The exit status of a stop that did not finish in time (EX_TEMPFAIL: what was under way is tried again). */
const EXIT_STOP_TIMEOUT = 75;

function parsePort(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliFailure(`${flag} must be a port number (0-65535), not "${v}"`, EXIT.usage);
  return n;
}

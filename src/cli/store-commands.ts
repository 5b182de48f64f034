import { Command } from 'commander';
import { silentLogger } from '../base/log.js';
import { LiveConfig, renderDuration } from '../config/index.js';
import { RETENTION_JOB } from '../queue/light.js';
import { loadLastMaintenance, loadStoreStats, type StoreKind } from '../store/index.js';
import { dataCommand, formatTime, printJson, printTable, withStore, type StoreFlags } from './common.js';

const KIND_NAMES: Readonly<Record<StoreKind, string>> = {
  bodies: 'message bodies',
  traces: 'trace events',
  deliveries: 'deliveries',
  log: 'email log entries',
  quarantine: 'messages in quarantine',
  deskAttachments: 'desk attachments',
  setAside: 'desk set-aside (suspended, failed)',
  spool: 'spool (being written)',
};

/** 1536 → "1.5 KiB": binary units, as the configuration writes sizes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function storeCommand(): Command {
  const s = new Command('store').description('the store itself: what it holds and what retention removes');
  s.addCommand(
    dataCommand('stats', 'rows, bytes and the oldest item of each kind of data, the size on disk, and the last purge').action(
      async (opts: StoreFlags & { json?: boolean }) => {
        await withStore(opts, async (store) => {
          const [stats, last, live] = await Promise.all([
            loadStoreStats(store),
            loadLastMaintenance(store.db, RETENTION_JOB),
            LiveConfig.open(store.db, silentLogger),
          ]);
          const r = live.cached.config.retention;
          const retention = {
            messages: renderDuration(r.messages),
            log: renderDuration(r.log),
            quarantine: renderDuration(r.quarantine),
            deskSetAside: renderDuration(r.deskSetAside),
          };
          const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
          if (opts.json) {
            return printJson({
              where: store.where,
              onDisk: stats.onDisk,
              kinds: Object.fromEntries(Object.entries(stats.kinds).map(([k, v]) => [k, { ...v, oldest: iso(v.oldest) }])),
              purgedLogEntries: stats.purgedLogEntries,
              lastPurge: last && { at: iso(last.startedAt), durationMs: last.durationMs, node: last.holder, counts: last.counts },
              retention,
            });
          }
          printTable(
            (Object.keys(KIND_NAMES) as StoreKind[]).map((k) => {
              const v = stats.kinds[k];
              return [KIND_NAMES[k], v.rows.toLocaleString('en'), formatBytes(v.bytes), v.oldest === null ? '' : formatTime(v.oldest)];
            }),
            ['KIND', 'ROWS', 'SIZE', 'OLDEST'],
          );
          const d = stats.onDisk;
          const parts =
            d.file !== undefined ? ` (file ${formatBytes(d.file)} + WAL ${formatBytes(d.wal ?? 0)}; ${formatBytes(d.freeInside ?? 0)} free inside)` : '';
          const out = [
            '',
            `email log entries purged (outcome kept, body and trace gone): ${stats.purgedLogEntries.toLocaleString('en')}`,
            `on disk: ${formatBytes(d.bytes)}${parts}  ${store.where}`,
            last
              ? `last purge: ${formatTime(last.startedAt)} by ${last.holder}, ${(last.durationMs / 1000).toFixed(1)} s: ${Object.entries(last.counts)
                  .map(([k, n]) => `${k} ${n.toLocaleString('en')}`)
                  .join(', ')}`
              : 'last purge: none yet (the queue role runs it every minute)',
            `retention: messages ${retention.messages}, log ${retention.log}, quarantine ${retention.quarantine}, deskSetAside ${retention.deskSetAside}`,
          ];
          process.stdout.write(`${out.join('\n')}\n`);
        });
      },
    ),
  );
  return s;
}

import { Command } from 'commander';
import os from 'node:os';
import { silentLogger } from '../base/log.js';
import { LiveConfig } from '../config/index.js';
import { addWebhook, listWebhookSummaries, removeWebhook, WEBHOOK_EVENTS } from '../desk/light.js';
import { asCliFailure, printJson, printTable, withStore, type StoreFlags, dataCommand } from './common.js';
import { systemClock } from '../base/clock.js';

type Json = { json?: boolean };

/** `relaydesk webhook add|list|remove`: signed POSTs of desk events, through the queue. */
export function webhookCommand(): Command {
  const webhook = new Command('webhook').description(`desk events as signed HTTP POSTs (${WEBHOOK_EVENTS.join(', ')})`);
  webhook.addCommand(
    dataCommand('add', 'subscribe a URL; prints the signing secret once')
      .argument('<url>', 'http or https URL that receives the POSTs')
      .requiredOption('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(',')}`)
      .option('--secret <secret>', 'HMAC key (16+ characters); one is made when left out')
      .action(async (url: string, o: StoreFlags & Json & { events: string; secret?: string }) => {
        const events = o.events
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean);
        await withStore(o, async (store) => {
          const { config } = (await LiveConfig.open(store.db, silentLogger)).cached;
          const allowPrivateDestinations = config.desk?.webhooks.allowPrivateDestinations ?? false;
          const w = await asCliFailure(() =>
            addWebhook(store.db, {
              url,
              events,
              ...(o.secret !== undefined ? { secret: o.secret } : {}),
              createdBy: `cli:${os.userInfo().username}`,
              now: systemClock.now(),
              allowPrivateDestinations,
            }),
          );
          if (o.json) return printJson(w);
          process.stdout.write(
            `webhook ${w.id} → ${w.url}\n  events ${w.events.join(', ')}\n  secret ${w.secret}\nKeep the secret now: it is not shown again. Check X-Relaydesk-Signature (t=TIMESTAMP,sha256=HMAC of "TIMESTAMP." and the body) with it.\n`,
          );
        });
      }),
  );
  webhook.addCommand(
    dataCommand('list', 'subscriptions (without their secrets)').action(async (o: StoreFlags & Json) => {
      await withStore(o, async (store) => {
        const rows = await listWebhookSummaries(store.db);
        if (o.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('no webhooks; add one with relaydesk webhook add URL --events case.created\n');
        printTable(
          rows.map((w) => [w.id, w.events.join(','), w.url]),
          ['ID', 'EVENTS', 'URL'],
        );
      });
    }),
  );
  webhook.addCommand(
    dataCommand('remove', 'remove a subscription')
      .argument('<id>', 'the webhook id (wh_…)')
      .action(async (id: string, o: StoreFlags & Json) => {
        await withStore(o, async (store) => {
          const r = await asCliFailure(() => removeWebhook(store.db, id));
          if (o.json) return printJson(r);
          process.stdout.write(`removed ${id}\n`);
        });
      }),
  );
  return webhook;
}

import { Command } from 'commander';
import { EVENTS } from '../base/events.js';
import { traceText } from '../base/trace-texts.js';
import {
  findMessagesByMessageId,
  listHeld,
  listMailbox,
  loadDeliveries,
  loadMessage,
  loadTrace,
  loggedDeliveries,
  resolveHeld,
  countByStatus,
  searchMessages,
} from '../store/index.js';
import { CliFailure, EXIT, formatTime, printJson, printTable, withStore, withStoreOptions, type StoreFlags } from './common.js';
import { systemClock } from '../base/clock.js';

type Json = { json?: boolean };

export function quarantineCommand(): Command {
  const q = new Command('quarantine').description('messages held for review: spam, and quarantine rules');
  q.addCommand(
    withStoreOptions(new Command('list'))
      .description('list the messages in quarantine')
      .option('--json', 'print as JSON')
      .action(async (opts: StoreFlags & Json) => {
        await withStore(opts, async (store) => {
          const held = await listHeld(store.db);
          if (opts.json) return printJson(held.map((h) => ({ id: h.queueId, ...h })));
          if (held.length === 0) return void process.stdout.write('quarantine is empty\n');
          printTable(
            held.map((h) => [
              h.queueId,
              formatTime(h.receivedAt),
              h.mailFrom || '<>',
              h.recipients.map((r) => r.originalRecipient).join(','),
              String(h.spamScore),
              h.recipients[0]?.holdReason ?? '',
              h.subject ?? '',
            ]),
            ['ID', 'RECEIVED', 'FROM', 'TO', 'SCORE', 'REASON', 'SUBJECT'],
          );
        });
      }),
  );
  for (const [verb, to, summary] of [
    ['release', 'queued', 'deliver as if it were not spam'],
    ['delete', 'deleted', 'drop the held deliveries (the trace is kept)'],
  ] as const) {
    q.addCommand(
      withStoreOptions(new Command(verb))
        .description(`${summary}`)
        .argument('<id>', 'queue id from `quarantine list`')
        .option('--json', 'print as JSON')
        .action(async (id: string, opts: StoreFlags & Json) => {
          await withStore(opts, async (store) => {
            const now = systemClock.now();
            const n = await resolveHeld(store.db, {
              queueId: id,
              to,
              now,
              trace: {
                queueId: id,
                at: now,
                code: to === 'queued' ? EVENTS.released : EVENTS.deleted,
                summary: to === 'queued' ? 'released from quarantine by an admin (cli)' : 'deleted from quarantine by an admin (cli)',
                text: traceText(to === 'queued' ? 'queue.released/cli' : 'queue.deleted/cli', {}),
              },
            });
            if (n === 0) throw new CliFailure(`no quarantined message with id ${id}; see \`relaydesk quarantine list\``, EXIT.notFound);
            if (opts.json) return printJson({ id, [to === 'queued' ? 'released' : 'deleted']: n });
            process.stdout.write(
              to === 'queued'
                ? `released ${id}: ${n} deliver${n === 1 ? 'y' : 'ies'} queued\n`
                : `deleted ${id}: ${n} held deliver${n === 1 ? 'y' : 'ies'} dropped\n`,
            );
          });
        }),
    );
  }
  return q;
}

export function mailboxCommand(): Command {
  const m = new Command('mailbox').description('mail stored for recognized users');
  m.addCommand(
    withStoreOptions(new Command('list'))
      .description("list the messages in a user's mailbox, newest first")
      .argument('<address>', "the user's address")
      .option('--json', 'print as JSON')
      .action(async (address: string, opts: StoreFlags & Json) => {
        await withStore(opts, async (store) => {
          const rows = await listMailbox(store.db, address);
          if (opts.json) return printJson(rows);
          if (rows.length === 0) return void process.stdout.write(`no messages for ${address}\n`);
          printTable(
            rows.map((r) => [r.queueId, formatTime(r.storedAt), r.spam ? 'spam' : '', r.from ?? '', r.subject ?? '']),
            ['QUEUE ID', 'STORED', 'SPAM', 'FROM', 'SUBJECT'],
          );
        });
      }),
  );
  return m;
}

export function traceCommand(): Command {
  return withStoreOptions(new Command('trace'))
    .description('every step of a message: envelope, checks, rules, deliveries and their attempts')
    .argument('[queueId]', 'queue id (from the 250 reply or the logs)')
    .option('--message-id <id>', 'find the message by its Message-ID header instead')
    .option('--json', 'print as JSON')
    .action(async (queueId: string | undefined, opts: StoreFlags & Json & { messageId?: string }) => {
      if (!queueId && !opts.messageId) throw new CliFailure('give a queue id or --message-id', EXIT.usage);
      await withStore(opts, async (store) => {
        const messages = queueId ? [await loadMessage(store.db, queueId)].filter((m) => m !== null) : await findMessagesByMessageId(store.db, opts.messageId!);
        if (messages.length === 0)
          throw new CliFailure(queueId ? `no message with queue id ${queueId}` : `no message with Message-ID ${opts.messageId}`, EXIT.notFound);
        const out = [];
        for (const m of messages) {
          const steps = await loadTrace(store.db, m.queueId);
          // Each delivery carries its own steps (attempts, deferrals, the outcome), so a script
          // need not match them up by deliveryId. Once purged, the deliveries are the summary
          // kept on the message, and there are no steps.
          const { deliverySummary, ...message } = m;
          const rows = m.bodyPurgedAt === null ? await loadDeliveries(store.db, m.queueId) : (deliverySummary ?? []);
          const deliveries = rows.map((d) => ({ ...d, steps: steps.filter((s) => s.deliveryId === d.id) }));
          out.push({ message, deliveries, steps });
        }
        if (opts.json) return printJson(queueId ? out[0] : out);
        for (const t of out) {
          process.stdout.write(`${t.message.queueId}  ${t.message.subject ?? '(no subject)'}  from <${t.message.mailFrom}>\n`);
          if (t.message.bodyPurgedAt !== null)
            process.stdout.write(`  body and trace purged on ${formatTime(t.message.bodyPurgedAt)} (retention.messages); how each delivery ended is kept:\n`);
          for (const s of t.steps) process.stdout.write(`  ${formatTime(s.at)}  ${s.code.padEnd(26)} ${s.summary}\n`);
          for (const d of t.deliveries)
            process.stdout.write(
              `  delivery ${d.id}: <${d.originalRecipient}> → <${d.recipient}> ${d.transport} ${d.status} after ${d.attempts} attempt(s)${d.lastReply ? `: ${d.lastReply}` : ''}\n`,
            );
        }
      });
    });
}

export function queueCommand(): Command {
  const q = new Command('queue').description('the delivery queue');
  q.addCommand(
    withStoreOptions(new Command('list'))
      .description('recent messages and where their deliveries stand')
      .option('--sender <text>', 'envelope sender contains')
      .option('--recipient <text>', 'a recipient (before or after rules) contains')
      .option('--subject <text>', 'subject contains')
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'print as JSON')
      .action(async (opts: StoreFlags & Json & { sender?: string; recipient?: string; subject?: string; limit: string }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new CliFailure(`--limit must be a positive whole number, not "${opts.limit}"`, EXIT.usage);
        await withStore(opts, async (store) => {
          const rows = await searchMessages(store.db, { sender: opts.sender, recipient: opts.recipient, subject: opts.subject, limit });
          const withDeliveries = [];
          for (const m of rows) {
            // A purged message's summary is its deliveries: listed once, as deliveries.
            const { deliverySummary: _summary, ...row } = m;
            const deliveries = (await loggedDeliveries(store.db, m)).map((d) => ({
              id: d.id,
              recipient: d.recipient,
              originalRecipient: d.originalRecipient,
              transport: d.transport,
              status: d.status,
              attempts: d.attempts,
              lastReply: d.lastReply,
            }));
            withDeliveries.push({ ...row, deliveries });
          }
          if (opts.json) return printJson({ counts: await countByStatus(store.db), messages: withDeliveries });
          printTable(
            // The mark goes first: a long list of deliveries is cut at the column's width.
            withDeliveries.map((m) => {
              const deliveries = m.deliveries.map((d) => `${d.recipient}:${d.status}`).join(' ');
              return [
                m.queueId,
                formatTime(m.receivedAt),
                m.mailFrom || '<>',
                m.bodyPurgedAt === null ? deliveries : `(body purged ${formatTime(m.bodyPurgedAt).slice(0, 10)}) ${deliveries}`,
                m.subject ?? '',
              ];
            }),
            ['QUEUE ID', 'RECEIVED', 'FROM', 'DELIVERIES', 'SUBJECT'],
          );
        });
      }),
  );
  return q;
}

import os from 'node:os';
import { Command, Option } from 'commander';
import type { DeskContext, LeadAction } from '../desk/index.js';
import {
  findLinkedCases,
  listCases,
  listDeskChannels,
  listFailed,
  listLeads,
  listSuspended,
  loadCaseByNumber,
  loadConversion,
  loadDeskMessages,
  loadLead,
  type StoreHandle,
} from '../store/index.js';
import { asCliFailure, CliFailure, EXIT, formatTime, printJson, printTable, withStore, type StoreFlags, dataCommand } from './common.js';
import { systemClock } from '../base/clock.js';
import { actorInEnglish, describeActor } from '../base/actors.js';

type Json = { json?: boolean };

// The desk's services bring the mail parser, composer and sanitizer: only the commands that
// act on the desk load them (through the desk's face, on first use), so reading a case,
// which needs the store alone, starts fast.
const deskFace = () => import('../desk/index.js');
/** The configuration in force and the desk's keys, as an agent's action needs them. */
const deskContext = async (store: StoreHandle): Promise<DeskContext> => (await deskFace()).loadDeskContext(store.db);
const deskDeps = async (store: StoreHandle) => (await deskFace()).loadDeskDeps(store.db);

/** What fixes rules left pointing at a retired address: the rotation again, this time with them. */
const rotateHint = (channel: string) =>
  `to rotate again and update them in the same change, run: relaydesk desk rotate ${/^[A-Za-z0-9._-]+$/.test(channel) ? channel : `'${channel.replace(/'/g, `'\\''`)}'`} --update-rules`;

function positiveInt(v: string, what: string): number {
  const n = Number(String(v).replace(/^#/, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new CliFailure(`${what} must be a number like 1001, not "${v}"`, EXIT.usage);
  return n;
}

export function deskCommand(): Command {
  const desk = new Command('desk').description('the help desk: channels, cases, leads, and mail the desk set aside').enablePositionalOptions();

  desk.addCommand(
    dataCommand('channels', 'channels with their inbound addresses and forwarding verification').action(async (o: StoreFlags & Json) => {
      await withStore(o, async (store) => {
        // The same view as GET /api/channels: one description of a channel for every interface.
        const out = await (await deskFace()).loadChannelViews(store.db, systemClock.now());
        if (o.json) return printJson(out);
        if (out.length === 0) return void process.stdout.write('no desk channels; add desk.channels to the configuration\n');
        for (const c of out) {
          process.stdout.write(
            `${c.name} (${c.kind})  public ${c.publicAddress ?? '-'}\n  inbound  ${c.inboundAddress}\n  verification: ${c.verification.state}${c.verification.detail ? ` — ${c.verification.detail}` : ''}\n`,
          );
          for (const t of c.verification.trace) process.stdout.write(`    ${t}\n`);
          if (c.sla) {
            // Loaded with the desk's face above already; only this command needs it.
            const { renderDuration } = await import('../config/index.js');
            const target = (ms: number | null) => (ms === null ? '-' : renderDuration(ms));
            process.stdout.write(
              `  sla: first response ${target(c.sla.firstResponse)}, resolution ${target(c.sla.resolution)} (${c.sla.timeZone ? `business hours in ${c.sla.timeZone}` : 'around the clock'})\n`,
            );
          }
          for (const f of c.forwardingConfirmations)
            process.stdout.write(
              `  Gmail forwarding confirmation: code ${f.code}${f.url ? ` ${f.url}` : ''}${f.forwardFrom ? ` (from ${f.forwardFrom})` : ''}\n`,
            );
        }
      });
    }),
  );

  desk.addCommand(
    dataCommand('verify', 'send a check through the public address and watch it reach the channel')
      .argument('<channel>', 'channel name')
      .option('--wait <seconds>', 'wait this long for the check to come back (needs a running server)', '0')
      .action(async (name: string, o: StoreFlags & Json & { wait: string }) => {
        const wait = Number(o.wait);
        if (!Number.isFinite(wait) || wait < 0 || wait > 600) throw new CliFailure(`--wait must be 0 to 600 seconds, not "${o.wait}"`, EXIT.usage);
        await withStore(o, async (store) => {
          let r: { channel: string; state: string; queueId: string | null; detail: string } = await asCliFailure(async () =>
            (await deskFace()).verifyChannel(await deskContext(store), name),
          );
          const deadline = systemClock.now() + wait * 1000;
          while (r.state === 'pending' && systemClock.now() < deadline) {
            await new Promise((res) => setTimeout(res, 250));
            const ch = (await listDeskChannels(store.db)).find((c) => c.name === r.channel);
            if (ch && ch.verification.state !== 'pending') r = { ...r, state: ch.verification.state, detail: ch.verification.detail ?? '' };
          }
          if (o.json) return printJson(r);
          process.stdout.write(`${r.channel}: ${r.state} — ${r.detail}\n`);
        });
      }),
  );

  desk.addCommand(
    dataCommand('rotate', 'issue a new inbound address; the old one then gets 550 5.1.1')
      .argument('<channel>', 'channel name')
      .option('--update-rules', 'point the routing rules that name the old address at the new one, in the same change')
      .action(async (name: string, o: StoreFlags & Json & { updateRules?: boolean }) => {
        await withStore(o, async (store) => {
          const r = await asCliFailure(async () =>
            (await deskFace()).rotateChannel(await deskContext(store), name, {
              updateRules: o.updateRules === true,
              appliedBy: `cli:${os.userInfo().username}`,
            }),
          );
          const hint = r.version === null && r.rules.length > 0 ? rotateHint(r.channel) : null;
          if (o.json) return printJson({ ...r, ...(hint ? { hint } : {}) });
          process.stdout.write(`${r.channel}: new inbound address ${r.address}\n  retired: ${r.retired.join(', ') || '-'}\n`);
          const names = r.rules.map((x) => `    rule ${x.index} "${x.description}"\n`).join('');
          if (r.version !== null) process.stdout.write(`  configuration version ${r.version} points these rules at the new address:\n${names}`);
          else if (hint) process.stdout.write(`  these rules still point at the retired address, so the desk refuses their mail:\n${names}  ${hint}\n`);
          else process.stdout.write('  no routing rule pointed at the old address\n');
        });
      }),
  );

  desk.addCommand(
    dataCommand('cases', 'list cases, newest first')
      .addOption(new Option('--status <status>', 'only this status').choices(['new', 'open', 'pending', 'solved', 'closed']))
      .option('--channel <name>', 'only this channel')
      .option('--assignee <who>', 'only cases assigned to this agent ("none": unassigned)')
      .option('--search <text>', 'subject, body or requester contains')
      .addOption(
        new Option('--tests <which>', "cases the console's route test opened: left out, alone, or with the others")
          .choices(['hide', 'only', 'include'])
          .default('hide'),
      )
      .option('--limit <n>', 'at most this many', '50')
      .action(
        async (
          o: StoreFlags & Json & { status?: string; channel?: string; assignee?: string; search?: string; tests: 'hide' | 'only' | 'include'; limit: string },
        ) => {
          const limit = positiveInt(o.limit, '--limit');
          await withStore(o, async (store) => {
            const channels = await listDeskChannels(store.db);
            const channel = o.channel ? channels.find((c) => c.name.toLowerCase() === o.channel!.toLowerCase()) : undefined;
            if (o.channel && !channel) throw new CliFailure(`no desk channel "${o.channel}"`, EXIT.notFound);
            const rows = await listCases(store.db, {
              status: o.status,
              channelId: channel?.id,
              assignee: o.assignee === undefined ? undefined : o.assignee === 'none' ? null : o.assignee,
              search: o.search,
              tests: o.tests,
              limit,
            });
            const name = (id: string) => channels.find((c) => c.id === id)?.name ?? id;
            if (o.json) return printJson(rows.map((r) => ({ ...r, channel: name(r.channelId) })));
            if (rows.length === 0) return void process.stdout.write('no cases\n');
            printTable(
              rows.map((r) => [`#${r.number}`, r.status, name(r.channelId), r.requester.address, r.assignee ?? '-', formatTime(r.updatedAt), r.subject]),
              ['CASE', 'STATUS', 'CHANNEL', 'REQUESTER', 'ASSIGNEE', 'UPDATED', 'SUBJECT'],
            );
          });
        },
      ),
  );

  desk.addCommand(
    dataCommand('case', 'one case with its messages, participants and links; change its status or assignee')
      .argument('<number>', 'case number, e.g. 1001')
      .addOption(new Option('--status <status>', 'set the status').choices(['new', 'open', 'pending', 'solved', 'closed']))
      .option('--assign <agent>', 'assign to an agent ("none" to unassign)')
      .action(async (num: string, o: StoreFlags & Json & { status?: string; assign?: string }) => {
        const number = positiveInt(num, 'the case number');
        await withStore(o, async (store) => {
          if (o.status || o.assign !== undefined) {
            await asCliFailure(async () =>
              (await deskFace()).changeCase(await deskContext(store), {
                caseNumber: number,
                ...(o.status ? { status: o.status as never } : {}),
                ...(o.assign !== undefined ? { assignee: o.assign === 'none' ? null : o.assign } : {}),
                by: `cli:${os.userInfo().username}`,
              }),
            );
          }
          const c = await loadCaseByNumber(store.db, number);
          if (!c) throw new CliFailure(`no case #${number}`, EXIT.notFound);
          const messages = await loadDeskMessages(store.db, { caseId: c.id });
          const links = await findLinkedCases(store.db, c.id);
          if (o.json) return printJson({ ...c, messages, links });
          process.stdout.write(
            `#${c.number} ${c.subject}\n  status ${c.status}  requester ${c.requester.name ? `${c.requester.name} ` : ''}<${c.requester.address}>  assignee ${c.assignee ?? '-'}\n`,
          );
          if (c.participants.length) process.stdout.write(`  participants ${c.participants.map((p) => p.address).join(', ')}\n`);
          for (const l of links) process.stdout.write(`  ${l.relation} case #${l.number} (${l.status})\n`);
          for (const m of messages) {
            const by = actorInEnglish(describeActor(m.author ?? ''));
            const who = m.direction === 'note' ? `note by ${by}` : m.direction === 'out' ? `out by ${by}` : `in from ${m.from?.address ?? '?'}`;
            process.stdout.write(`\n  [${formatTime(m.createdAt)}] ${who}${m.machineKind ? ` (${m.machineKind})` : ''}: ${m.subject}\n`);
            process.stdout.write(
              `${m.text
                .split('\n')
                .slice(0, 20)
                .map((l) => `    ${l}`)
                .join('\n')}\n`,
            );
            for (const a of m.attachments) process.stdout.write(`    [attachment] ${a.filename} (${a.contentType}, ${a.size} bytes)\n`);
          }
        });
      }),
  );

  desk.addCommand(
    dataCommand('reply', "answer a case by email from the channel's public address, or add an internal note")
      .argument('<number>', 'case number')
      .requiredOption('--body <text>', 'the text of the answer')
      .addOption(new Option('--status <status>', 'status after the answer').choices(['pending', 'solved']))
      .option('--note', 'record an internal note instead; it is never mailed')
      .option('--author <name>', 'who answers', `cli:${os.userInfo().username}`)
      .action(async (num: string, o: StoreFlags & Json & { body: string; status?: 'pending' | 'solved'; note?: boolean; author: string }) => {
        const number = positiveInt(num, 'the case number');
        await withStore(o, async (store) => {
          const r = await asCliFailure(async () =>
            (await deskFace()).answerCase(await deskContext(store), {
              caseNumber: number,
              body: o.body,
              author: o.author,
              ...(o.status ? { status: o.status } : {}),
              note: Boolean(o.note),
            }),
          );
          if (o.json) return printJson(r);
          process.stdout.write(o.note ? `note added to #${number}\n` : `answer to #${number} queued as ${r.queueId}; case is ${r.status}\n`);
        });
      }),
  );

  desk.addCommand(
    dataCommand('leads', 'sales leads')
      .addOption(new Option('--status <status>', 'only this status').choices(['new', 'working', 'qualified', 'converted', 'disqualified']))
      .action(async (o: StoreFlags & Json & { status?: string }) => {
        await withStore(o, async (store) => {
          const rows = await listLeads(store.db, { status: o.status });
          if (o.json) return printJson(rows);
          if (rows.length === 0) return void process.stdout.write('no leads\n');
          printTable(
            rows.map((l) => [String(l.id), l.status, l.name, l.email, l.company ?? '-', l.subject]),
            ['ID', 'STATUS', 'NAME', 'EMAIL', 'COMPANY', 'SUBJECT'],
          );
        });
      }),
  );

  desk.addCommand(
    dataCommand('lead', 'show a lead, or move it: work, qualify, disqualify, convert')
      .argument('<id>', 'lead id')
      .argument('[action]', 'work | qualify | disqualify | convert')
      .option('--amount <n>', 'with convert: the opportunity amount')
      .option('--stage <stage>', 'with convert: the opportunity stage')
      .action(async (idText: string, action: string | undefined, o: StoreFlags & Json & { amount?: string; stage?: string }) => {
        const id = positiveInt(idText, 'the lead id');
        if (action && !['work', 'qualify', 'disqualify', 'convert'].includes(action))
          throw new CliFailure(`unknown lead action "${action}"; use work, qualify, disqualify or convert`, EXIT.usage);
        const amount = o.amount === undefined ? undefined : Number(o.amount);
        if (amount !== undefined && !(Number.isFinite(amount) && amount >= 0))
          throw new CliFailure(`--amount must be a number of at least 0, not "${o.amount}"`, EXIT.usage);
        await withStore(o, async (store) => {
          if (action)
            await asCliFailure(async () =>
              (await deskFace()).actOnLead(await deskContext(store), {
                leadId: id,
                action: action as LeadAction,
                ...(amount !== undefined ? { amount } : {}),
                ...(o.stage ? { stage: o.stage } : {}),
              }),
            );
          const lead = await loadLead(store.db, id);
          if (!lead) throw new CliFailure(`no lead ${id}`, EXIT.notFound);
          const conversion = await loadConversion(store.db, id);
          const messages = await loadDeskMessages(store.db, { leadId: id });
          if (o.json) return printJson({ ...lead, conversion, messages });
          process.stdout.write(
            `lead ${lead.id}: ${lead.name} <${lead.email}>${lead.company ? `, ${lead.company}` : ''} — ${lead.status}\n  ${lead.subject}\n  ${messages.length} message(s)\n`,
          );
          if (conversion) process.stdout.write(`  converted: ${JSON.stringify(conversion)}\n`);
        });
      }),
  );

  const suspended = dataCommand('suspended', 'mail the desk set aside (auto-replies, bounces without a case, loops, floods, spam)').action(
    async (o: StoreFlags & Json) => {
      await withStore(o, async (store) => {
        const rows = await listSuspended(store.db);
        if (o.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('nothing suspended\n');
        printTable(
          rows.map((r) => [String(r.id), formatTime(r.createdAt), r.reason, r.from ?? '-', r.subject ?? '']),
          ['ID', 'WHEN', 'REASON', 'FROM', 'SUBJECT'],
        );
      });
    },
  );
  suspended.addCommand(
    dataCommand('recover', 'take a suspended message in as if it were ordinary mail')
      .argument('<id>')
      .action(async (idText: string, o: StoreFlags & Json) => {
        const id = positiveInt(idText, 'the id');
        await withStore(o, async (store) => {
          const { result: summary } = await asCliFailure(async () => (await deskFace()).recoverSuspended(await deskDeps(store), id));
          if (o.json) return printJson({ id, result: summary });
          process.stdout.write(`recovered ${id}: ${summary}\n`);
        });
      }),
  );
  suspended.addCommand(
    dataCommand('delete', 'drop a suspended message')
      .argument('<id>')
      .action(async (idText: string, o: StoreFlags & Json) => {
        const id = positiveInt(idText, 'the id');
        await withStore(o, async (store) => {
          await asCliFailure(async () => (await deskFace()).deleteSuspended(store.db, id));
          if (o.json) return printJson({ id, deleted: true });
          process.stdout.write(`deleted ${id}\n`);
        });
      }),
  );
  // Its own options (--data, --json) come before a subcommand's name; after it they are the subcommand's.
  suspended.enablePositionalOptions();
  desk.addCommand(suspended);

  const failed = dataCommand('failed', 'messages the desk could not process (dead letters)').action(async (o: StoreFlags & Json) => {
    await withStore(o, async (store) => {
      const rows = await listFailed(store.db);
      if (o.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('no failed messages\n');
      printTable(
        rows.map((r) => [String(r.id), formatTime(r.createdAt), r.queueId, String(r.attempts), r.error]),
        ['ID', 'WHEN', 'QUEUE ID', 'TRIES', 'ERROR'],
      );
    });
  });
  failed.addCommand(
    dataCommand('retry', 'run the intake again for a failed message')
      .argument('<id>')
      .action(async (idText: string, o: StoreFlags & Json) => {
        const id = positiveInt(idText, 'the id');
        await withStore(o, async (store) => {
          const r = await asCliFailure(async () => (await deskFace()).retryFailed(await deskDeps(store), id));
          if (r.state === 'failed') throw new CliFailure(`failed again: ${r.error}`, EXIT.invalid);
          if (o.json) return printJson({ id, result: r.result });
          process.stdout.write(`retried ${id}: ${r.result}\n`);
        });
      }),
  );
  failed.enablePositionalOptions();
  desk.addCommand(failed);
  return desk;
}

import { z } from 'zod';
import { AUTO_MAIL_KINDS, CHANNEL_LANGUAGES, checkTemplates, PLACEHOLDERS } from '../../../config/index.js';
import { IMAP_ERROR_CODES, loadChannelViews, previewAutoMail, rotateChannel, rotationRules, verifyChannel } from '../../../desk/index.js';
import { principalLabel } from '../../auth/principal.js';
import { deskContextOf } from '../../api/api-deps.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';

const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['support', 'sales']),
  publicAddress: z.string().nullable(),
  inboundAddress: z.string().nullable().describe("where the gateway's routing rule must point"),
  retiredAddresses: z.array(z.string()),
  autoAcknowledge: z.boolean(),
  verification: z.object({
    state: z.enum(['unverified', 'pending', 'verified', 'failed']),
    detail: z.string().nullable(),
    sentAt: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    trace: z.array(z.string()),
  }),
  forwardingConfirmations: z.array(z.object({ code: z.string(), url: z.string().nullable(), forwardFrom: z.string().nullable(), createdAt: z.string() })),
  sla: z
    .object({
      firstResponse: z.number().int().nullable().describe('business time to the first answer, in milliseconds'),
      resolution: z.number().int().nullable().describe('business time to solving the case, in milliseconds'),
      timeZone: z.string().nullable().describe('the zone of desk.businessHours; null: the clocks run around the clock'),
    })
    .nullable()
    .describe("the channel's service targets (desk.channels[].sla); null without any"),
  imap: z
    .object({
      host: z.string(),
      port: z.number().int(),
      user: z.string(),
      folder: z.string(),
      after: z.enum(['move', 'flag']),
      connected: z.boolean().describe('a node is connected to the mailbox now'),
      connectedAt: z.string().nullable(),
      lastTakenAt: z.string().nullable().describe('when the last message was taken from the mailbox'),
      lastSuccessAt: z.string().nullable().describe('the last look at the mailbox that went well'),
      lastError: z
        .object({
          code: z.enum(IMAP_ERROR_CODES),
          text: z.string(),
          at: z.string(),
        })
        .nullable()
        .describe('the last failure since the last good look, as a code and its English sentence'),
    })
    .nullable()
    .describe('the IMAP mailbox the channel takes mail from (desk.channels[].imap), without its password'),
});

const channelParams = z.strictObject({ name: z.string().min(1).max(200).describe('channel name or id') });

const list = defineRoute({
  method: 'GET',
  path: '/api/channels',
  operationId: 'listChannels',
  summary: 'Desk channels with their inbound addresses and forwarding verification',
  tag: 'channels',
  action: 'channel.read',
  response: z.object({ items: z.array(channelSchema) }),
  command: async ({ deps }) => ({ items: await loadChannelViews(deps.db, deps.now()) }),
});

const rotate = defineRoute({
  method: 'POST',
  path: '/api/channels/:name/rotate',
  operationId: 'rotateChannel',
  summary: 'Issue a new inbound address; the old one then gets 550 5.1.1 (admin)',
  tag: 'channels',
  action: 'channel.manage',
  params: channelParams,
  body: z
    .strictObject({
      updateRules: z
        .boolean()
        .default(false)
        .describe('point the routing rules that name an address of this channel at the new one, in a configuration version saved with the rotation'),
    })
    .default({ updateRules: false }),
  response: z.object({
    channel: z.string(),
    address: z.string(),
    retired: z.array(z.string()),
    rules: z
      .array(z.object({ index: z.number().int(), description: z.string(), paths: z.array(z.string()) }))
      .describe('default routing rules that named an address of this channel before the rotation'),
    version: z.number().int().nullable().describe('the configuration version that points them at the new address; null when they were left alone'),
  }),
  failures: [403, 404, 409],
  command: async ({ input: { params, body }, principal, deps }) =>
    rotateChannel(await deskContextOf(deps), params.name, { updateRules: body.updateRules, appliedBy: principalLabel(principal) }),
});

const rotationPreview = defineRoute({
  method: 'GET',
  path: '/api/channels/:name/rotate',
  operationId: 'previewChannelRotation',
  summary: 'The default routing rules a rotation of this channel would update (admin)',
  tag: 'channels',
  action: 'channel.manage',
  params: channelParams,
  response: z.object({ channel: z.string(), rules: z.array(z.object({ index: z.number().int(), description: z.string(), paths: z.array(z.string()) })) }),
  failures: [403, 404],
  command: async ({ input: { params }, deps }) => rotationRules(deps.db, params.name),
});

const verify = defineRoute({
  method: 'POST',
  path: '/api/channels/:name/verify',
  operationId: 'verifyChannel',
  summary: 'Send a check mail through the public address; the channel is verified when it arrives (admin)',
  tag: 'channels',
  action: 'channel.manage',
  params: channelParams,
  response: z.object({ channel: z.string(), state: z.enum(['pending', 'failed']), queueId: z.string().nullable(), detail: z.string() }),
  status: 202,
  failures: [403, 404],
  async command({ input: { params }, deps }) {
    const r = await verifyChannel(await deskContextOf(deps), params.name);
    deps.wake();
    return r;
  },
});

const mailAddress = z.object({ name: z.string(), address: z.string() });
const templateText = z.strictObject({ subject: z.string().max(300).optional(), body: z.string().max(20_000).optional() });

const mailPreview = defineRoute({
  method: 'POST',
  path: '/api/channels/mail-preview',
  operationId: 'previewChannelMail',
  summary: "One of a channel's automatic mails as its recipient receives it, filled with sample values; nothing is sent (admin)",
  tag: 'channels',
  action: 'channel.manage',
  body: z.strictObject({
    kind: z.enum(AUTO_MAIL_KINDS).describe('acknowledgement: the answer to a new case; forwardingCheck: the mail `verify` sends'),
    channel: z
      .strictObject({
        name: z.string().max(200),
        publicAddress: z.string().max(320).optional(),
        language: z.enum(CHANNEL_LANGUAGES).optional(),
        templates: z.strictObject({ acknowledgement: templateText.optional(), forwardingCheck: templateText.optional() }).optional(),
      })
      .describe('the channel as in desk.channels[] of the configuration, saved or not'),
  }),
  response: z.object({
    kind: z.enum(AUTO_MAIL_KINDS),
    language: z.enum(CHANNEL_LANGUAGES),
    problems: z
      .array(
        z.object({
          path: z.string(),
          message: z.string(),
          code: z.string().describe("the problem's code, which the console's dictionaries say in words"),
          params: z.record(z.string(), z.union([z.string(), z.number()])),
        }),
      )
      .describe('what is wrong with the templates, by path under the channel (templates.acknowledgement.subject); nothing is rendered then'),
    mail: z
      .object({ from: mailAddress, to: mailAddress, subject: z.string(), text: z.string() })
      .nullable()
      .describe('the mail as sent: headers decoded, the body as text; null when there are problems'),
    placeholders: z.array(z.object({ name: z.string(), value: z.string() })).describe('each placeholder this mail may use, with its sample value'),
    defaults: z.object({ subject: z.string(), body: z.string() }).describe("the template in the channel's language, without the channel's own words"),
  }),
  failures: [403],
  async command({ input: { body }, deps }) {
    const { config } = await deps.live.current();
    const ch = body.channel;
    const channel = {
      name: ch.name,
      publicAddress: ch.publicAddress ?? 'help@example.com',
      language: ch.language,
      templates: ch.templates,
    };
    const problems = checkTemplates('templates', { [body.kind]: ch.templates?.[body.kind] });
    const preview = previewAutoMail(problems.length > 0 ? { ...channel, templates: undefined } : channel, body.kind, config.desk?.domain ?? 'case.example.com');
    return {
      kind: body.kind,
      language: preview.language,
      problems,
      mail: problems.length > 0 ? null : { from: preview.from, to: preview.to, subject: preview.subject, text: preview.text },
      placeholders: PLACEHOLDERS[body.kind].map((name) => ({ name, value: preview.values[name] ?? '' })),
      defaults: preview.defaults,
    };
  },
});

export const channelRoutes: readonly ApiRoute[] = [list, mailPreview, rotationPreview, rotate, verify];

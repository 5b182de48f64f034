/** What the fault tests relay: relay@solarmora.com to a sink posing as the CRM, retried each second. */
export const relayToSinkConfig = (sinkPort: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
smtp:
  connectionLimitExceptions: [127.0.0.0/8]
queue:
  retry: { firstRetry: 1s, maxInterval: 1s }
defaultRouting:
  - description: relay to the CRM
    match: { single: relay@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
`;

/** The Message-ID of a raw message (without the angle brackets), to match what a sink got. */
export const messageIdOf = (raw: Buffer | string) => /^Message-ID: <([^>]+)>/im.exec(raw.toString())?.[1];

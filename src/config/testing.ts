/** Test-only fixtures (imported by *.test.ts, never by the product). */

/** The issue's example, verbatim but for the rejectText line (it belongs to reject rules). */
export const ISSUE_EXAMPLE = `domains: [solarmora.com]
orgUnits: [/, /Sales]                   # "/" is the top-level unit
users:
  - address: alice@solarmora.com
    orgUnit: /Sales
    aliases: [a.smith@solarmora.com]
    status: active
groups:
  - address: sales-team@solarmora.com
    members: [alice@solarmora.com, partner@elsewhere.example]
hosts:
  - name: crm
    host: 127.0.0.1
    port: 2526
    tls: none
    domains: [crm.test]
outbound:
  smarthost: crm
defaultRouting:
  - description: Forward help to the CRM
    enabled: true
    match: { single: help@solarmora.com }
    action: modify
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
      bypassSpamFilter: false
      addRecipients:
        - address: sales-team@solarmora.com
          doNotDeliverSpam: true
          suppressBounces: true
      addXOriginalToHeader: true
      addSpamHeaders: false
      customHeaders: { X-Relaydesk-Rule: help }
      prependSubject: "[help] "
      requireTls: false
      removeAttachments: false
    recognizedAddresses: false
smtp:
  maxMessageSize: 35MB
  maxRecipients: 1000
spam:
  engine: builtin
  allowSenders: []
  denySenders: []
`;

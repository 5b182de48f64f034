/**
 * Configuration problems by the code the server sends with each (src/base/problem-texts.ts
 * lists them and their values). A problem whose code has no entry shows the server's message.
 */
export const problemsEn = {
  'problem.yaml-syntax': 'the YAML syntax is broken here ({detail}); fix the file there',
  'problem.yaml-too-many-aliases': 'the file uses too many aliases; use fewer aliases (*name)',
  'problem.empty-file': 'the file is empty (or only comments), and applying it would remove the whole configuration; write `{}` if that is what you mean',
  'problem.required': 'this field is required; add it',
  'problem.not-a-mapping-file': 'the file must be a mapping of settings (domains:, users:, defaultRouting: …); start from the example in the README',
  'problem.wrong-type/array': 'expected a list, found {found}; correct the value',
  'problem.wrong-type/object': 'expected a mapping, found {found}; correct the value',
  'problem.wrong-type/string': 'expected text, found {found}; correct the value',
  'problem.wrong-type/number': 'expected a number, found {found}; correct the value',
  'problem.wrong-type/boolean': 'expected true or false, found {found}; correct the value',
  'problem.wrong-type/other': 'the value {found} has the wrong type; correct the value',
  'problem.not-allowed': '"{value}" is not allowed; use one of: {options}',
  'problem.invalid-key': 'this key is not valid; rename it',
  'problem.invalid-union': '"{value}" is not valid here; correct the value',
  'problem.empty': 'this must not be empty; fill it in',
  'problem.too-few': 'this needs at least {minimum} item(s); add more',
  'problem.too-small': 'this must be at least {minimum}; write a larger number',
  'problem.too-long': 'this may have at most {maximum}; shorten it',
  'problem.too-big': 'this can be at most {maximum}; write a smaller number',
  'problem.not-a-url': '"{value}" is not a valid URL; correct it',
  'problem.invalid-format': '"{value}" is not written the way this field needs; correct it',
  'problem.invalid': 'this value is not valid; correct it',
  'problem.unknown-field': 'unknown field "{key}"; remove it (fields here: {fields})',
  'problem.unknown-field-did-you-mean': 'unknown field "{key}"; did you mean "{guess}"?',
  'problem.unknown-field-none': 'unknown field "{key}"; remove it',
  'problem.line-breaks': 'this must be one line; remove the line breaks',
  'problem.not-a-size': '"{value}" is not a size; write it like 35MB, 512KB or a number of bytes',
  'problem.not-a-duration': '"{value}" is not a duration; write it like 90s, 1m, 1h30m or 5d',
  'problem.give-one-of': 'give one of {options}',
  'problem.give-only-one-of': 'give only one of {options} (found {found}); remove the others',
  'problem.limit-domain-twice': '{domain} has two entries in outbound.limits; keep one of them',
  'problem.rspamd-needs-url': "engine rspamd needs spam.rspamd.url (rspamd's normal worker, such as http://127.0.0.1:11333)",
  'problem.rspamd-ignores-list': "{list} is the built-in engine's list and rspamd would not read it; move it to rspamd and remove it here",
  'problem.not-a-pem-key': 'this must be a PEM private key (-----BEGIN PRIVATE KEY-----)',
  'problem.not-a-domain': '"{value}" is not a domain name; write it like solarmora.com',
  'problem.not-an-address': '"{value}" is not a valid email address; write it as name@domain',
  'problem.not-a-user-name': '"{value}" is not a valid user name (the part before @); correct it',
  'problem.not-a-sender': '"{value}" is neither an address nor @domain; write it like bob@example.com or @example.com',
  'problem.not-an-org-unit-path': '"{value}" is not an org unit path; write it from the top, like /Sales',
  'problem.unknown-org-unit': '"{value}" is not an org unit; add it to orgUnits or use one of: {units}',
  'problem.listed-twice': '"{value}" is listed twice; remove one',
  'problem.address-not-hosted': '"{value}" is not in a hosted domain; add {domain} to domains or correct the address',
  'problem.address-held-twice/user': '"{value}" is already held by user {owner}; an address may belong to one user or group only',
  'problem.address-held-twice/alias': '"{value}" is already held by user {owner} (as an alias); an address may belong to one user or group only',
  'problem.address-held-twice/group': '"{value}" is already held by group {owner}; an address may belong to one user or group only',
  'problem.host-name-twice': 'a host named "{name}" is already defined; give each host its own name',
  'problem.unknown-host': 'no host is named "{name}"; define it under hosts or use one of: {hosts}',
  'problem.unknown-host-none-defined': 'no host is named "{name}"; define it under hosts first',
  'problem.unknown-group': 'no group has the address "{value}"; add it under groups or correct the address',
  'problem.channel-name-twice': 'a channel named "{name}" already exists; give each channel its own name',
  'problem.postmaster-not-an-address': '"{value}" is not an email address; write it as name@domain, or leave postmaster out for a mailbox of its own',
  'problem.postmaster-unheld':
    'no user, alias or group holds {address}, so postmaster mail is kept in a mailbox of its own; add the user, or name an address that exists',
  'problem.retention-log-shorter': 'the email log would be kept {log}, less than the {messages} bodies are kept; make log at least as long as messages',
  'problem.arc-key-not-rsa': 'ARC seals are rsa-sha256 (RFC 8617), and this is not an RSA private key; generate one with openssl genrsa 2048',
  'problem.too-many-rules': '{count} rules is more than the limit of {limit}; merge rules, for example with a pattern match',
  'problem.rule-postmaster-address':
    '"{value}" is a postmaster address: its mail goes to the postmaster before any rule is looked at, so this rule never applies; remove the rule, or set postmaster: to where that mail should go',
  'problem.rule-source-held/user':
    '"{value}" is the address of user {owner}, so this rule acts on a real account\'s mail; remove it there, or keep it if that is what you mean',
  'problem.rule-source-held/alias':
    '"{value}" is an alias of user {owner}, so this rule acts on a real account\'s mail; remove it there, or keep it if that is what you mean',
  'problem.rule-source-held/group':
    '"{value}" is the address of group {owner}, so this rule acts on a real account\'s mail; remove it there, or keep it if that is what you mean',
  'problem.rule-source-held-never-applies/user':
    '"{value}" is the address of user {owner}, so this rule never applies (it acts on non-recognized addresses only); remove the address from the directory, or set recognizedAddresses: true',
  'problem.rule-source-held-never-applies/alias':
    '"{value}" is an alias of user {owner}, so this rule never applies (it acts on non-recognized addresses only); remove the address from the directory, or set recognizedAddresses: true',
  'problem.rule-source-held-never-applies/group':
    '"{value}" is the address of group {owner}, so this rule never applies (it acts on non-recognized addresses only); remove the address from the directory, or set recognizedAddresses: true',
  'problem.rule-source-desk-domain':
    '"{value}" is in the desk\'s domain, whose mail the desk takes before any rule is looked at, so this rule never applies; remove it',
  'problem.rule-source-not-hosted':
    '"{value}" is not in a hosted domain, and mail for other domains is refused before any rule is looked at, so this rule never applies; add {domain} to domains or correct the address',
  'problem.rule-duplicate': 'this rule is the same as rule {index} "{rule}" (only the description differs), so it adds nothing; remove one of them',
  'problem.rule-shadowed-by-reject':
    'rule {index} "{rule}" rejects every address this rule matches, so this rule never applies; remove it, or narrow rule {index}\'s match',
  'problem.pattern-invalid': '"{pattern}" is not a valid regular expression; fix the pattern (it must match the whole address)',
  'problem.pattern-unsupported': '"{pattern}" uses {construct}, which RE2 patterns do not support; rewrite the pattern without it',
  'problem.pattern-open-quote': '"{pattern}" leaves a \\Q quote open; end the quote with \\E',
  'problem.pattern-takes-specific-rules':
    'the pattern {pattern} matches every address of {domain} and comes before more specific rules (rules {rules}); its recipient change is used for their addresses instead of theirs; move this rule after them, or narrow the pattern',
  'problem.pattern-takes-specific-routes':
    'the pattern {pattern} matches every address of {domain} and comes before more specific rules (rules {rules}); its route is used for their addresses instead of theirs; move this rule after them, or narrow the pattern',
  'problem.new-recipient-unheld':
    'the new recipient {address} is in a hosted domain but no user, alias or group holds it, so the mail has nowhere to go; add it to the directory or change the rule',
  'problem.added-recipient-unheld':
    '{address} is in a hosted domain but no user, alias or group holds it, so this copy goes nowhere; add it to the directory or remove it',
  'problem.recipient-changed-twice':
    'rule "{rule}" and rule {earlier} "{earlierRule}" both change the recipient of {example}; only the first one\'s change is used — narrow one of the matches or remove one change',
  'problem.recipient-changed-twice/pattern':
    'rule "{rule}" and rule {earlier} "{earlierRule}" both change the recipient of addresses matching {example}; only the first one\'s change is used — narrow one of the matches or remove one change',
  'problem.recipient-changed-twice/every-address':
    'rule "{rule}" and rule {earlier} "{earlierRule}" both change the recipient of every address; only the first one\'s change is used — narrow one of the matches or remove one change',
  'problem.route-loop':
    'the new recipient {address} is in {domain}, one of your domains, and leaves through host {host}; mail that comes back here is routed on ({path}) to an address this rule takes again: a loop; send it to an address outside your domains, or change the rules on that path',
  'problem.desk-address-unknown':
    "{address} is in the desk's domain, but no channel of this installation has that address, so the desk refuses mail to it (550 5.1.1); copy the channel's address from the channel list",
  'problem.desk-address-retired':
    '{address} is a retired address of channel "{channel}" (it was rotated), so the desk refuses mail to it (550 5.1.1); use its current address {current}',
  'problem.desk-address-retired/no-current':
    '{address} is a retired address of channel "{channel}" (it was rotated), so the desk refuses mail to it (550 5.1.1); use its current address',
  'problem.business-hours-time-zone': '"{value}" is not a time zone; write an IANA zone name such as Asia/Tokyo, Europe/Berlin or UTC',
  'problem.business-hours-range': '"{value}" is not a range of hours; write it like 09:00-18:00 (24-hour clock, the end after the start, 24:00 for midnight)',
  'problem.business-hours-overlap': '"{value}" overlaps another range of {day}; make the ranges of one day apart, or join them into one',
  'problem.business-hours-closed': 'no day has business hours, so no service clock could ever run; give at least one day, like mon: 09:00-18:00',
  'problem.business-hours-holiday': '"{value}" is not a date; write it as YYYY-MM-DD, like 2026-12-31',
  'problem.sla-sales-channel': 'channel "{name}" opens leads, and service targets apply to cases; remove sla here, or make it a support channel',
  'problem.sla-needs-target': 'give firstResponse, resolution or both; or remove sla',
  'problem.template-stray-close': '"}}" at character {at} closes no "{{"; remove it, or open the placeholder with "{{"',
  'problem.template-unclosed': '"{{" at character {at} has no closing "}}"; close it, as in {{case.number}}',
  'problem.template-unknown-placeholder': '"{value}" is not a placeholder here; use one of {options}',
  'problem.template-missing-placeholder': 'neither the subject nor the body has {name}, which the desk recognises the mail by; add {name} to one of them',
  'problem.assignment-agent-invalid': '"{value}" is not an email address; write the console account\'s email, like amy@solarmora.com',
  'problem.assignment-agent-unknown':
    '{value} is not a console account, so no case could be given to it; add it on the Console accounts page, or correct the address',
  'problem.assignment-agent-disabled': '{value} is disabled, so assignment passes over it; enable it on the Console accounts page, or remove it here',
  'problem.assignment-sales-channel': 'channel "{name}" opens leads, and only cases are assigned; remove agents and autoAssign from it',
  'problem.assignment-sales-channel/rule': 'channel "{name}" opens leads, and only cases are assigned; name a support channel',
  'problem.assignment-channel-unknown': 'no desk channel is named "{value}"; use one of: {channels}',
  'problem.assignment-domain-invalid': '"{value}" is not a domain name; write the requester\'s domain, like customer.example',
  'problem.assignment-rule-shadows':
    'rule {rule} has no condition, so it takes every case and the {rest} rule(s) after it never apply; give it a condition or move it last',
  'problem.imap-password-unknown':
    "{value} names no password in this store (it came from another installation or was removed); write the mailbox's password itself instead",
} as const;

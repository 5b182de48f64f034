/**
 * The configuration file as the admin pages edit it (GET/PUT /api/config/document): the
 * same fields as the YAML reference, in its compact form (defaults left out).
 */
import { api } from './client.js';

export interface AddedRecipientDoc {
  address: string;
  doNotDeliverSpam?: boolean;
  suppressBounces?: boolean;
}

export interface RuleDoc {
  description: string;
  enabled?: boolean;
  match: { single?: string; pattern?: string; group?: string; all?: true };
  action?: 'modify' | 'reject' | 'quarantine';
  rejectText?: string;
  modify?: {
    changeEnvelopeRecipient?: { replaceRecipient?: string; replaceUsername?: string; replaceDomain?: string };
    changeRoute?: string;
    bypassSpamFilter?: boolean;
    /** A bare address means the default options (no spam, no bounces). */
    addRecipients?: (string | AddedRecipientDoc)[];
    addXOriginalToHeader?: boolean;
    addSpamHeaders?: boolean;
    customHeaders?: Record<string, string>;
    prependSubject?: string;
    requireTls?: boolean;
    removeAttachments?: boolean;
  };
  recognizedAddresses?: boolean;
}

export interface DirectoryUserDoc {
  address: string;
  orgUnit?: string;
  aliases?: string[];
  status?: 'active' | 'suspended';
}

export interface GroupDoc {
  address: string;
  members?: string[];
}

export interface HostDoc {
  name: string;
  host: string;
  port?: number;
  tls?: 'none' | 'opportunistic' | 'required';
  domains?: string[];
}

export interface ChannelDoc {
  name: string;
  kind: 'support' | 'sales';
  publicAddress?: string;
  autoAcknowledge?: boolean;
}

export interface ConfigDocument {
  domains?: string[];
  orgUnits?: string[];
  users?: DirectoryUserDoc[];
  groups?: GroupDoc[];
  hosts?: HostDoc[];
  defaultRouting?: RuleDoc[];
  desk?: { domain: string; channels?: ChannelDoc[] };
  /** Sections no page edits (smtp, spam, queue, srs, dkim…) pass through untouched. */
  [section: string]: unknown;
}

export interface RuleChange {
  version: number;
  changedAt: string;
  changedBy: string;
  orEarlier: boolean;
}

export interface ConfigDocumentState {
  version: number;
  activeVersion: number;
  document: ConfigDocument;
  ruleChanges: RuleChange[];
}

export interface ConfigProblem {
  /** Such as defaultRouting[2].match.pattern. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  text: string;
}

export interface ConfigCheck {
  ok: boolean;
  version: number;
  changes: string[];
  warnings: ConfigProblem[];
  problems: ConfigProblem[];
}

export interface ConfigSaved {
  version: number;
  previousVersion: number;
  applied: boolean;
  activeVersion: number;
  changes: string[];
  warnings: ConfigProblem[];
}

export const loadConfigDocument = () => api<ConfigDocumentState>('GET', '/config/document');
export const checkConfigDocument = (document: ConfigDocument) => api<ConfigCheck>('POST', '/config/check', { document });
export const saveConfigDocument = (document: ConfigDocument, basedOn: number) => api<ConfigSaved>('PUT', '/config/document', { document, basedOn });

/** The problems at a path or below it: `under(list, 'users[2]')` has users[2].aliases[0] too. */
export function problemsUnder(list: readonly ConfigProblem[], path: string): ConfigProblem[] {
  return list.filter((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
}

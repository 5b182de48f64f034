/**
 * The configuration file as the admin pages edit it (GET/PUT /api/config/document): the
 * same fields as the YAML reference, in its compact form (defaults left out).
 */
import { api, type Answer } from './client.js';

export type ConfigDocumentState = Answer<'get', '/api/config/document'>;
type DescribedDocument = ConfigDocumentState['document'];
/** The file as the pages edit it; defaults are left out. */
export type ConfigDocument = Omit<DescribedDocument, 'defaultRouting'> & { defaultRouting?: RuleDoc[] };
export type RuleChange = ConfigDocumentState['ruleChanges'][number];
export type ConfigCheck = Answer<'post', '/api/config/check'>;
export type ConfigSaved = Answer<'put', '/api/config/document'>;
/** A problem's `path` is such as defaultRouting[2].match.pattern. */
export type ConfigProblem = ConfigCheck['problems'][number];

type Section<K extends keyof DescribedDocument> = NonNullable<DescribedDocument[K]>;
export type DirectoryUserDoc = Section<'users'>[number];
export type GroupDoc = Section<'groups'>[number];
export type HostDoc = Section<'hosts'>[number];
export type ChannelDoc = NonNullable<Section<'desk'>['channels']>[number];
type DescribedRule = Section<'defaultRouting'>[number];
type DescribedModify = NonNullable<DescribedRule['modify']>;
/** An added recipient written out. */
export type AddedRecipientDoc = NonNullable<DescribedModify['addRecipients']>[number];
/**
 * A rule as the file has it. The file also takes a bare address as an added recipient with
 * the default options, a shorthand the schema reads before checking and the description
 * cannot say.
 */
export type RuleDoc = Omit<DescribedRule, 'modify'> & {
  modify?: Omit<DescribedModify, 'addRecipients'> & { addRecipients?: (string | AddedRecipientDoc)[] };
};

export const loadConfigDocument = () => api.get('/api/config/document');
export const checkConfigDocument = (document: ConfigDocument) => api.post('/api/config/check', { body: { document } });
export const saveConfigDocument = (document: ConfigDocument, basedOn: number) => api.put('/api/config/document', { body: { document, basedOn } });

/** The problems at a path or below it: `under(list, 'users[2]')` has users[2].aliases[0] too. */
export function problemsUnder(list: readonly ConfigProblem[], path: string): ConfigProblem[] {
  return list.filter((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
}

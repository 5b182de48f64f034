/** The configuration as YAML text (GET/PUT /api/config), as `relaydesk export` and `apply` see it. */
import { api, type Answer } from '../../api/client.js';

export type ConfigText = Answer<'get', '/api/config'>;
export type ConfigDiff = Answer<'post', '/api/config/diff'>;
export type ConfigApplied = Answer<'put', '/api/config'>;
/** `line` is the line of the YAML text the problem is on, when it has one. */
export type YamlProblem = ConfigDiff['problems'][number];
export type ConfigVersion = Answer<'get', '/api/config/versions'>['items'][number];

export const loadConfigText = () => api.get('/api/config');
export const diffConfigText = (yaml: string) => api.post('/api/config/diff', { body: { yaml } });
export const applyConfigText = (yaml: string, basedOn: number) => api.put('/api/config', { body: { yaml, basedOn } });
export const listConfigVersions = () => api.get('/api/config/versions');

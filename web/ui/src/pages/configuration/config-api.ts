/** The configuration as YAML text (GET/PUT /api/config), as `relaydesk export` and `apply` see it. */
import { api } from '../../api/client.js';

export interface ConfigText {
  version: number;
  yaml: string;
}

export interface YamlProblem {
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** The line of the YAML text the problem is on, when it has one. */
  line?: number;
  text: string;
}

export interface ConfigDiff {
  ok: boolean;
  /** The version the changes are relative to; applying sends it as `basedOn`. */
  version: number;
  changes: string[];
  warnings: YamlProblem[];
  problems: YamlProblem[];
}

export interface ConfigApplied {
  version: number;
  previousVersion: number;
  applied: boolean;
  changes: string[];
  warnings: YamlProblem[];
}

export interface ConfigVersion {
  version: number;
  appliedAt: string;
  appliedBy: string;
  summary: string;
}

export const loadConfigText = () => api<ConfigText>('GET', '/config');
export const diffConfigText = (yaml: string) => api<ConfigDiff>('POST', '/config/diff', { yaml });
export const applyConfigText = (yaml: string, basedOn: number) => api<ConfigApplied>('PUT', '/config', { yaml, basedOn });
export const listConfigVersions = () => api<{ items: ConfigVersion[] }>('GET', '/config/versions');

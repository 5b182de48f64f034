import type { Problem } from '../routing/index.js';

/** One line per problem, compiler style, so editors and people find the place: `relaydesk.yaml:12:5: error: path: message`. */
export function formatProblem(problem: Problem, file?: string): string {
  const where = [file, problem.line, problem.line !== undefined ? problem.column : undefined].filter((x) => x !== undefined).join(':');
  const path = problem.path === '' ? '' : `${problem.path}: `;
  return `${where === '' ? '' : `${where}: `}${problem.severity}: ${path}${problem.message}`;
}

/** One line for a console or a CLI warning, where the file is implied: `warning: path: message (line 12)`. */
export function describeProblem(problem: Problem): string {
  const where = problem.line !== undefined ? ` (line ${problem.line})` : '';
  return `${problem.severity === 'warning' ? 'warning: ' : ''}${problem.path ? `${problem.path}: ` : ''}${problem.message}${where}`;
}

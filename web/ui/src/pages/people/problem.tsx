import { ApiError } from '../../api/client.js';
import { useRefusalText, type Translate } from '../../i18n/i18n.js';

/** What did not happen (ours, translated), then why and what to do (the server's sentence). */
export interface Problem {
  readonly lead: string;
  readonly cause: string;
  readonly details: readonly string[];
  /** The server's refusal, said from the dictionary when its reason has an entry. */
  readonly refusal?: ApiError;
}

export function problemOf(t: Translate, lead: string, e: unknown): Problem {
  if (e instanceof ApiError && e.status !== 0) return { lead, cause: e.message, details: e.details, refusal: e };
  return { lead, cause: t('app.error.network'), details: [] };
}

/** The server's first detail is in its sentence already; the rest are listed. */
export function ProblemNote({ problem, id }: { problem: Problem; id?: string }) {
  const say = useRefusalText();
  const more = problem.details.slice(1);
  return (
    <div role="alert" className="people-problem" id={id} data-testid="people-problem">
      <p>
        <strong>{problem.lead}</strong> {problem.refusal ? say(problem.refusal) : problem.cause}
      </p>
      {more.length > 0 && (
        <ul className="problem-list">
          {more.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * An explanation of one recipient (GET/POST /api/routing/explain) in the console's own words:
 * every rule in order, applied or why not, then the plan. The server's sentences are for the
 * CLI; here each `outcome` kind has its words in each language, and only data (addresses,
 * patterns, descriptions, SMTP replies) is shown as given.
 */
import type { Answer } from '../api/client.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n, type Translate } from '../i18n/i18n.js';

export type Explanation = Answer<'get', '/api/routing/explain'>;
type RuleLine = Explanation['rules'][number];
type Target = Extract<Explanation['decision'], { kind: 'accept' }>['targets'][number];

const BEFORE: Record<NonNullable<Explanation['before']>, MessageKey> = {
  postmaster: 'routing.explain.before.postmaster',
  desk: 'routing.explain.before.desk',
  'not-hosted': 'routing.explain.before.notHosted',
};
const NO_MATCH: Record<RuleLine['matchOn']['kind'], MessageKey> = {
  single: 'routing.explain.noMatch.single',
  pattern: 'routing.explain.noMatch.pattern',
  group: 'routing.explain.noMatch.group',
  all: 'routing.explain.noMatch.all',
};
const SPAM: Record<Target['spam'], MessageKey> = {
  held: 'routing.explain.spam.held',
  flagged: 'routing.explain.spam.flagged',
  quarantined: 'routing.explain.spam.quarantined',
};

export function outcomeText(t: Translate, x: Explanation, r: RuleLine): string {
  const o = r.outcome;
  const other = (by: number) => ({ n: by + 1, rule: x.rules.find((e) => e.index === by)?.description ?? '' });
  switch (o.kind) {
    case 'applied':
      return t(
        r.action === 'reject' ? 'routing.explain.appliedReject' : r.action === 'quarantine' ? 'routing.explain.appliedQuarantine' : 'routing.explain.applied',
      );
    case 'overridden':
      return t('routing.explain.overridden', { ...other(o.by), option: t(`routing.explain.option.${o.option}`) });
    case 'rejected':
      return t('routing.explain.rejected', { ...other(o.by), address: x.recipient });
    case 'disabled':
      return t('routing.explain.disabled');
    case 'no-match':
      return t(NO_MATCH[r.matchOn.kind], { address: x.recipient, value: r.matchOn.value ?? '' });
    case 'recognized':
      return t('routing.explain.recognizedOnly', { address: x.recipient });
  }
}

function targetText(t: Translate, target: Target): string {
  const values = { recipient: target.recipient, route: target.route ?? '' };
  const how =
    target.transport === 'mailbox'
      ? t('routing.explain.target.mailbox', values)
      : target.transport === 'desk'
        ? t('routing.explain.target.desk', values)
        : target.route !== null
          ? t('routing.explain.target.smtpRoute', values)
          : t('routing.explain.target.smtp', values);
  return `${how}${target.role === 'added' ? ` ${t('routing.explain.target.added')}` : ''} — ${t(SPAM[target.spam])}`;
}

export function ExplanationView({ x, headingLevel = 3 }: { x: Explanation; headingLevel?: 3 | 4 }) {
  const { t } = useI18n();
  const H = headingLevel === 3 ? 'h3' : 'h4';
  const d = x.decision;
  return (
    <div className="explanation" data-testid="explanation">
      <p>{x.recognized ? t('routing.explain.recognized', { address: x.recipient }) : t('routing.explain.notRecognized', { address: x.recipient })}</p>
      {x.before !== null ? (
        <p>{t(BEFORE[x.before])}</p>
      ) : x.rules.length === 0 ? (
        <p>{t('routing.explain.noRules')}</p>
      ) : (
        <>
          <H>{t('routing.explain.rules')}</H>
          <ol className="explain-rules">
            {x.rules.map((r) => (
              <li key={r.index} data-outcome={r.outcome.kind} className={r.outcome.kind === 'applied' ? 'ok' : 'muted'}>
                <strong>{t('routing.explain.ruleName', { n: r.index + 1, description: r.description })}</strong> {outcomeText(t, x, r)}
              </li>
            ))}
          </ol>
        </>
      )}
      <H>{t('routing.explain.plan')}</H>
      {d.kind === 'reject' ? (
        <p className="error" data-testid="explain-plan">
          {t('routing.explain.planReject')}
          <code>{d.reply}</code>
        </p>
      ) : (
        <div data-testid="explain-plan">
          <p>
            {d.quarantine ? t('routing.explain.planQuarantine') : t('routing.explain.planAccept')} {d.requireTls && t('routing.explain.planTls')}
          </p>
          <ul>
            {d.targets.map((target, i) => (
              <li key={i}>{targetText(t, target)}</li>
            ))}
          </ul>
        </div>
      )}
      {x.sender && (
        <p>
          {t(
            x.sender.list === 'deny'
              ? 'routing.explain.sender.deny'
              : x.sender.list === 'allow'
                ? 'routing.explain.sender.allow'
                : 'routing.explain.sender.none',
            { address: x.sender.address },
          )}
        </p>
      )}
    </div>
  );
}

import { useId, useMemo, useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import { canConvert } from '../api/lead-moves.js';
import { OPPORTUNITY_STAGES, type Conversion, type LeadAfterAction, type LeadSummary, type OpportunityStage } from '../api/shapes.js';
import { useI18n } from '../i18n/i18n.js';

/** The amount as typed, or null when it is not a number the server takes (finite, at least 0). */
function parseAmount(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function ConvertForm({ lead, onDone, onError }: { lead: LeadSummary; onDone(next: LeadAfterAction): void; onError(e: unknown): void }) {
  const { t } = useI18n();
  const id = useId();
  const [amount, setAmount] = useState('');
  const [stage, setStage] = useState<OpportunityStage>('prospecting');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!canConvert(lead.status)) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = parseAmount(amount);
    setInvalid(value === null);
    if (value === null) return;
    setBusy(true);
    try {
      onDone(await api.post('/api/leads/{id}/convert', { params: { id: lead.id }, body: value === undefined ? { stage } : { amount: value, stage } }));
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="lead-panel">
      <h2 id={`${id}-title`}>{t('leads.convert.title')}</h2>
      <p>{t('leads.convert.intro')}</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor={`${id}-amount`}>{t('leads.convert.amount')}</label>
        <input
          id={`${id}-amount`}
          inputMode="decimal"
          value={amount}
          aria-invalid={invalid}
          aria-describedby={invalid ? `${id}-amount-error` : undefined}
          onChange={(e) => setAmount(e.target.value)}
        />
        {invalid && (
          <p id={`${id}-amount-error`} className="error" role="alert">
            {t('leads.convert.badAmount')}
          </p>
        )}
        <label htmlFor={`${id}-stage`}>{t('leads.convert.stage')}</label>
        <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as OpportunityStage)}>
          {OPPORTUNITY_STAGES.map((s) => (
            <option key={s} value={s}>
              {t(`leads.stage.${s}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('leads.convert.busy') : t('leads.convert.submit')}
        </button>
      </form>
    </section>
  );
}

function isStage(s: string): s is OpportunityStage {
  return (OPPORTUNITY_STAGES as readonly string[]).includes(s);
}

export function ConversionFacts({ conversion: c }: { conversion: Conversion }) {
  const { t, lang } = useI18n();
  const id = useId();
  const numbers = useMemo(() => new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { maximumFractionDigits: 2 }), [lang]);
  const account = c.account.domain ? `${c.account.name} (${c.account.domain})` : c.account.name;
  return (
    <section aria-labelledby={`${id}-title`} className="lead-panel lead-conversion" data-testid="lead-conversion">
      <h2 id={`${id}-title`}>{t('leads.conversion.title')}</h2>
      <dl>
        <dt>{t('leads.conversion.contact')}</dt>
        <dd data-testid="conversion-contact">
          #{c.contact.id} {c.contact.name} &lt;{c.contact.email}&gt;
        </dd>
        <dt>{t('leads.conversion.account')}</dt>
        <dd data-testid="conversion-account">
          #{c.account.id} {account}
        </dd>
        <dt>{t('leads.conversion.opportunity')}</dt>
        <dd data-testid="conversion-opportunity">
          #{c.opportunity.id} {c.opportunity.name}
        </dd>
        <dt>{t('leads.conversion.amount')}</dt>
        <dd data-testid="conversion-amount">{c.opportunity.amount === null ? t('leads.conversion.noAmount') : numbers.format(c.opportunity.amount)}</dd>
        <dt>{t('leads.conversion.stage')}</dt>
        <dd>{isStage(c.opportunity.stage) ? t(`leads.stage.${c.opportunity.stage}`) : c.opportunity.stage}</dd>
      </dl>
    </section>
  );
}

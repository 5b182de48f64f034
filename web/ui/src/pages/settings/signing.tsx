/**
 * SRS, DKIM and ARC: the settings that hold secrets. Neither the SRS secret nor a private key in
 * force is ever put on the page; the fields only take new ones, and a blank field keeps the
 * stored value.
 */
import { useState } from 'react';
import { problemsUnder } from '../../api/config-document.js';
import { FieldProblems } from '../../components/config-editor.js';
import { useI18n } from '../../i18n/i18n.js';
import { TextField } from '../../components/entry-editing.js';
import type { SectionProps } from './fields.js';
import {
  arcKeyOf,
  dkimKeysOf,
  sectionOf,
  textOrDefault,
  withArcKey,
  withDkimKeys,
  withSetting,
  type ArcKeyDoc,
  type DkimKeyDoc,
  type SrsDoc,
} from './settings-doc.js';

export function SrsSection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const [reveal, setReveal] = useState(false);
  const saved = editor.loaded?.document ?? {};
  const enabled = draft.srs !== undefined && draft.srs !== null;
  const srs = sectionOf<SrsDoc>(draft, 'srs');
  const storedSecret = sectionOf<SrsDoc>(saved, 'srs').secret;
  // Derived from the draft, so the field is blank again after a save or a discard.
  const newSecret = srs.secret !== storedSecret ? (srs.secret ?? '') : '';
  const toggle = (on: boolean) => editor.update((d) => withSetting(d, ['srs'], on ? (saved.srs ?? {}) : undefined));
  const setSecret = (v: string) => editor.update((d) => withSetting(d, ['srs', 'secret'], v === '' ? storedSecret : v, ['srs']));
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.srs')}</legend>
      <p className="field-hint">{t('settings.srs.hint')}</p>
      <p>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => toggle(e.target.checked)} /> {t('settings.srs.enable')}
        </label>
      </p>
      {enabled && (
        <div className="form-grid">
          <TextField
            id="srs-domain"
            label={t('settings.srs.domain')}
            hint={t('settings.srs.domain.hint')}
            placeholder="solarmora.com"
            value={srs.domain ?? ''}
            problems={problemsUnder(all, 'srs.domain')}
            onChange={(v) => editor.update((d) => withSetting(d, ['srs', 'domain'], textOrDefault(v), ['srs']))}
          />
          <TextField
            id="srs-secret"
            type={reveal ? 'text' : 'password'}
            label={t('settings.srs.secret')}
            hint={storedSecret ? t('settings.srs.secret.stored') : t('settings.srs.secret.none')}
            value={newSecret}
            problems={problemsUnder(all, 'srs.secret')}
            onChange={setSecret}
          />
          <span />
          <label className="checkbox">
            <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.target.checked)} /> {t('settings.srs.secret.show')}
          </label>
        </div>
      )}
    </fieldset>
  );
}

const sameKey = (a: DkimKeyDoc, b: DkimKeyDoc) => a.domain.toLowerCase() === b.domain.toLowerCase() && a.selector === b.selector;

export function DkimSection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const keys = dkimKeysOf(draft);
  const stored = dkimKeysOf(editor.loaded?.document ?? {});
  const setKeys = (next: DkimKeyDoc[]) => editor.update((d) => withDkimKeys(d, next));
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.dkim')}</legend>
      <p className="field-hint">{t('settings.dkim.hint')}</p>
      {keys.length === 0 ? (
        <p className="empty">{t('settings.dkim.empty')}</p>
      ) : (
        <ul className="dkim-keys">
          {keys.map((k, i) => (
            <DkimRow
              key={`${k.domain}/${k.selector}/${i}`}
              entry={k}
              index={i}
              stored={stored.find((s) => sameKey(s, k))}
              problems={problemsUnder(all, `dkim[${i}]`)}
              onChange={(entry) => setKeys(keys.map((x, j) => (j === i ? entry : x)))}
              onDelete={() => setKeys(keys.filter((_, j) => j !== i))}
            />
          ))}
        </ul>
      )}
      <FieldProblems id="dkim-problems" problems={all.filter((p) => p.path === 'dkim')} />
      <AddDkimKey onAdd={(entry) => setKeys([...keys, entry])} />
    </fieldset>
  );
}

/** The one key that seals forwarded mail (ARC), kept like a DKIM key; without it, a DKIM key seals. */
export function ArcSection({ editor, draft, all }: SectionProps) {
  const { t } = useI18n();
  const key = arcKeyOf(draft);
  const saved = arcKeyOf(editor.loaded?.document ?? {});
  const setKey = (next: ArcKeyDoc | undefined) => editor.update((d) => withArcKey(d, next));
  return (
    <fieldset className="settings-section">
      <legend>{t('settings.arc')}</legend>
      <p className="field-hint">{t('settings.arc.hint')}</p>
      {key ? (
        <ul className="dkim-keys">
          <DkimRow
            kind="arc"
            entry={key}
            index={0}
            stored={saved && sameKey(saved, key) ? saved : undefined}
            problems={problemsUnder(all, 'arc')}
            onChange={setKey}
            onDelete={() => setKey(undefined)}
          />
        </ul>
      ) : (
        <>
          <p className="empty">{t('settings.arc.default')}</p>
          <AddDkimKey kind="arc" title={t('settings.arc.add.title')} button={t('settings.arc.add')} onAdd={setKey} />
        </>
      )}
    </fieldset>
  );
}

function DkimRow(props: {
  /** Which setting the row edits: an entry of dkim, or arc; names its ids and its data attribute. */
  kind?: 'dkim' | 'arc';
  entry: DkimKeyDoc;
  index: number;
  stored: DkimKeyDoc | undefined;
  problems: ReturnType<typeof problemsUnder>;
  onChange(e: DkimKeyDoc): void;
  onDelete(): void;
}) {
  const { t } = useI18n();
  const { entry, stored } = props;
  const [replacing, setReplacing] = useState(false);
  const replaced = !stored || stored.privateKey !== entry.privateKey;
  const name = `${entry.domain} (${entry.selector})`;
  const kind = props.kind ?? 'dkim';
  const id = `${kind}-${props.index}`;
  const status = !stored ? t('settings.dkim.new') : replaced ? t('settings.dkim.replaced') : t('settings.dkim.stored');
  return (
    <li {...{ [`data-${kind}`]: `${entry.domain}/${entry.selector}` }}>
      <div className="dkim-row">
        <strong>{entry.domain}</strong>
        <span>
          {t('settings.dkim.selector')} <code>{entry.selector}</code>
        </span>
        <span className="badge">{status}</span>
        {stored && (
          <button type="button" aria-expanded={replacing} aria-label={t('settings.dkim.replaceLabel', { name })} onClick={() => setReplacing(!replacing)}>
            {t('settings.dkim.replace')}
          </button>
        )}
        <button type="button" aria-label={t('settings.dkim.deleteLabel', { name })} onClick={props.onDelete}>
          {t('settings.dkim.delete')}
        </button>
      </div>
      {stored && replacing && (
        <div className="dkim-replace">
          <label htmlFor={`${id}-key`}>{t('settings.dkim.newKey')}</label>
          <textarea
            id={`${id}-key`}
            className="pem-input"
            rows={6}
            spellCheck={false}
            placeholder="-----BEGIN PRIVATE KEY-----"
            value={replaced ? entry.privateKey : ''}
            onChange={(e) => props.onChange({ ...entry, privateKey: e.target.value.trim() === '' ? stored.privateKey : e.target.value })}
          />
          <p className="field-hint">{t('settings.dkim.replace.hint')}</p>
        </div>
      )}
      <FieldProblems id={`${id}-problems`} problems={props.problems} />
    </li>
  );
}

const BLANK = { domain: '', selector: '', privateKey: '' };

function AddDkimKey({ onAdd, kind = 'dkim', title, button }: { onAdd(entry: DkimKeyDoc): void; kind?: 'dkim' | 'arc'; title?: string; button?: string }) {
  const { t } = useI18n();
  const [entry, setEntry] = useState<DkimKeyDoc>(BLANK);
  const complete = entry.domain.trim() !== '' && entry.selector.trim() !== '' && entry.privateKey.trim() !== '';
  const set = (patch: Partial<DkimKeyDoc>) => setEntry({ ...entry, ...patch });
  return (
    <fieldset className="list-editor">
      <legend>{title ?? t('settings.dkim.add.title')}</legend>
      <div className="form-grid">
        <TextField
          id={`${kind}-new-domain`}
          label={t('settings.dkim.domain')}
          placeholder="solarmora.com"
          value={entry.domain}
          problems={[]}
          onChange={(v) => set({ domain: v })}
        />
        <TextField
          id={`${kind}-new-selector`}
          label={t('settings.dkim.selector')}
          placeholder="2025a"
          value={entry.selector}
          problems={[]}
          onChange={(v) => set({ selector: v })}
        />
        <label htmlFor={`${kind}-new-key`}>{t('settings.dkim.privateKey')}</label>
        <textarea
          id={`${kind}-new-key`}
          className="pem-input"
          rows={6}
          spellCheck={false}
          placeholder="-----BEGIN PRIVATE KEY-----"
          value={entry.privateKey}
          onChange={(e) => set({ privateKey: e.target.value })}
        />
      </div>
      <p>
        <button
          type="button"
          disabled={!complete}
          onClick={() => {
            onAdd({ domain: entry.domain.trim(), selector: entry.selector.trim(), privateKey: entry.privateKey.trim() + '\n' });
            setEntry(BLANK);
          }}
        >
          {button ?? t('settings.dkim.add')}
        </button>
      </p>
      {!complete && <p className="field-hint">{t('settings.dkim.add.hint')}</p>}
    </fieldset>
  );
}

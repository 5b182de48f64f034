import { describe, expect, it } from 'vitest';
import { en, EN_PARTS } from '../../web/ui/src/i18n/en.js';
import { ja } from '../../web/ui/src/i18n/ja.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console dictionaries', () => {
  it('have the same keys in English and Japanese', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
  });

  it.each([
    ['en', en as Record<string, string>],
    ['ja', ja as Record<string, string>],
  ])('%s has no empty value', (_lang, dict) => {
    expect(
      Object.entries(dict)
        .filter(([, v]) => v.trim() === '')
        .map(([k]) => k),
    ).toEqual([]);
  });

  it('define each key in one part only (a later part would silently replace an earlier one)', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [part, dict] of Object.entries(EN_PARTS)) {
      for (const key of Object.keys(dict)) {
        if (seen.has(key)) twice.push(`${key} (${seen.get(key)} and ${part})`);
        seen.set(key, part);
      }
    }
    expect(twice).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const differ = Object.keys(en).filter((k) => placeholders(en[k as keyof typeof en]).join() !== placeholders(ja[k as keyof typeof en]).join());
    expect(differ).toEqual([]);
  });

  it('translate the console into Japanese rather than copy the English', () => {
    // Names and bare placeholders read the same in both languages.
    const allowed = new Set(['app.name', 'lang.en', 'lang.ja']);
    const same = Object.keys(en).filter((k) => !allowed.has(k) && en[k as keyof typeof en] === ja[k as keyof typeof en]);
    expect(same).toEqual([]);
  });
});

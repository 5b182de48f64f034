import { describe, expect, it } from 'vitest';
import {
  arcKeyOf,
  listOrDefault,
  numberOrDefault,
  textOrDefault,
  withArcKey,
  withDkimKeys,
  withSetting,
} from '../../web/ui/src/pages/settings/settings-doc.js';

describe('the settings page writing the configuration document', () => {
  const doc = { domains: ['solarmora.com'], smtp: { maxRecipients: 50 }, desk: { domain: 'case.example' }, srs: {} };

  it('removes a key set back to blank, and a section left empty, instead of writing defaults', () => {
    const next = withSetting(doc, ['smtp', 'maxRecipients'], numberOrDefault(' '));
    expect(next).toEqual({ domains: ['solarmora.com'], desk: { domain: 'case.example' }, srs: {} });
    expect(withSetting(doc, ['queue', 'retry', 'firstRetry'], textOrDefault(''))).toEqual(doc);
  });

  it('keeps an empty srs section, which turns SRS on', () => {
    const on = withSetting(doc, ['srs', 'domain'], 'solarmora.com', ['srs']);
    expect(withSetting(on, ['srs', 'domain'], undefined, ['srs'])).toEqual(doc);
  });

  it('leaves every other section and the key order as they were', () => {
    const next = withSetting(doc, ['smtp', 'maxRecipients'], 50);
    expect(JSON.stringify(next)).toBe(JSON.stringify(doc));
    expect(next.desk).toBe(doc.desk);
  });

  it('writes a list such as the connection-limit exceptions only when it is not empty, its default', () => {
    expect(listOrDefault([])).toBeUndefined();
    expect(listOrDefault(['127.0.0.0/8', '::1'])).toEqual(['127.0.0.0/8', '::1']);
  });

  it('drops the dkim list when its last key is deleted', () => {
    expect(withDkimKeys({ dkim: [{ domain: 'a.example', selector: 's', privateKey: 'k' }] }, [])).toEqual({});
  });

  it('sets the ARC key and removes arc altogether when it is deleted, so a DKIM key seals again', () => {
    const key = { domain: 'solarmora.com', selector: 'arc1', privateKey: 'k' };
    const set = withArcKey(doc, key);
    expect(arcKeyOf(set)).toEqual(key);
    expect(withArcKey(set, undefined)).toEqual(doc);
    expect(arcKeyOf(doc)).toBeUndefined();
  });

  it('passes a number field typed as something else to the check as it is', () => {
    expect(numberOrDefault('50')).toBe(50);
    expect(numberOrDefault('lots')).toBe('lots');
  });
});

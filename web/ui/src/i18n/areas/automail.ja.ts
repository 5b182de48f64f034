import type { automailEn } from './automail.en.js';

/** automail の日本語。キーは automail.en.ts と同じ。 */
export const automailJa: Record<keyof typeof automailEn, string> = {
  'automail.title': '自動送信メール',
  'automail.intro':
    'このチャネルが自動で送るメールです。チャネルの言語で書かれます。変更しない項目は既定の文面のまま送られ、二重の波かっこで囲んだ差し込み項目はメールごとに置き換えられます。',
  'automail.language': '自動送信メールの言語',
  'automail.language.en': '英語',
  'automail.language.ja': '日本語',
  'automail.kind.acknowledgement': '新しいケースの受付通知',
  'automail.kind.forwardingCheck': '転送確認メール',
  'automail.subject': '件名',
  'automail.body': '本文',
  'automail.own': '独自の文面',
  'automail.default': '既定の文面',
  'automail.reset': '既定の文面に戻す',
  'automail.tokenNote': '件名の先頭には常にケース番号 [#N] が付きます。返信はこの番号でケースにまとめられます。',
  'automail.placeholders': '差し込み項目',
  'automail.sample': '例：{value}',
  'automail.preview': 'プレビュー',
  'automail.previewHint': '受信者に届く内容を、サンプルの値で表示しています。メールは送信されません。',
  'automail.from': '差出人',
  'automail.to': '宛先',
  'automail.problems': 'プレビューを表示するには、テンプレートを修正してください：',
};

import type { mailEn } from './mail.en.js';

/** スレッド内のメッセージ（宛先・元のヘッダー・添付ファイル名）の日本語。キーは mail.en.ts と同じ。 */
export const mailJa: Record<keyof typeof mailEn, string> = {
  'mail.cc': 'CC: {cc}',
  'mail.headers.show': '元のヘッダーを表示',
  'mail.headers.hide': '元のヘッダーを隠す',
  'mail.headers.label': '{from} からのメッセージの元のヘッダー',
  'mail.headers.truncated': 'ヘッダーが 64 KiB を超えているため、先頭部分のみを表示しています。',
  'mail.attachment.sentAs': '送信時のファイル名: {name}',
};

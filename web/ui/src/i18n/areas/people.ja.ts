import type { peopleEn } from './people.en.js';

/** people の日本語。キーは people.en.ts と同じ。 */
export const peopleJa: Record<keyof typeof peopleEn, string> = {
  'people.title': 'コンソールのアカウント',
  'people.intro':
    'このコンソールにログインする人たちです。管理者はすべてを、エージェントはデスクだけを見られます。メールを受け取るディレクトリのユーザーとは別の、アカウントです。',
  'people.tableCaption': 'コンソールのアカウントと、その役割・状態・最終ログイン',

  'people.col.email': 'メールアドレス',
  'people.col.role': '役割',
  'people.col.status': '状態',
  'people.col.lastLogin': '最終ログイン',
  'people.col.created': '作成日時',
  'people.col.actions': '操作',
  'people.you': 'あなた',
  'people.status.enabled': '有効',
  'people.status.disabled': '無効',
  'people.never': 'なし',

  'people.makeAdmin': '管理者にする',
  'people.makeAdminLabel': '{email} を管理者にする',
  'people.makeAgent': 'エージェントにする',
  'people.makeAgentLabel': '{email} をエージェントにする',
  'people.disable': '無効にする',
  'people.disableLabel': '{email} を無効にする',
  'people.enable': '有効にする',
  'people.enableLabel': '{email} を有効にする',
  'people.resetPassword': 'パスワードを再設定',
  'people.resetPasswordLabel': '{email} のパスワードを再設定',
  'people.ownPassword': '自分のパスワードを変更',
  'people.delete': '削除',
  'people.deleteLabel': '{email} を削除',

  'people.confirmReset':
    '{email} のパスワードを再設定しますか？新しいパスワードが生成され、今のパスワードは使えなくなり、{email} はすべての場所からログアウトされます。',
  'people.confirmDelete': '{email} を削除しますか？ログインできなくなり、開いているセッションは終了します。',
  'people.confirmSelfDemote': '自分をエージェントにしますか？保存した時点で管理ページが使えなくなります。',
  'people.confirmSelfDisable': '自分のアカウントを無効にしますか？すぐにログアウトされ、ほかの管理者が有効にするまでログインできません。',
  'people.confirmSelfDelete': '自分のアカウントを削除しますか？すぐにログアウトされます。',

  'people.done.role': '{email} の役割を「{role}」にしました。',
  'people.done.disabled': '{email} を無効にしました。セッションは終了しました。',
  'people.done.enabled': '{email} は再びログインできます。',
  'people.done.deleted': '{email} を削除しました。',
  'people.done.reset': '{email} のパスワードを再設定しました。セッションは終了しました。',
  'people.done.added': '{email} を「{role}」として追加しました。',

  'people.failed.role': '{email} の役割は変更されませんでした。',
  'people.failed.status': '{email} の状態は変更されませんでした。',
  'people.failed.reset': '{email} のパスワードは再設定されませんでした。',
  'people.failed.delete': '{email} は削除されませんでした。',
  'people.failed.add': 'アカウントは追加されませんでした。',

  'people.secret.newTitle': '{email} の新しいパスワード',
  'people.secret.initialTitle': '{email} の初期パスワード',
  'people.secret.note':
    '今すぐコピーして、安全な方法で本人に伝えてください。このパスワードは二度と表示されません。本人はログイン後に「アカウント」ページで変更できます。',
  'people.secret.copy': 'コピー',
  'people.secret.copyLabel': '{email} のパスワードをコピー',
  'people.secret.copied': 'クリップボードにコピーしました。',
  'people.secret.copyFailed': 'コピーできませんでした。パスワードを選択して手動でコピーしてください。',
  'people.secret.dismiss': '保存しました',

  'people.add.title': 'アカウントを追加',
  'people.add.email': 'メールアドレス',
  'people.add.role': '役割',
  'people.add.password': 'パスワード',
  'people.add.generate': 'パスワードを生成する（一度だけ表示）',
  'people.add.choose': 'パスワードを指定する',
  'people.add.newPassword': '本人のパスワード',
  'people.add.hint': '10 文字以上。',
  'people.add.submit': 'アカウントを追加',
  'people.add.submitting': '追加しています…',

  'actor.console': '{name}（コンソール）',
  'actor.apiToken': '{name}（API トークン）',
  'actor.cli': 'コマンドライン',
  'actor.cliNamed': '{name}（コマンドライン）',
  'actor.system': 'Relaydesk（自動処理）',
  'actor.acknowledgement': '自動受付通知',
};

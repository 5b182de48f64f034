import type { problemsEn } from './problems.en.js';

/** 設定の問題の日本語。キーは problems.en.ts と同じ。値（アドレス・ドメイン・パターンなど）はそのまま表示します。 */
export const problemsJa: Record<keyof typeof problemsEn, string> = {
  'problem.yaml-syntax': 'この位置で YAML の構文が崩れています（{detail}）。ファイルのその箇所を直してください。',
  'problem.yaml-too-many-aliases': 'エイリアス（*name）が多すぎます。数を減らしてください。',
  'problem.empty-file': 'ファイルが空（またはコメントのみ）です。適用すると設定がすべて削除されます。それが意図どおりなら `{}` と書いてください。',
  'problem.required': 'この項目は必須です。入力してください。',
  'problem.not-a-mapping-file': 'ファイルは設定のマッピング（domains:、users:、defaultRouting: など）である必要があります。README の例から始めてください。',
  'problem.wrong-type/array': 'リストが必要ですが、{found} が指定されています。値を直してください。',
  'problem.wrong-type/object': 'マッピングが必要ですが、{found} が指定されています。値を直してください。',
  'problem.wrong-type/string': '文字列が必要ですが、{found} が指定されています。値を直してください。',
  'problem.wrong-type/number': '数値が必要ですが、{found} が指定されています。値を直してください。',
  'problem.wrong-type/boolean': 'true か false が必要ですが、{found} が指定されています。値を直してください。',
  'problem.wrong-type/other': '値 {found} の型が正しくありません。値を直してください。',
  'problem.not-allowed': '「{value}」は使えません。次のいずれかを使ってください: {options}',
  'problem.invalid-key': 'このキーは正しくありません。名前を変えてください。',
  'problem.invalid-union': '「{value}」はここでは使えません。値を直してください。',
  'problem.empty': '空にはできません。入力してください。',
  'problem.too-few': '{minimum} 件以上必要です。追加してください。',
  'problem.too-small': '{minimum} 以上にしてください。',
  'problem.too-long': '最大 {maximum} までです。短くしてください。',
  'problem.too-big': '{maximum} 以下にしてください。',
  'problem.not-a-url': '「{value}」は正しい URL ではありません。直してください。',
  'problem.invalid-format': '「{value}」はこの項目の書式に合っていません。直してください。',
  'problem.invalid': 'この値は正しくありません。直してください。',
  'problem.unknown-field': '不明な項目「{key}」です。削除してください（ここで使える項目: {fields}）。',
  'problem.unknown-field-did-you-mean': '不明な項目「{key}」です。「{guess}」のことですか？',
  'problem.unknown-field-none': '不明な項目「{key}」です。削除してください。',
  'problem.line-breaks': '1 行で書いてください。改行を削除してください。',
  'problem.not-a-size': '「{value}」はサイズではありません。35MB、512KB、またはバイト数で書いてください。',
  'problem.not-a-duration': '「{value}」は期間ではありません。90s、1m、1h30m、5d のように書いてください。',
  'problem.give-one-of': '{options} のいずれか 1 つを指定してください。',
  'problem.give-only-one-of': '{options} のうち 1 つだけを指定してください（{found} が指定されています）。ほかは削除してください。',
  'problem.limit-domain-twice': '{domain} が outbound.limits に 2 回あります。1 つだけ残してください。',
  'problem.rspamd-needs-url': 'rspamd エンジンには spam.rspamd.url（rspamd の通常ワーカー。例: http://127.0.0.1:11333）が必要です。',
  'problem.rspamd-ignores-list': '{list} は組み込みエンジン用のリストで、rspamd は読みません。rspamd 側に移し、ここからは削除してください。',
  'problem.not-a-pem-key': 'PEM 形式の秘密鍵（-----BEGIN PRIVATE KEY-----）を指定してください。',
  'problem.not-a-domain': '「{value}」はドメイン名ではありません。solarmora.com のように書いてください。',
  'problem.not-an-address': '「{value}」は正しいメールアドレスではありません。name@domain の形で書いてください。',
  'problem.not-a-user-name': '「{value}」は正しいユーザー名（@ より前の部分）ではありません。直してください。',
  'problem.not-a-sender': '「{value}」はアドレスでも @ドメイン でもありません。bob@example.com または @example.com のように書いてください。',
  'problem.not-an-org-unit-path': '「{value}」は組織部門のパスではありません。/Sales のように最上位から書いてください。',
  'problem.unknown-org-unit': '「{value}」という組織部門はありません。orgUnits に追加するか、次のいずれかを使ってください: {units}',
  'problem.listed-twice': '「{value}」が 2 回記載されています。1 つを削除してください。',
  'problem.address-not-hosted': '「{value}」は管理対象のドメインにありません。{domain} をドメインに追加するか、アドレスを直してください。',
  'problem.address-held-twice/user': '「{value}」はすでにユーザー {owner} のアドレスです。1 つのアドレスを持てるのは 1 人のユーザーか 1 つのグループだけです。',
  'problem.address-held-twice/alias':
    '「{value}」はすでにユーザー {owner} のエイリアスです。1 つのアドレスを持てるのは 1 人のユーザーか 1 つのグループだけです。',
  'problem.address-held-twice/group':
    '「{value}」はすでにグループ {owner} のアドレスです。1 つのアドレスを持てるのは 1 人のユーザーか 1 つのグループだけです。',
  'problem.host-name-twice': '「{name}」という名前のホストはすでにあります。ホストごとに別の名前を付けてください。',
  'problem.unknown-host': '「{name}」という名前のホストはありません。hosts で定義するか、次のいずれかを使ってください: {hosts}',
  'problem.unknown-host-none-defined': '「{name}」という名前のホストはありません。先に hosts で定義してください。',
  'problem.unknown-group': '「{value}」というアドレスのグループはありません。groups に追加するか、アドレスを直してください。',
  'problem.channel-name-twice': '「{name}」という名前のチャネルはすでにあります。チャネルごとに別の名前を付けてください。',
  'problem.postmaster-not-an-address':
    '「{value}」はメールアドレスではありません。name@domain の形で書くか、専用のメールボックスを使う場合は postmaster を省いてください。',
  'problem.postmaster-unheld':
    '{address} を持つユーザー・エイリアス・グループがないため、postmaster 宛てのメールは専用のメールボックスに保管されます。ユーザーを追加するか、存在するアドレスを指定してください。',
  'problem.retention-log-shorter': 'メールログの保存期間 {log} が本文の保存期間 {messages} より短くなっています。log を messages 以上にしてください。',
  'problem.arc-key-not-rsa': 'ARC の封印は rsa-sha256（RFC 8617）ですが、これは RSA の秘密鍵ではありません。openssl genrsa 2048 で作成してください。',
  'problem.too-many-rules': 'ルールが {count} 件あり、上限の {limit} 件を超えています。パターン一致などでルールをまとめてください。',
  'problem.rule-postmaster-address':
    '「{value}」は postmaster のアドレスです。このアドレス宛てのメールはルールより先に postmaster に届くため、このルールは適用されません。ルールを削除するか、postmaster: に届け先を指定してください。',
  'problem.rule-source-held/user':
    '「{value}」はユーザー {owner} のアドレスなので、このルールは実在するアカウントのメールに作用します。意図どおりでなければ、そちらからアドレスを外してください。',
  'problem.rule-source-held/alias':
    '「{value}」はユーザー {owner} のエイリアスなので、このルールは実在するアカウントのメールに作用します。意図どおりでなければ、そちらからアドレスを外してください。',
  'problem.rule-source-held/group':
    '「{value}」はグループ {owner} のアドレスなので、このルールは実在するアカウントのメールに作用します。意図どおりでなければ、そちらからアドレスを外してください。',
  'problem.rule-source-held-never-applies/user':
    '「{value}」はユーザー {owner} のアドレスなので、このルール（認識されないアドレスにのみ作用）は適用されません。ディレクトリからアドレスを外すか、recognizedAddresses: true にしてください。',
  'problem.rule-source-held-never-applies/alias':
    '「{value}」はユーザー {owner} のエイリアスなので、このルール（認識されないアドレスにのみ作用）は適用されません。ディレクトリからアドレスを外すか、recognizedAddresses: true にしてください。',
  'problem.rule-source-held-never-applies/group':
    '「{value}」はグループ {owner} のアドレスなので、このルール（認識されないアドレスにのみ作用）は適用されません。ディレクトリからアドレスを外すか、recognizedAddresses: true にしてください。',
  'problem.rule-source-desk-domain':
    '「{value}」はデスクのドメインにあり、そのメールはルールより先にデスクが受け取るため、このルールは適用されません。削除してください。',
  'problem.rule-source-not-hosted':
    '「{value}」は管理対象のドメインになく、ほかのドメイン宛てのメールはルールより先に拒否されるため、このルールは適用されません。{domain} をドメインに追加するか、アドレスを直してください。',
  'problem.rule-duplicate': 'このルールはルール {index}「{rule}」と同じです（説明だけが異なります）。どちらかを削除してください。',
  'problem.rule-shadowed-by-reject':
    'ルール {index}「{rule}」がこのルールの対象をすべて拒否するため、このルールは適用されません。削除するか、ルール {index} の条件を絞ってください。',
  'problem.pattern-invalid': '「{pattern}」は正しい正規表現ではありません。パターンを直してください（アドレス全体に一致する必要があります）。',
  'problem.pattern-unsupported': '「{pattern}」は RE2 のパターンでは使えない {construct} を含んでいます。使わない形に書き直してください。',
  'problem.pattern-open-quote': '「{pattern}」の \\Q による引用が閉じていません。\\E で閉じてください。',
  'problem.pattern-takes-specific-rules':
    'パターン {pattern} は {domain} のすべてのアドレスに一致し、より具体的なルール（ルール {rules}）より前にあります。そのため、それらのアドレスにはこのルールの宛先変更が使われます。このルールを後ろに移すか、パターンを絞ってください。',
  'problem.pattern-takes-specific-routes':
    'パターン {pattern} は {domain} のすべてのアドレスに一致し、より具体的なルール（ルール {rules}）より前にあります。そのため、それらのアドレスにはこのルールのルートが使われます。このルールを後ろに移すか、パターンを絞ってください。',
  'problem.new-recipient-unheld':
    '新しい宛先 {address} は管理対象のドメインにありますが、持っているユーザー・エイリアス・グループがないため、メールの行き先がありません。ディレクトリに追加するか、ルールを変更してください。',
  'problem.added-recipient-unheld':
    '{address} は管理対象のドメインにありますが、持っているユーザー・エイリアス・グループがないため、このコピーは届きません。ディレクトリに追加するか、削除してください。',
  'problem.recipient-changed-twice':
    'ルール「{rule}」とルール {earlier}「{earlierRule}」の両方が {example} の宛先を変更します。使われるのは先のルールの変更だけです。どちらかの条件を絞るか、変更を 1 つにしてください。',
  'problem.recipient-changed-twice/pattern':
    'ルール「{rule}」とルール {earlier}「{earlierRule}」の両方が {example} に一致するアドレスの宛先を変更します。使われるのは先のルールの変更だけです。どちらかの条件を絞るか、変更を 1 つにしてください。',
  'problem.recipient-changed-twice/every-address':
    'ルール「{rule}」とルール {earlier}「{earlierRule}」の両方がすべてのアドレスの宛先を変更します。使われるのは先のルールの変更だけです。どちらかの条件を絞るか、変更を 1 つにしてください。',
  'problem.route-loop':
    '新しい宛先 {address} は自組織のドメイン {domain} にあり、ホスト {host} 経由で送られます。戻ってきたメールは（{path}）と転送され、再びこのルールの対象になるためループします。ドメイン外のアドレスに送るか、経路上のルールを変更してください。',
  'problem.desk-address-unknown':
    '{address} はデスクのドメインにありますが、このインストールのどのチャネルのアドレスでもないため、デスクはこの宛先のメールを拒否します（550 5.1.1）。チャネル一覧からアドレスをコピーしてください。',
  'problem.desk-address-retired':
    '{address} はチャネル「{channel}」の廃止されたアドレス（ローテーション済み）のため、デスクはこの宛先のメールを拒否します（550 5.1.1）。現在のアドレス {current} を使ってください。',
  'problem.desk-address-retired/no-current':
    '{address} はチャネル「{channel}」の廃止されたアドレス（ローテーション済み）のため、デスクはこの宛先のメールを拒否します（550 5.1.1）。現在のアドレスを使ってください。',
  'problem.business-hours-time-zone': '「{value}」はタイムゾーンではありません。Asia/Tokyo、Europe/Berlin、UTC のような IANA のゾーン名で書いてください。',
  'problem.business-hours-range': '「{value}」は時間帯ではありません。09:00-18:00 のように書いてください（24 時間表記、終了は開始より後、深夜 0 時は 24:00）。',
  'problem.business-hours-overlap': '「{value}」は {day} の別の時間帯と重なっています。同じ曜日の時間帯は重ならないようにするか、一つにまとめてください。',
  'problem.business-hours-closed': '営業時間のある曜日が一つもないため、SLA の時計が進みません。mon: 09:00-18:00 のように、少なくとも一日を指定してください。',
  'problem.business-hours-holiday': '「{value}」は日付ではありません。2026-12-31 のように YYYY-MM-DD の形で書いてください。',
  'problem.sla-sales-channel':
    'チャネル「{name}」はリードを作成するチャネルで、SLA の目標はケースにのみ適用されます。ここから sla を削除するか、サポートチャネルにしてください。',
  'problem.sla-needs-target': 'firstResponse と resolution のどちらか、または両方を指定してください。不要であれば sla を削除してください。',
  'problem.template-stray-close': '{at} 文字目の「}}」に対応する「{{」がありません。削除するか、「{{」で差し込み項目を始めてください。',
  'problem.template-unclosed': '{at} 文字目の「{{」が「}}」で閉じられていません。{{case.number}} のように閉じてください。',
  'problem.template-unknown-placeholder': '「{value}」はここでは使えない差し込み項目です。次のいずれかを使ってください: {options}',
  'problem.template-missing-placeholder':
    '件名にも本文にも {name} がありません。デスクはこのメールをこれで識別しますので、件名か本文のどちらかに {name} を追加してください。',
  'problem.assignment-agent-invalid':
    '「{value}」はメールアドレスではありません。amy@solarmora.com のように、コンソールアカウントのメールアドレスを書いてください。',
  'problem.assignment-agent-unknown':
    '{value} はコンソールアカウントではないため、ケースを割り当てられません。「コンソールアカウント」ページで追加するか、アドレスを修正してください。',
  'problem.assignment-agent-disabled':
    '{value} は無効化されているため、割り当ての対象外になります。「コンソールアカウント」ページで有効にするか、ここから削除してください。',
  'problem.assignment-sales-channel':
    'チャネル「{name}」はリードを作成するチャネルで、割り当てはケースにのみ行われます。このチャネルから agents と autoAssign を削除してください。',
  'problem.assignment-sales-channel/rule':
    'チャネル「{name}」はリードを作成するチャネルで、割り当てはケースにのみ行われます。サポートチャネルを指定してください。',
  'problem.assignment-channel-unknown': '「{value}」という名前のデスクチャネルはありません。次のいずれかを使ってください: {channels}',
  'problem.assignment-domain-invalid': '「{value}」はドメイン名ではありません。customer.example のように、問い合わせ元のドメインを書いてください。',
  'problem.assignment-rule-shadows':
    'ルール {rule} には条件がないため、すべてのケースに適用され、後ろの {rest} 件のルールは適用されません。条件を付けるか、最後に移動してください。',
  'problem.imap-password-unknown':
    '{value} に対応するパスワードはこのストアにありません（別のインストールのものか、削除されています）。メールボックスのパスワードそのものを書いてください。',
};

import type { onboardingEn } from './onboarding.en.js';

/** onboarding の日本語。キーは onboarding.en.ts と同じ。 */
export const onboardingJa: Record<keyof typeof onboardingEn, string> = {
  'onboarding.title': 'はじめの設定',
  'onboarding.intro': '上から順に設定してください。完了した項目には自動でチェックが付き、すべて完了するとこの一覧は表示されなくなります。',
  'onboarding.progress': '{total} 件中 {done} 件完了',
  'onboarding.hide': 'チェックリストを非表示にする',
  'onboarding.state.done': '完了',
  'onboarding.state.todo': '未完了',
  'onboarding.step.domain': 'ドメインを追加する',
  'onboarding.step.domain.help': 'このゲートウェイでメールを受け取るドメインです（例: solarmora.com）。',
  'onboarding.step.domain.go': 'ドメインを開く',
  'onboarding.step.outbound': '送信経路を設定する（スマートホストまたはホスト）',
  'onboarding.step.outbound.help':
    '受付通知や返信はこの経路で送られます。ホストのページでスマートホストを選ぶか、MX で直接配信する場合は外部のアドレスへテストメールを送って確認してください。',
  'onboarding.step.outbound.go': 'ホストを開く',
  'onboarding.step.channel': 'チャネルを追加する',
  'onboarding.step.channel.help': 'デスクのチャネルです（例: help@solarmora.com のサポート）。保存すると受信用アドレスが作成されます。',
  'onboarding.step.channel.go': 'チャネルを開く',
  'onboarding.step.routing': 'チャネルの受信用アドレスへのルーティング ルールを追加する',
  'onboarding.step.routing.help': '受信者をチャネルの受信用アドレスに置き換えるデフォルト ルーティングのルールです。',
  'onboarding.step.routing.go': 'デフォルト ルーティングを開く',
  'onboarding.step.routeTest': 'ルートをテストする',
  'onboarding.step.routeTest.help': 'ルールの行の「ルートをテスト」で実際のメールが送られます。そのメールが届くとこの項目は完了になります。',
  'onboarding.step.routeTest.go': 'デフォルト ルーティングを開く',

  'outboundTest.title': 'テストメールを送信',
  'outboundTest.intro': '受付通知や返信と同じ経路で、外部のアドレスへ短いメールを今すぐ送り、転送先の応答を表示します。',
  'outboundTest.to': 'テストメールの送信先',
  'outboundTest.send': 'テストメールを送信',
  'outboundTest.sending': '送信しています…',
  'outboundTest.via.smarthost': 'スマートホスト {name}（{address}）',
  'outboundTest.via.host': 'ホスト {name}（{address}）',
  'outboundTest.via.mx': '{address} の MX',
  'outboundTest.delivered': '{via} 経由で配信しました（{seconds} 秒）。',
  'outboundTest.failed': '{via} 経由で配信できませんでした。',
  'outboundTest.failedNoHop': '転送先を決められなかったため、送信していません。',
  'outboundTest.reply': '応答: {reply}',
  'outboundTest.problem.no-hop':
    'スマートホストに一覧にないホストが指定されています。ホストのページでスマートホストを修正してから、もう一度テストしてください。',
  'outboundTest.problem.mx-unreachable':
    'ドメインのメールサーバーに接続できませんでした。このマシンから DNS の名前解決とポート 25 への接続ができるかご確認ください。できない場合はスマートホストを選んでください。',
  'outboundTest.problem.unreachable':
    'ホストに接続できませんでした。このページでホスト名とポートをご確認のうえ、ホストが動いていること、ファイアウォールでこのマシンからの接続が止められていないことをご確認ください。',
  'outboundTest.problem.relay-refused':
    'ホストがこのメールの中継を拒否しました。ホスト側でこのマシンからの中継を許可する（中継や信頼するネットワークの設定）か、TLS の設定をご確認ください。',
  'outboundTest.problem.refused': '転送先がメールを拒否しました。送信先のアドレスと転送先の設定をご確認のうえ、もう一度テストしてください。',
};

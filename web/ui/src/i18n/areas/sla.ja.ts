import type { slaEn } from './sla.en.js';

/** sla の日本語。キーは sla.en.ts と同じ。 */
export const slaJa: Record<keyof typeof slaEn, string> = {
  'nav.breached': '期限超過',
  'sla.badgeLabel': 'サービス目標の期限を過ぎたケースが {count} 件あります',
  'sla.breached.title': '期限超過のケース',
  'sla.breached.intro': '初回応答または解決の目標期限を過ぎた、未解決のケースです。期限の古い順に表示します。',
  'sla.breached.empty': '期限を過ぎたケースはありません。',
  'sla.col.due': '期限',
  'sla.dueIn': '期限 {when}',
  'sla.overdue': '期限切れ {when}',
  'sla.breachedAgo': '期限超過 {when}',
  'sla.paused': '一時停止中',
  'sla.pausedHint': 'お客様からの返信待ちです。返信があるか、ステータスが変わるまで時間は進みません。',
  'sla.target.firstResponse': '初回応答',
  'sla.target.resolution': '解決',
  'sla.caseHeading': 'サービス目標',
  'sla.met': '{time} に達成',
  'sla.left': '残り {left}',
  'sla.stopped': '計測していません',
  'sla.channel.targets': '初回応答 {firstResponse}・解決 {resolution}',
  'sla.channel.noTarget': 'なし',
  'sla.channel.businessHours': '営業時間（{zone}）',
  'sla.channel.aroundTheClock': '24 時間',
  'sla.channel.none': '目標なし',
  'channels.col.sla': 'サービス目標',
};

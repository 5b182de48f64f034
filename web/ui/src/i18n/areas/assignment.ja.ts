import type { assignmentEn } from './assignment.en.js';

/** 担当の割り当て（対応可否・ケースの担当者と履歴・チャネル画面のルール）の日本語。キーは assignment.en.ts と同じ。 */
export const assignmentJa: Record<keyof typeof assignmentEn, string> = {
  'availability.label': '新しいケースの受付',
  'availability.available': '対応可能',
  'availability.unavailable': '対応不可',
  'availability.failed': '対応可否を変更できませんでした: {error}',

  'people.col.availability': '新しいケース',
  'people.setAvailable': '対応可能にする',
  'people.setUnavailable': '対応不可にする',
  'people.setAvailableLabel': '対応可能にする（新しいケースを受け付ける）: {email}',
  'people.setUnavailableLabel': '対応不可にする（新しいケースを受け付けない）: {email}',
  'people.done.available': '{email} は再び新しいケースを受け付けます。',
  'people.done.unavailable': '{email} は新しいケースを受け付けません。担当中のケースはそのままです。',
  'people.failed.availability': '{email} の対応可否を変更できませんでした。',

  'case.assignedWhy': '理由',
  'case.history': '履歴',
  'case.historyEmpty': 'このケースにはメッセージ以外の履歴はありません。',
  'case.event.assigned.rule': '割り当てルール {rule} により {agent} に割り当てました。',
  'case.event.assigned.roundRobin': 'ラウンドロビン（割り当てルール {rule}）により {agent} に割り当てました。',
  'case.event.assigned.autoAssign': 'チャネルの担当者のラウンドロビンにより {agent} に割り当てました。',
  'case.event.reassigned.rule': '{from} が無効になったため、割り当てルール {rule} により {agent} に割り当て直しました。',
  'case.event.reassigned.roundRobin': '{from} が無効になったため、ラウンドロビン（割り当てルール {rule}）により {agent} に割り当て直しました。',
  'case.event.reassigned.autoAssign': '{from} が無効になったため、チャネルの担当者のラウンドロビンにより {agent} に割り当て直しました。',
  'case.event.unassigned': '{from} が無効になり、引き継げる担当者がいないため、未割り当てにしました。',
  'case.event.notAssigned': '対応可能な担当者がいないため、未割り当てのままです。',
  'case.event.byHand': '{by} が {agent} に割り当てました。',
  'case.event.unassignedByHand': '{by} が {from} の割り当てを外しました。',

  'channels.field.autoAssign': 'どの割り当てルールにも一致しない新しいケースを、対応可能な担当者に順番に割り当てる（ラウンドロビン）',
  'channels.field.agents': 'チャネルの担当者（任意）',
  'channels.field.agentsHint':
    'コンソールのアカウントを割り当ての順にカンマ区切りで入力します。空欄の場合は、エージェントのロールを持つすべてのアカウントです。',

  'assignment.title': '担当の割り当て',
  'assignment.intro':
    '新しいケースの担当者は、下のルールを上から順に確かめ、最初に一致したルールで決まります。どのルールにも一致しない場合、自動割り当てを有効にしたチャネルでは、対応可能な担当者に順番に割り当てます。設定ファイル（desk.assignment と、各チャネルの agents・autoAssign）で編集します。',
  'assignment.edit': '設定ファイルで編集',
  'assignment.channelsCaption': 'サポートチャネルごとの担当者',
  'assignment.col.channel': 'チャネル',
  'assignment.col.agents': '担当者（割り当ての順）',
  'assignment.col.autoAssign': 'どのルールにも一致しない場合',
  'assignment.everyAgent': 'エージェントのロールを持つすべてのアカウント',
  'assignment.autoAssign.on': '対応可能な担当者にラウンドロビンで割り当て',
  'assignment.autoAssign.off': '未割り当てのまま',
  'assignment.rulesCaption': '割り当てルール（確かめる順）',
  'assignment.col.number': 'ルール',
  'assignment.col.when': '条件',
  'assignment.col.assign': '割り当て先',
  'assignment.when.any': 'すべてのケース',
  'assignment.when.channel': 'チャネルが {value}',
  'assignment.when.requesterDomain': '依頼者のドメインが {value}',
  'assignment.when.keyword': '件名または本文に「{value}」を含む',
  'assignment.assign.roundRobin': 'チャネルの対応可能な担当者にラウンドロビン',
  'assignment.noRules': '割り当てルールはありません。',
};

import type { Db } from '../db.js';

/** This node is alive and its store takes writes: its row says when it last said so. */
export async function touchNode(db: Db, node: { name: string; pid: number; startedAt: number; now: number }): Promise<void> {
  await db
    .insertInto('nodes')
    .values({ name: node.name, pid: node.pid, started_at: node.startedAt, seen_at: node.now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ pid: node.pid, started_at: node.startedAt, seen_at: node.now }))
    .execute();
}

export interface NodeRow {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly seenAt: number;
}

export async function listNodes(db: Db): Promise<NodeRow[]> {
  const rows = await db.selectFrom('nodes').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, pid: r.pid, startedAt: Number(r.started_at), seenAt: Number(r.seen_at) }));
}

/**
 * Work-chat robots configured per unit (the unit's group chat) or per person. The webhook URL
 * carries the robot's access token and the secret signs the requests: reads for people show the
 * host and the last characters only, and never the secret.
 */
import type { Db, Queryable } from '../db/client';
import type { RobotChannel } from './preferences';

export type RobotScope = 'unit' | 'person';

export interface Robot {
  id: number;
  scope: RobotScope;
  scopeId: string;
  kind: RobotChannel;
  webhookUrl: string;
  secret: string | null;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string;
}

export interface RobotRow {
  id: string | number;
  scope: RobotScope;
  scope_id: string;
  kind: RobotChannel;
  webhook_url: string;
  secret: string | null;
  enabled: boolean;
  updated_by: string | null;
  updated_at: Date | string;
}

const COLUMNS = 'id, scope, scope_id, kind, webhook_url, secret, enabled, updated_by, updated_at';

export function toRobot(r: RobotRow): Robot {
  return {
    id: Number(r.id),
    scope: r.scope,
    scopeId: r.scope_id,
    kind: r.kind,
    webhookUrl: r.webhook_url,
    secret: r.secret,
    enabled: r.enabled,
    updatedBy: r.updated_by,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The robot as people may see it: where it posts, not how to post there. */
export function publicRobot(r: Robot) {
  let where = '';
  try {
    const u = new URL(r.webhookUrl);
    where = `${u.protocol}//${u.host}${u.pathname.length > 12 ? `${u.pathname.slice(0, 12)}…` : u.pathname}`;
  } catch {
    where = '(invalid URL)';
  }
  const { webhookUrl: _u, secret: _s, ...rest } = r;
  return { ...rest, webhook: `${where} (…${r.webhookUrl.slice(-4)})`, signed: !!r.secret };
}

/**
 * The enabled robots of some people (their own) and of a unit (its group chat), as a query of
 * their columns; `persons` and `unit` name the caller's parameters (text[] and text), so the outbox
 * reads them in the statement that reads the recipients' choices. Rows for toRobot.
 */
export function robotsForSql(persons: string, unit: string): string {
  return `SELECT ${COLUMNS} FROM notification_channels
           WHERE enabled AND ((scope = 'person' AND scope_id = ANY(${persons}::text[])) OR (scope = 'unit' AND scope_id = ${unit}))`;
}

/** The robot a pending message was addressed to, as configured now (a changed URL or secret applies). */
export async function findRobot(q: Queryable, scope: RobotScope, scopeId: string, kind: RobotChannel): Promise<Robot | null> {
  const r = (
    await q.query<RobotRow>(`SELECT ${COLUMNS} FROM notification_channels WHERE scope = $1 AND scope_id = $2 AND kind = $3`, [scope, scopeId, kind])
  ).rows[0];
  return r ? toRobot(r) : null;
}

export async function listRobots(q: Queryable, filter: { scope?: RobotScope; scopeId?: string } = {}): Promise<Robot[]> {
  const rows = (
    await q.query<RobotRow>(
      `SELECT ${COLUMNS} FROM notification_channels
        WHERE ($1::text IS NULL OR scope = $1) AND ($2::text IS NULL OR scope_id = $2)
        ORDER BY scope, scope_id, kind`,
      [filter.scope ?? null, filter.scopeId ?? null],
    )
  ).rows;
  return rows.map(toRobot);
}

export async function putRobot(
  db: Db,
  r: { scope: RobotScope; scopeId: string; kind: RobotChannel; webhookUrl: string; secret: string | null; enabled: boolean; updatedBy: string },
): Promise<Robot> {
  const row = (
    await db.query<RobotRow>(
      `INSERT INTO notification_channels (scope, scope_id, kind, webhook_url, secret, enabled, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (scope, scope_id, kind) DO UPDATE SET webhook_url = EXCLUDED.webhook_url, secret = EXCLUDED.secret,
         enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING ${COLUMNS}`,
      [r.scope, r.scopeId, r.kind, r.webhookUrl, r.secret, r.enabled, r.updatedBy],
    )
  ).rows[0];
  return toRobot(row);
}

export async function deleteRobot(db: Db, scope: RobotScope, scopeId: string, kind: RobotChannel): Promise<boolean> {
  const r = await db.query('DELETE FROM notification_channels WHERE scope = $1 AND scope_id = $2 AND kind = $3', [scope, scopeId, kind]);
  return r.rowCount > 0;
}

/**
 * Notifications: the outbox for the office (what went out, what failed, retry by hand; the
 * inspection and audit offices read), the work-chat robots per unit or person, and each person's
 * own channel preferences.
 *
 *   GET  /api/notifications?status=failed|pending|sending|sent|cancelled&channel&kind&personId&unitId&noticeId&proposalId
 *   GET  /api/notifications/:id               (with its attempts)
 *   POST /api/notifications/:id/retry         (a failed or cancelled one, with a fresh budget)
 *   GET  /api/notification-channels?scope&scopeId
 *   PUT  /api/notification-channels/:scope/:scopeId/:kind   {webhookUrl, secret?, enabled?}
 *   DELETE /api/notification-channels/:scope/:scopeId/:kind
 *   GET|PUT /api/me/notification-preferences  {categories: {reminder: ["email"], outcome: null}}
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client';
import { getPeople, getUnit } from '../db/org';
import { OUTBOX_STATUSES, getOutbox, listOutbox, retryOutbox } from '../notifications/outbox';
import {
  CATEGORY_LABELS,
  DELIVERY_CHANNELS,
  OPTIONAL_CHANNELS,
  PREFERENCE_CATEGORIES,
  ROBOT_CHANNELS,
  UNIT_GROUP_ROLES,
  getStoredPreferences,
  setPreferences,
  type DeliveryChannel,
  type PreferenceCategory,
} from '../notifications/preferences';
import { deleteRobot, listRobots, publicRobot, putRobot } from '../notifications/robots';
import { notificationSettings } from '../notifications/settings';
import { can, type CurrentUser } from './access';
import { forbidden, HttpError, notFound } from './errors';
import { user } from './http';
import { lineText, queryText } from './schemas';

export interface NotificationRouteDeps {
  db: Db;
}

const idText = queryText(64);

const listQuery = z.strictObject({
  status: z.enum(OUTBOX_STATUSES).optional(),
  channel: z.enum(DELIVERY_CHANNELS).optional(),
  kind: z.string().regex(/^[a-z_]{1,64}$/).optional(),
  personId: idText.optional(),
  unitId: idText.optional(),
  noticeId: idText.optional(),
  proposalId: idText.optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const robotParams = z.strictObject({
  scope: z.enum(['unit', 'person']),
  scopeId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  kind: z.enum(ROBOT_CHANNELS),
});

const robotBody = z.strictObject({
  webhookUrl: lineText({ max: 2000, trim: false }).pipe(z.url({ protocol: /^https?$/ })),
  secret: lineText({ max: 500, trim: false }).nullable().optional(),
  enabled: z.boolean().default(true),
});

const channelList = z.array(z.enum(['inapp', ...OPTIONAL_CHANNELS])).max(5);
const preferencesBody = z.strictObject({
  categories: z
    .strictObject(Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, channelList.nullable().optional()])) as Record<PreferenceCategory, z.ZodOptional<z.ZodNullable<typeof channelList>>>)
    .refine((v) => Object.keys(v).length > 0, 'name at least one category'),
});

function outboxId(raw: string): number {
  const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(raw);
  if (!id.success) throw notFound('找不到该通知', 'No such notification');
  return id.data;
}

export function notificationRoutes(deps: NotificationRouteDeps): Router {
  const r = Router();
  const { db } = deps;

  // ---- The outbox ----

  r.get('/notifications', async (req, res) => {
    if (!can(user(res), 'notification.read')) throw forbidden();
    const q = listQuery.parse(req.query);
    const out = await listOutbox(db, q);
    res.json({ ...out, page: q.page, pageSize: q.pageSize });
  });

  r.get('/notifications/:id', async (req, res) => {
    if (!can(user(res), 'notification.read')) throw forbidden();
    const row = await getOutbox(db, outboxId(req.params.id));
    if (!row) throw notFound('找不到该通知', 'No such notification');
    res.json(row);
  });

  r.post('/notifications/:id/retry', async (req, res) => {
    const u = user(res);
    if (!can(u, 'notification.retry')) throw forbidden();
    const id = outboxId(req.params.id);
    const done = await retryOutbox(db, id, u.id);
    if (done === null) throw notFound('找不到该通知', 'No such notification');
    if (!done) throw new HttpError(409, '只有发送失败或已取消的通知可以重发', 'Only a failed or cancelled notification can be retried');
    res.json(await getOutbox(db, id));
  });

  // ---- Robots ----

  r.get('/notification-channels', async (req, res) => {
    if (!can(user(res), 'notification.read')) throw forbidden();
    const q = z.strictObject({ scope: z.enum(['unit', 'person']).optional(), scopeId: idText.optional() }).parse(req.query);
    res.json({ items: (await listRobots(db, q)).map(publicRobot) });
  });

  /** The office configures any robot; a person may configure a robot of their own. */
  function mayConfigure(u: CurrentUser, scope: 'unit' | 'person', scopeId: string): boolean {
    return can(u, 'notification.configure') || (scope === 'person' && scopeId === u.id);
  }

  r.put('/notification-channels/:scope/:scopeId/:kind', async (req, res) => {
    const u = user(res);
    const p = robotParams.parse(req.params);
    if (!mayConfigure(u, p.scope, p.scopeId)) throw forbidden();
    const body = robotBody.parse(req.body ?? {});
    const exists = p.scope === 'unit' ? !!(await getUnit(db, p.scopeId)) : (await getPeople(db, [p.scopeId])).length > 0;
    if (!exists) throw new HttpError(422, `没有这个${p.scope === 'unit' ? '单位' : '人员'}：${p.scopeId}`, `No such ${p.scope}: ${p.scopeId}`);
    const robot = await putRobot(db, { ...p, webhookUrl: body.webhookUrl, secret: body.secret ?? null, enabled: body.enabled, updatedBy: u.id });
    res.json(publicRobot(robot));
  });

  r.delete('/notification-channels/:scope/:scopeId/:kind', async (req, res) => {
    const u = user(res);
    const p = robotParams.parse(req.params);
    if (!mayConfigure(u, p.scope, p.scopeId)) throw forbidden();
    if (!(await deleteRobot(db, p.scope, p.scopeId, p.kind))) throw notFound('没有配置该机器人', 'No such robot');
    res.status(204).end();
  });

  // ---- My preferences ----

  async function preferencesView(u: CurrentUser) {
    const [person] = await getPeople(db, [u.id]);
    const stored = (await getStoredPreferences(db, [u.id])).get(u.id);
    const groupUnits = u.units.filter((x) => (UNIT_GROUP_ROLES as readonly string[]).includes(x.role)).map((x) => x.unitId);
    const robots = [
      ...(await listRobots(db, { scope: 'person', scopeId: u.id })),
      ...(await Promise.all([...new Set(groupUnits)].map((id) => listRobots(db, { scope: 'unit', scopeId: id })))).flat(),
    ].filter((x) => x.enabled);
    const available: DeliveryChannel[] = ['inapp'];
    if (notificationSettings().emailEnabled && person?.email) available.push('email');
    for (const k of ROBOT_CHANNELS) if (robots.some((x) => x.kind === k)) available.push(k);
    return {
      personId: u.id,
      email: person?.email ?? null,
      available,
      robots: robots.map((x) => ({ kind: x.kind, scope: x.scope, scopeId: x.scopeId })),
      categories: PREFERENCE_CATEGORIES.map((category) => {
        const chosen = stored?.get(category) ?? null;
        return {
          category,
          label: CATEGORY_LABELS[category],
          /** What this category reaches now: the inbox, plus the chosen (default: all) channels available. */
          channels: available.filter((c) => c === 'inapp' || !chosen || (chosen as string[]).includes(c)),
          /** The stored choice, or null for the defaults. */
          chosen,
        };
      }),
    };
  }

  r.get('/me/notification-preferences', async (_req, res) => {
    res.json(await preferencesView(user(res)));
  });

  r.put('/me/notification-preferences', async (req, res) => {
    const u = user(res);
    const body = preferencesBody.parse(req.body ?? {});
    const changes = Object.fromEntries(
      Object.entries(body.categories).map(([k, v]) => [k, v === null || v === undefined ? null : v.filter((c) => c !== 'inapp')]),
    ) as Parameters<typeof setPreferences>[2];
    await setPreferences(db, u.id, changes);
    res.json(await preferencesView(u));
  });

  return r;
}

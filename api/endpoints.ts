/**
 * Every endpoint of the API, in one registry: its method and full express pattern, what decides who
 * may call it, and what it acts on. Routes ask the access table (domain/access.ts) themselves; this
 * registry says which of its actions each route asks, so that the README's role × endpoint matrix
 * (npm run docs:matrix) and the generated security tests (test/security/matrix.test.ts, fuzz.test.ts)
 * cover every route. A test walks express's router and fails on a route missing here, or an entry
 * with no route.
 */
import type { ZodObject, ZodType } from 'zod';
import { CHAIN } from '../domain/glossary';
import { can, type Action, type CurrentUser } from '../domain/access';
import { createNoticeBody, noticeListAnswer, noticeListQuery } from './notices';
import { peopleQuery } from './org';
import { statsQuery } from './stats';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call an endpoint:
 * - an Action of the access table, asked with the target's unit (or without a unit for a
 *   collection: the list is then filtered to the units the person may see);
 * - `public`: no sign-in at all;
 * - `authenticated`: any signed-in person, acting on their own things (who am I, my inbox, my
 *   preferences);
 * - `owner`: the signed-in person's own item only (their inbox message); anyone else's is not found;
 * - `assignee`: the leader at the escalation's current level (checked by the workflow's validator).
 */
export type EndpointAccess = Action | 'public' | 'authenticated' | 'owner' | 'assignee';

/** What the endpoint acts on; for item endpoints, whose unit the access table is asked about. */
export type Target = 'none' | 'notice' | 'escalation' | 'proposal' | 'notification' | 'robot' | 'inbox_message' | 'incident' | 'system' | 'calendar_year' | 'unit';

export interface Endpoint {
  method: Method;
  /** The full express pattern, e.g. `/api/notices/:id/acknowledge`. */
  path: string;
  action: EndpointAccess;
  target: Target;
  /**
   * Besides the action's grants, the person's own items: escalations they were asked to decide (they
   * keep seeing them after a role change), robots of their own (`person` scope with their id), the
   * accountability proposal an escalation they were asked in produced.
   */
  ownItems?: boolean;
  summary: { zh: string; en: string };
  /** The zod schemas of the body and the query, where the route exports them: they go into the OpenAPI document (api/openapi.ts). */
  body?: ZodType;
  query?: ZodObject;
  /** The zod schema of the answer (200/201), where the route documents it; otherwise any JSON. */
  answer?: ZodType;
}

/**
 * How each kind of target answers someone who may not act on it. A *concealed* kind answers 404 to
 * whoever may not read that very item (its existence is not disclosed: another unit's notice), and
 * 403 to a reader who may not do the action. A kind that is not concealed answers 403 before looking
 * the item up at all (the outbox's and robots' numbers say nothing about a unit). `ownItems`: the
 * person's own items are readable whatever their roles (escalations they were asked to decide).
 */
export const TARGETS: Record<Exclude<Target, 'none'>, { read: Action | 'owner'; concealed: boolean; ownItems?: boolean }> = {
  notice: { read: 'notice.read', concealed: true },
  escalation: { read: 'escalation.read', concealed: true, ownItems: true },
  proposal: { read: 'proposal.read', concealed: true, ownItems: true },
  notification: { read: 'notification.read', concealed: false },
  robot: { read: 'notification.read', concealed: false },
  inbox_message: { read: 'owner', concealed: true },
  incident: { read: 'incident.read', concealed: true },
  system: { read: 'system.read', concealed: true },
  calendar_year: { read: 'calendar.read', concealed: false },
  // A unit of the directory: everyone in the organisation reads every unit.
  unit: { read: 'org.read', concealed: false },
};

const N = '/api/notices';
const E = '/api/escalations';
const P = '/api/accountability-proposals';
const I = '/api/incidents';
const S = '/api/systems';
const T = '/api/accountability-triggers';

export const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', path: '/healthz', action: 'public', target: 'none', summary: { zh: '健康检查', en: 'health check' } },
  { method: 'GET', path: '/api/glossary', action: 'public', target: 'none', summary: { zh: '术语表', en: 'glossary' } },

  { method: 'GET', path: '/api/me', action: 'authenticated', target: 'none', summary: { zh: '当前用户及其角色', en: 'who am I, with my roles' } },
  { method: 'GET', path: '/api/me/inbox', action: 'authenticated', target: 'none', summary: { zh: '我的站内消息', en: 'my in-app messages' } },
  { method: 'POST', path: '/api/me/inbox/:id/read', action: 'owner', target: 'inbox_message', summary: { zh: '标记消息已读', en: 'mark a message read' } },
  {
    method: 'GET',
    path: '/api/me/notification-preferences',
    action: 'authenticated',
    target: 'none',
    summary: { zh: '我的通知渠道偏好', en: 'my notification channel preferences' },
  },
  {
    method: 'PUT',
    path: '/api/me/notification-preferences',
    action: 'authenticated',
    target: 'none',
    summary: { zh: '设置我的通知渠道偏好', en: 'set my notification channel preferences' },
  },

  { method: 'GET', path: '/api/org/units', action: 'org.read', target: 'none', summary: { zh: '单位列表', en: 'units' } },
  { method: 'GET', path: '/api/org/people', action: 'org.read', target: 'none', summary: { zh: '人员及其角色（可指定时间）', en: 'people with their roles (as at a time)' } },
  {
    method: 'GET',
    path: '/api/org/units/:id/role-history',
    action: 'org.read',
    target: 'unit',
    summary: { zh: '单位各角色的任职历史', en: "the history of a unit's role holders" },
  },

  { method: 'POST', path: N, action: 'notice.create', target: 'none', summary: { zh: '下发整改通知', en: 'issue a notice' } },
  { method: 'GET', path: N, action: 'notice.read', target: 'none', summary: { zh: '通知列表（按可见单位）', en: 'notices (of the units one may see)' }, query: noticeListQuery, answer: noticeListAnswer },
  { method: 'GET', path: `${N}/:id`, action: 'notice.read', target: 'notice', summary: { zh: '通知详情及时间线', en: 'a notice with its timeline' } },
  {
    method: 'GET',
    path: `${N}/:id/evidence/:sha256`,
    action: 'notice.read',
    target: 'notice',
    summary: { zh: '下载佐证材料', en: 'download an evidence file' },
  },
  { method: 'POST', path: `${N}/:id/acknowledge`, action: 'notice.acknowledge', target: 'notice', summary: { zh: '签收', en: 'acknowledge' } },
  {
    method: 'POST',
    path: `${N}/:id/rectification`,
    action: 'notice.report',
    target: 'notice',
    summary: { zh: '提交整改报告和佐证材料', en: 'report the rectification with evidence' },
  },
  { method: 'POST', path: `${N}/:id/review`, action: 'notice.review', target: 'notice', summary: { zh: '审核整改报告', en: 'review a report' } },
  { method: 'POST', path: `${N}/:id/withdraw`, action: 'notice.withdraw', target: 'notice', summary: { zh: '撤回通知', en: 'withdraw a notice' } },
  {
    method: 'POST',
    path: `${N}/:id/extension-requests`,
    action: 'notice.requestExtension',
    target: 'notice',
    summary: { zh: '申请延期', en: 'request an extension' },
  },
  {
    method: 'POST',
    path: `${N}/:id/extension-requests/:rid/decision`,
    action: 'notice.decideExtension',
    target: 'notice',
    summary: { zh: '审批延期申请', en: 'decide an extension request' },
  },

  { method: 'GET', path: E, action: 'escalation.read', target: 'none', ownItems: true, summary: { zh: '督办事项列表', en: 'escalations' } },
  {
    method: 'GET',
    path: `${E}/:id`,
    action: 'escalation.read',
    target: 'escalation',
    ownItems: true,
    summary: { zh: '督办事项详情', en: 'an escalation with its timeline' },
  },
  {
    method: 'POST',
    path: `${E}/:id/decision`,
    action: 'assignee',
    target: 'escalation',
    summary: { zh: '领导决定（督办、延期、上报、提出问责）', en: "a leader's decision (supervise, extend, escalate, propose accountability)" },
  },

  { method: 'GET', path: P, action: 'proposal.read', target: 'none', summary: { zh: '问责建议列表', en: 'accountability proposals' } },
  { method: 'POST', path: P, action: 'proposal.create', target: 'none', summary: { zh: '提出问责建议（草稿）', en: 'draft an accountability proposal' } },
  {
    method: 'GET',
    path: `${P}/:id`,
    action: 'proposal.read',
    target: 'proposal',
    ownItems: true,
    summary: { zh: '问责建议详情', en: 'a proposal with its timeline' },
  },
  {
    method: 'GET',
    path: `${P}/:id/evidence/:sha256`,
    action: 'proposal.read',
    target: 'proposal',
    ownItems: true,
    summary: { zh: '下载问责建议的佐证材料', en: "download a proposal's evidence file" },
  },
  { method: 'PATCH', path: `${P}/:id`, action: 'proposal.edit', target: 'proposal', summary: { zh: '修改问责建议', en: 'edit a proposal' } },
  {
    method: 'POST',
    path: `${P}/:id/request-approval`,
    action: 'proposal.edit',
    target: 'proposal',
    summary: { zh: '报请主管校领导审批', en: 'ask for approval' },
  },
  { method: 'POST', path: `${P}/:id/approve`, action: 'proposal.approve', target: 'proposal', summary: { zh: '审批同意并提交', en: 'approve and submit' } },
  { method: 'POST', path: `${P}/:id/return`, action: 'proposal.approve', target: 'proposal', summary: { zh: '退回修改', en: 'return for changes' } },
  {
    method: 'POST',
    path: `${P}/:id/decision`,
    action: 'proposal.decide',
    target: 'proposal',
    summary: { zh: '党委、纪委作出决定', en: 'decision of the party or discipline committee' },
  },

  { method: 'GET', path: '/api/notifications', action: 'notification.read', target: 'none', summary: { zh: '通知发送记录', en: 'the notification outbox' } },
  {
    method: 'GET',
    path: '/api/notifications/:id',
    action: 'notification.read',
    target: 'notification',
    summary: { zh: '一条发送记录及各次尝试', en: 'one outbox entry with its attempts' },
  },
  {
    method: 'POST',
    path: '/api/notifications/:id/retry',
    action: 'notification.retry',
    target: 'notification',
    summary: { zh: '重发失败的通知', en: 'retry a failed notification' },
  },
  {
    method: 'GET',
    path: '/api/notification-channels',
    action: 'notification.read',
    target: 'none',
    summary: { zh: '工作群机器人列表', en: 'work-chat robots' },
  },
  {
    method: 'PUT',
    path: '/api/notification-channels/:scope/:scopeId/:kind',
    action: 'notification.configure',
    target: 'robot',
    ownItems: true,
    summary: { zh: '配置机器人（单位或本人）', en: 'configure a robot (of a unit, or one’s own)' },
  },
  {
    method: 'DELETE',
    path: '/api/notification-channels/:scope/:scopeId/:kind',
    action: 'notification.configure',
    target: 'robot',
    ownItems: true,
    summary: { zh: '删除机器人', en: 'remove a robot' },
  },

  { method: 'GET', path: '/api/audit', action: 'audit.read', target: 'none', summary: { zh: '审计日志', en: 'the audit trail' } },
  { method: 'GET', path: '/api/audit/verify', action: 'audit.read', target: 'none', summary: { zh: '校验审计日志哈希链', en: "verify the audit trail's hash chain" } },
  { method: 'GET', path: '/api/audit/export', action: 'audit.export', target: 'none', summary: { zh: '导出审计日志', en: 'export the audit trail' } },
  // Web UI (issue 9): my work across notices, escalations and proposals; the deadlines of a notice
  // before it is issued.
  { method: 'GET', path: '/api/me/work', action: 'authenticated', target: 'none', summary: { zh: '我的待办', en: 'my work: everything waiting for me' } },
  {
    method: 'POST',
    path: `${N}/preview`,
    action: 'notice.create',
    target: 'none',
    summary: { zh: '预览通知期限（不下发）', en: "preview a notice's deadlines (nothing is issued)" },
  },

  // Incidents (网络安全事件), the information-system register, Art. 7's triggers (issue 10).
  { method: 'POST', path: I, action: 'incident.create', target: 'none', summary: { zh: '记录网络安全事件', en: 'record an incident' } },
  { method: 'GET', path: I, action: 'incident.read', target: 'none', summary: { zh: '事件列表（按可见单位）', en: 'incidents (of the units one may see)' } },
  { method: 'GET', path: `${I}/:id`, action: 'incident.read', target: 'incident', summary: { zh: '事件详情、时钟及时间线', en: 'an incident with its clocks and timeline' } },
  {
    method: 'GET',
    path: `${I}/:id/evidence/:sha256`,
    action: 'incident.read',
    target: 'incident',
    summary: { zh: '下载事件的佐证材料', en: "download an incident's evidence file" },
  },
  { method: 'POST', path: `${I}/:id/report`, action: 'incident.act', target: 'incident', summary: { zh: '单位报告事件', en: 'the unit reports the incident' } },
  { method: 'POST', path: `${I}/:id/confirm`, action: 'incident.act', target: 'incident', summary: { zh: '单位确认办公室记录的事件', en: 'the unit confirms an incident the office recorded' } },
  { method: 'POST', path: `${I}/:id/containment`, action: 'incident.act', target: 'incident', summary: { zh: '记录控制措施', en: 'record containment' } },
  { method: 'POST', path: `${I}/:id/restoration`, action: 'incident.act', target: 'incident', summary: { zh: '记录恢复', en: 'record restoration' } },
  {
    method: 'POST',
    path: `${I}/:id/restoration/confirm`,
    action: 'incident.review',
    target: 'incident',
    summary: { zh: '确认恢复', en: 'confirm the restoration' },
  },
  {
    method: 'POST',
    path: `${I}/:id/closing-report`,
    action: 'incident.act',
    target: 'incident',
    summary: { zh: '提交总结报告和佐证材料', en: 'submit the closing report with evidence' },
  },
  { method: 'POST', path: `${I}/:id/review`, action: 'incident.review', target: 'incident', summary: { zh: '审核总结报告', en: 'review the closing report' } },
  { method: 'POST', path: `${I}/:id/serious-impact`, action: 'incident.review', target: 'incident', summary: { zh: '认定影响严重', en: 'mark the impact serious' } },
  { method: 'POST', path: `${I}/:id/notices`, action: 'incident.review', target: 'incident', summary: { zh: '关联整改通知', en: 'link a rectification notice' } },
  { method: 'POST', path: `${I}/:id/close`, action: 'incident.review', target: 'incident', summary: { zh: '办结事件', en: 'close the incident' } },

  { method: 'GET', path: S, action: 'system.read', target: 'none', summary: { zh: '信息系统台账（按可见单位）', en: 'the information-system register' } },
  { method: 'POST', path: S, action: 'system.manage', target: 'none', summary: { zh: '登记信息系统', en: 'add a system to the register' } },
  { method: 'POST', path: `${S}/import`, action: 'system.manage', target: 'none', summary: { zh: '导入台账（CSV、XLSX）', en: 'import the register (CSV, XLSX)' } },
  { method: 'GET', path: `${S}/:id`, action: 'system.read', target: 'system', summary: { zh: '信息系统详情', en: 'a system of the register' } },
  { method: 'PATCH', path: `${S}/:id`, action: 'system.manage', target: 'system', summary: { zh: '修改信息系统', en: 'edit a system' } },

  { method: 'GET', path: T, action: 'trigger.read', target: 'none', summary: { zh: '问责触发记录', en: 'accountability trigger firings' } },
  { method: 'POST', path: T, action: 'trigger.record', target: 'none', summary: { zh: '认定问责情形（生成草稿）', en: 'record an accountability situation (opens a draft)' } },
  // Browser sign-in (api/signin-routes.ts, README "Sign-in"). The dev routes exist only with the
  // embedded issuer on.
  { method: 'GET', path: '/api/auth/config', action: 'public', target: 'none', summary: { zh: '可用的登录方式', en: 'the sign-in methods on offer' } },
  { method: 'GET', path: '/api/auth/login', action: 'public', target: 'none', summary: { zh: '开始登录（转到统一身份认证）', en: 'start signing in (to the identity provider)' } },
  {
    method: 'GET',
    path: '/api/auth/callback',
    action: 'public',
    target: 'none',
    summary: { zh: 'OIDC 登录回调（授权码 + PKCE）', en: 'OIDC sign-in callback (authorization code + PKCE)' },
  },
  {
    method: 'GET',
    path: '/api/auth/cas/callback',
    action: 'public',
    target: 'none',
    summary: { zh: 'CAS 登录回调（校验服务票据）', en: 'CAS sign-in callback (validates the service ticket)' },
  },
  {
    method: 'GET',
    path: '/api/auth/dev/people',
    action: 'public',
    target: 'none',
    summary: { zh: '开发登录页：按角色列出人员', en: 'development sign-in: the people, by role' },
  },
  { method: 'POST', path: '/api/auth/dev/signin', action: 'public', target: 'none', summary: { zh: '开发登录：以某人身份登录', en: 'development sign-in as a person' } },
  {
    method: 'GET',
    path: '/api/auth/session',
    action: 'authenticated',
    target: 'none',
    summary: { zh: '当前会话（人员、角色、CSRF 令牌）', en: 'the current session (person, roles, CSRF token)' },
  },
  { method: 'POST', path: '/api/auth/signout', action: 'authenticated', target: 'none', summary: { zh: '退出登录', en: 'sign out' } },

  // Operations (issue 11)
  {
    method: 'GET',
    path: '/api/system/stuck',
    action: 'ops.read',
    target: 'none',
    summary: { zh: '卡住的流程（活动反复失败）', en: 'stuck processes (an activity failing again and again)' },
  },
  // Operations (issue 13): readiness, metrics (loopback or METRICS_TOKEN, checked by the route, not
  // by a role), the OpenAPI document and its docs page.
  { method: 'GET', path: '/readyz', action: 'public', target: 'none', summary: { zh: '就绪检查（数据库、Temporal、迁移）', en: 'readiness (database, Temporal, migrations)' } },
  { method: 'GET', path: '/metrics', action: 'public', target: 'none', summary: { zh: 'Prometheus 监控指标', en: 'Prometheus metrics' } },
  { method: 'GET', path: '/api/openapi.json', action: 'public', target: 'none', summary: { zh: 'OpenAPI 3.1 接口描述', en: 'the OpenAPI 3.1 document' } },
  { method: 'GET', path: '/api/docs', action: 'public', target: 'none', summary: { zh: '接口文档页面', en: 'the API docs page' } },

  // Issue 12: calendar upkeep.
  { method: 'GET', path: '/api/calendar', action: 'calendar.read', target: 'none', summary: { zh: '日历覆盖年份及来源', en: 'calendar years covered, and their source' } },
  {
    method: 'PUT',
    path: '/api/calendar/years/:year',
    action: 'calendar.edit',
    target: 'calendar_year',
    summary: { zh: '录入一年的节假日和调休安排', en: "enter a year's holidays and make-up working days" },
  },
  {
    method: 'POST',
    path: '/api/notices/recompute-deadlines',
    action: 'notice.recomputeDeadlines',
    target: 'none',
    summary: { zh: '按更新后的日历重新计算期限', en: 'recompute deadlines with the updated calendar' },
  },

  // Issue 9: the dashboard's figures (态势总览; README "Dashboard" defines each).
  { method: 'GET', path: '/api/stats/open-notices', action: 'stats.read', target: 'none', summary: { zh: '各单位未办结通知（按风险等级）', en: 'open notices by unit and severity' } },
  { method: 'GET', path: '/api/stats/overdue-weekly', action: 'stats.read', target: 'none', summary: { zh: '近 12 周每周逾期次数', en: 'deadlines missed per week, last 12 weeks' } },
  { method: 'GET', path: '/api/stats/escalations', action: 'stats.read', target: 'none', summary: { zh: '进行中的督办（按层级）', en: 'escalations under way, by level' } },
  { method: 'GET', path: '/api/stats/on-time', action: 'stats.read', target: 'none', summary: { zh: '各单位按期整改率（近 12 个月）', en: 'on-time rectification rate by unit, last 12 months' } },
  { method: 'GET', path: '/api/stats/closed-monthly', action: 'stats.read', target: 'none', summary: { zh: '每月办结通知数（近 12 个月）', en: 'notices closed per month, last 12 months' } },
];

/** Schemas the routers export, attached to their entries for the OpenAPI document. */
const SCHEMAS: Record<string, Pick<Endpoint, 'body' | 'query'>> = {
  'POST /api/notices': { body: createNoticeBody },
  'GET /api/org/people': { query: peopleQuery },
  ...Object.fromEntries(
    ['open-notices', 'overdue-weekly', 'escalations', 'on-time', 'closed-monthly'].map((k) => [`GET /api/stats/${k}`, { query: statsQuery }]),
  ),
};
for (const e of ENDPOINTS) Object.assign(e, SCHEMAS[`${e.method} ${e.path}`] ?? {});

/** The roles that can be asked in an escalation (levels 1–5), and so may have escalations of their own. */
export const CHAIN_ROLES: readonly string[] = CHAIN.map((c) => c.role);

/** What the target of one call is, as far as access is concerned. */
export interface TargetFacts {
  /** The unit the notice, escalation, proposal, incident or system belongs to. */
  unitId?: string;
  /** Whose it is: the inbox message's person; the robot's person (`person` scope). */
  ownerId?: string | null;
  /** Escalations: the leader at the current level, and everyone asked so far. */
  assigneeId?: string | null;
  asked?: readonly string[];
  /** Escalations: the current leader's delegates, where the notice's policy allows them. */
  delegates?: readonly string[];
}

/**
 * The answer the registry and the access table promise for one person calling one endpoint on one
 * target: allowed (a 2xx, given a valid request in the right state), 401, 403 or 404. A collection
 * answers 403 to whoever may not do its action at all, unless own items may be in it.
 */
export function expectedAnswer(ep: Endpoint, user: CurrentUser | null, t: TargetFacts = {}): 'allowed' | 401 | 403 | 404 {
  if (ep.action === 'public') return 'allowed';
  if (!user) return 401;
  if (ep.action === 'authenticated') return 'allowed';
  if (ep.action === 'owner' || ep.action === 'assignee') {
    if (ep.target === 'none') throw new Error(`${ep.method} ${ep.path}: '${ep.action}' needs a target`);
  } else if (ep.target === 'none') {
    return ep.ownItems === true || can(user, ep.action) ? 'allowed' : 403;
  }
  const kind = TARGETS[ep.target];
  const decides = t.assigneeId === user.id || (t.delegates ?? []).includes(user.id);
  const own = (t.ownerId !== undefined && t.ownerId === user.id) || decides || (t.asked ?? []).includes(user.id);
  const readable = kind.read === 'owner' ? own : can(user, kind.read, t.unitId) || (kind.ownItems === true && own);
  if (ep.action === 'owner') return own ? 'allowed' : 404;
  if (ep.action === 'assignee') {
    if (!readable) return 404;
    return decides ? 'allowed' : 403;
  }
  if (can(user, ep.action, t.unitId) || (ep.ownItems === true && own)) return 'allowed';
  return kind.concealed && !readable ? 404 : 403;
}

/**
 * Who may do what, in one table (Art. 2: "whoever is in charge is responsible"; every person sees
 * what their role and unit allow). Pure, so that both sides use the very same table: every API
 * route asks `can(user, action, unitId)`, and the notice workflow's update validators ask it again
 * with the roles the API passed in, so an update sent around the API without them is refused.
 * The README's role × endpoint matrix is generated from this table (npm run docs:matrix).
 *
 * Scopes: `all` — every unit; `own_unit` — units where the person holds the role; `supervised` —
 * units the person supervises as a university leader.
 */
import type { Role } from './glossary';
import { RuleViolation } from './notice';

export interface CurrentUser {
  id: string;
  name: string;
  locale: string;
  university: Role[];
  units: Array<{ unitId: string; role: Role }>;
}

export type Action =
  | 'notice.create'
  | 'notice.read'
  | 'notice.acknowledge'
  | 'notice.report'
  | 'notice.review'
  | 'notice.withdraw'
  | 'notice.requestExtension'
  | 'notice.decideExtension'
  | 'proposal.create'
  | 'proposal.read'
  | 'proposal.edit'
  | 'proposal.approve'
  | 'proposal.decide'
  | 'org.read'
  | 'escalation.read'
  | 'audit.read'
  | 'audit.export'
  | 'notification.read'
  | 'notification.retry'
  | 'notification.configure'
  | 'ops.read'
  // Incidents, the information-system register, Art. 7's triggers (issue 10)
  | 'incident.create'
  | 'incident.read'
  | 'incident.act'
  | 'incident.review'
  | 'system.read'
  | 'system.manage'
  | 'trigger.read'
  | 'trigger.record'
  // Issue 12: calendar upkeep.
  | 'calendar.read'
  | 'calendar.edit'
  | 'notice.recomputeDeadlines'
  // Issue 9: the dashboard's figures (态势总览).
  | 'stats.read';

export type Scope = 'all' | 'own_unit' | 'supervised';

export interface Grant {
  role: Role;
  scope: Scope;
}

const UNIT_ACTORS: Grant[] = [
  { role: 'liaison', scope: 'own_unit' },
  { role: 'direct_responsible', scope: 'own_unit' },
  { role: 'first_responsible', scope: 'own_unit' },
];

const READ_ALL: Grant[] = [
  'office',
  'party_secretary',
  'cybersecurity_leader',
  'party_committee',
  'discipline_committee',
  'inspection_office',
  'audit_office',
].map((role) => ({ role: role as Role, scope: 'all' as const }));

const AUDITORS: Grant[] = ['office', 'inspection_office', 'audit_office'].map((role) => ({ role: role as Role, scope: 'all' as const }));

export const POLICY: Record<Action, Grant[]> = {
  'notice.create': [{ role: 'office', scope: 'all' }],
  'notice.read': [
    ...READ_ALL,
    { role: 'supervising_leader', scope: 'supervised' },
    ...UNIT_ACTORS,
    { role: 'leadership_member', scope: 'own_unit' },
    { role: 'principal', scope: 'own_unit' },
  ],
  'notice.acknowledge': UNIT_ACTORS,
  'notice.report': UNIT_ACTORS,
  'notice.requestExtension': UNIT_ACTORS,
  'notice.review': [{ role: 'office', scope: 'all' }],
  'notice.withdraw': [{ role: 'office', scope: 'all' }],
  'notice.decideExtension': [{ role: 'office', scope: 'all' }],
  // Accountability proposals are decisions about people: the university-level roles only, never
  // the unit's own people or supervising leaders.
  'proposal.create': [{ role: 'office', scope: 'all' }],
  'proposal.read': READ_ALL,
  'proposal.edit': [{ role: 'office', scope: 'all' }],
  'proposal.approve': [{ role: 'cybersecurity_leader', scope: 'all' }],
  'proposal.decide': [
    { role: 'party_committee', scope: 'all' },
    { role: 'discipline_committee', scope: 'all' },
  ],
  // Besides these scopes, a leader always sees the escalations they were asked in (own items).
  'escalation.read': [
    ...READ_ALL,
    { role: 'supervising_leader', scope: 'supervised' },
    ...UNIT_ACTORS,
    { role: 'leadership_member', scope: 'own_unit' },
    { role: 'principal', scope: 'own_unit' },
  ],
  // The notification outbox (deliveries, failures) and the robots: the office runs them; the
  // inspection and audit offices read.
  'notification.read': [
    { role: 'office', scope: 'all' },
    { role: 'inspection_office', scope: 'all' },
    { role: 'audit_office', scope: 'all' },
  ],
  'notification.retry': [{ role: 'office', scope: 'all' }],
  'notification.configure': [{ role: 'office', scope: 'all' }],
  // The audit trail (Art. 10): the office and the inspection and audit offices, nobody else.
  'audit.read': AUDITORS,
  'audit.export': AUDITORS,
  // Operations (issue 11): processes stuck on a failing activity are the office's to see and chase.
  'ops.read': [{ role: 'office', scope: 'all' }],
  // Incidents (网络安全事件): recorded by the unit itself or by the office (learned elsewhere);
  // read like notices (territorial); the unit handles them, the office reviews and decides.
  'incident.create': [{ role: 'office', scope: 'all' }, ...UNIT_ACTORS],
  'incident.read': [
    ...READ_ALL,
    { role: 'supervising_leader', scope: 'supervised' },
    ...UNIT_ACTORS,
    { role: 'leadership_member', scope: 'own_unit' },
  ],
  'incident.act': UNIT_ACTORS,
  'incident.review': [{ role: 'office', scope: 'all' }],
  // The information-system register: kept by the office, read like notices.
  'system.read': [
    ...READ_ALL,
    { role: 'supervising_leader', scope: 'supervised' },
    ...UNIT_ACTORS,
    { role: 'leadership_member', scope: 'own_unit' },
  ],
  'system.manage': [{ role: 'office', scope: 'all' }],
  // Trigger firings lead to proposals: read like proposals; the office records the situations it finds.
  'trigger.read': READ_ALL,
  'trigger.record': [{ role: 'office', scope: 'all' }],
  // The directory (units, people) is for everyone in the organisation; contact details of other
  // units' people only for those who see all units (api/org.ts). Who held which role when (the
  // people as at a date, a unit's role history) is the same directory over time, for the same
  // people: it names no more than the directory did on each day, and holds no contact details.
  // Calendar upkeep (issue 12): everyone who sees all units reads the coverage; the office keeps
  // the calendar and has the deadlines it affected recomputed.
  'calendar.read': READ_ALL,
  'calendar.edit': [{ role: 'office', scope: 'all' }],
  'notice.recomputeDeadlines': [{ role: 'office', scope: 'all' }],
  // The dashboard (态势总览, issue 9): the office, the university's leaders and the overseeing
  // bodies; a supervising leader counts the units they supervise. Never a unit's own people.
  'stats.read': [...READ_ALL, { role: 'supervising_leader', scope: 'supervised' }],
  'org.read': [
    ...READ_ALL,
    ...(['supervising_leader', 'first_responsible', 'direct_responsible', 'liaison', 'leadership_member', 'principal'] as const).map((role) => ({
      role,
      scope: 'all' as const,
    })),
  ],
};

function holds(user: CurrentUser, grant: Grant, unitId?: string): boolean {
  if (grant.scope === 'all') {
    return user.university.includes(grant.role) || user.units.some((u) => u.role === grant.role);
  }
  // own_unit and supervised are both unit-level roles held on that very unit.
  if (unitId === undefined) return user.units.some((u) => u.role === grant.role);
  return user.units.some((u) => u.role === grant.role && u.unitId === unitId);
}

/** May the user do `action` on something belonging to `unitId` (or at all, when absent)? */
export function can(user: CurrentUser, action: Action, unitId?: string): boolean {
  return POLICY[action].some((g) => holds(user, g, unitId));
}

/**
 * The units whose items the user may see for `action`: null means all units, an empty list none.
 * Lists filter by this in SQL, so another unit's notices never appear in counts or pages.
 */
export function visibleUnits(user: CurrentUser, action: Action): string[] | null {
  const grants = POLICY[action];
  if (grants.some((g) => g.scope === 'all' && holds(user, g))) return null;
  const ids = new Set<string>();
  for (const g of grants) for (const u of user.units) if (u.role === g.role) ids.add(u.unitId);
  return [...ids];
}

/** The roles a person holds, as the API passes them to a workflow with each action. */
export interface Roles {
  university: Role[];
  units: Array<{ unitId: string; role: Role }>;
}

/**
 * For workflow validators: refuses the action unless the roles passed with it allow it on this
 * unit. Roles are looked up by the API from the organisation at the time of the request.
 */
export function requireGrant(actor: { id: string; roles?: Roles }, action: Action, unitId: string): void {
  const roles = actor.roles;
  if (!roles || !can({ id: actor.id, name: '', locale: 'zh-CN', ...roles }, action, unitId)) {
    throw new RuleViolation('forbidden', '您的角色无权执行此操作', 'Your role does not allow this action');
  }
}

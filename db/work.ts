/**
 * "My work" (我的待办): everything waiting for one person, read from the projections — notices to
 * acknowledge or rectify (their unit's liaisons and responsible persons), reports to review and
 * extension requests to decide (the office), escalations at their level, incidents to report,
 * confirm and handle (the unit) or whose restoration and closing report wait for the office,
 * proposals to complete (the triggers' drafts among them), to approve or to decide. Who may act is the access table's answer (`can`), so this list and the
 * actions agree; the workflows still check when the person acts.
 */
import type { Queryable } from './client';
import { iso, isoOrNull, jsonColumn } from './rows';
import { can, type CurrentUser } from '../domain/access';
import type { ProposalState } from '../domain/accountability';
import type { IncidentState } from '../domain/incident';
import { BODIES } from '../domain/glossary';

export interface WorkItem {
  kind: 'notice' | 'escalation' | 'incident' | 'proposal';
  id: string;
  /** What the person is to do (a code: acknowledge, rectify, review, decide_extension, report_incident, …). */
  action: string;
  title: string;
  unitId: string;
  unitName: string;
  deadline: string | null;
  /** The web UI's address of the item. */
  href: string;
}

const UNIT_ACTOR = ['liaison', 'direct_responsible', 'first_responsible'];

export async function listMyWork(db: Queryable, u: CurrentUser): Promise<WorkItem[]> {
  const items: WorkItem[] = [];
  const actorUnits = [...new Set(u.units.filter((x) => UNIT_ACTOR.includes(x.role)).map((x) => x.unitId))];
  if (actorUnits.length) {
    const r = await db.query<Record<string, unknown>>(
      `SELECT n.id, n.title, n.status, n.unit_id, u.name AS unit_name, n.acknowledge_by, n.rectify_by
       FROM notices n JOIN units u ON u.id = n.unit_id
       WHERE n.unit_id = ANY($1::text[]) AND n.status IN ('issued', 'rectifying')`,
      [actorUnits],
    );
    for (const n of r.rows) {
      const unitId = n.unit_id as string;
      const ack = n.status === 'issued';
      if (!can(u, ack ? 'notice.acknowledge' : 'notice.report', unitId)) continue;
      items.push({
        kind: 'notice',
        id: n.id as string,
        action: ack ? 'acknowledge' : 'rectify',
        title: n.title as string,
        unitId,
        unitName: n.unit_name as string,
        deadline: iso(ack ? n.acknowledge_by : n.rectify_by),
        href: `/notices/${n.id as string}`,
      });
    }
  }
  if (can(u, 'notice.review') || can(u, 'notice.decideExtension')) {
    const r = await db.query<Record<string, unknown>>(
      `SELECT n.id, n.title, n.status, n.unit_id, u.name AS unit_name, n.rectify_by, n.updated_at,
              jsonb_path_exists(n.state, '$.extensions[*] ? (@.status == "pending")') AS pending_extension
       FROM notices n JOIN units u ON u.id = n.unit_id
       WHERE n.status = 'under_review'
          OR (n.status IN ('issued', 'rectifying') AND jsonb_path_exists(n.state, '$.extensions[*] ? (@.status == "pending")'))`,
    );
    for (const n of r.rows) {
      const unitId = n.unit_id as string;
      const review = n.status === 'under_review';
      if (!can(u, review ? 'notice.review' : 'notice.decideExtension', unitId)) continue;
      items.push({
        kind: 'notice',
        id: n.id as string,
        action: review ? 'review' : 'decide_extension',
        title: n.title as string,
        unitId,
        unitName: n.unit_name as string,
        // A report has no deadline for the office; an extension matters before the current deadline.
        deadline: review ? null : isoOrNull(n.rectify_by),
        href: `/notices/${n.id as string}`,
      });
    }
  }
  const esc = await db.query<Record<string, unknown>>(
    `SELECT e.id, e.notice_id, n.title, e.unit_id, u.name AS unit_name, e.decide_by
     FROM escalations e JOIN notices n ON n.id = e.notice_id JOIN units u ON u.id = e.unit_id
     WHERE e.status = 'awaiting_decision' AND (e.assignee_id = $1 OR $1 = ANY(e.delegates))`,
    [u.id],
  );
  for (const e of esc.rows) {
    items.push({
      kind: 'escalation',
      id: e.id as string,
      action: 'decide_escalation',
      title: e.title as string,
      unitId: e.unit_id as string,
      unitName: e.unit_name as string,
      deadline: isoOrNull(e.decide_by),
      href: `/escalations/${e.id as string}`,
    });
  }
  items.push(...(await incidentWork(db, u)));
  const wanted: string[] = [];
  if (can(u, 'proposal.edit')) wanted.push('draft', 'returned');
  if (can(u, 'proposal.approve')) wanted.push('awaiting_approval');
  if (can(u, 'proposal.decide')) wanted.push('submitted');
  if (wanted.length) {
    const r = await db.query<Record<string, unknown>>(
      `SELECT p.id, p.status, p.unit_id, u.name AS unit_name, p.state
       FROM accountability_proposals p JOIN units u ON u.id = p.unit_id WHERE p.status = ANY($1::text[])`,
      [wanted],
    );
    for (const p of r.rows) {
      const s = jsonColumn<ProposalState>(p.state);
      let action: string;
      let deadline: string | null = null;
      if (p.status === 'draft' || p.status === 'returned') action = 'edit_proposal';
      else if (p.status === 'awaiting_approval') {
        action = 'approve_proposal';
        deadline = s.approveBy?.at ?? null;
      } else {
        // A committee member's work: their body has not decided yet.
        const mine = BODIES.filter((b) => u.university.includes(b) && !s.decisions[b]);
        if (!mine.length) continue;
        action = 'decide_proposal';
        deadline = s.decideBy?.at ?? null;
      }
      items.push({
        kind: 'proposal',
        id: p.id as string,
        action,
        title: s.facts.split('\n')[0].slice(0, 120),
        unitId: p.unit_id as string,
        unitName: p.unit_name as string,
        deadline,
        href: `/accountability-proposals/${p.id as string}`,
      });
    }
  }
  // Soonest deadline first; items without a deadline after those with one, oldest id first.
  return items.sort((a, b) => {
    if (a.deadline && b.deadline) return Date.parse(a.deadline) - Date.parse(b.deadline);
    if (a.deadline) return -1;
    if (b.deadline) return 1;
    return a.id.localeCompare(b.id);
  });
}

/**
 * The incidents waiting for this person. The unit: report one the office recorded (by the reporting
 * deadline), confirm it, and handle its own (containment, restoration, the closing report — by the
 * outage alert while an important system is down). The office: confirm a restoration, review a
 * closing report. The same state checks as the workflow's validators decide what is offered.
 */
async function incidentWork(db: Queryable, u: CurrentUser): Promise<WorkItem[]> {
  const actorUnits = [...new Set(u.units.filter((x) => UNIT_ACTOR.includes(x.role) && can(u, 'incident.act', x.unitId)).map((x) => x.unitId))];
  const office = can(u, 'incident.review');
  if (!actorUnits.length && !office) return [];
  const r = await db.query<{ state: unknown; unit_name: string }>(
    `SELECT i.state, u.name AS unit_name FROM incidents i JOIN units u ON u.id = i.unit_id
     WHERE i.status <> 'closed' AND ($1 OR i.unit_id = ANY($2::text[]))`,
    [office, actorUnits],
  );
  const items: WorkItem[] = [];
  for (const row of r.rows) {
    const s = jsonColumn<IncidentState>(row.state);
    const item = (action: string, deadline: string | null): WorkItem => ({
      kind: 'incident',
      id: s.id,
      action,
      title: s.title,
      unitId: s.unitId,
      unitName: row.unit_name,
      deadline,
      href: `/incidents/${encodeURIComponent(s.id)}`,
    });
    const handling = s.status === 'open' || s.status === 'contained' || s.status === 'restored';
    if (actorUnits.includes(s.unitId)) {
      if (!s.report && handling) items.push(item('report_incident', s.clocks.reportDueAt));
      if (s.source !== 'unit' && !s.confirmation) items.push(item('confirm_incident', null));
      const waitingForOffice = s.status === 'restored' && !!s.clocks.outage && !s.restoration?.confirmed;
      if (handling && !waitingForOffice) {
        const down = s.clocks.outage && !s.restoration ? new Date(Date.parse(s.clocks.outage.startedAt) + s.clocks.outage.alertAfterMs).toISOString() : null;
        items.push(item('handle_incident', down));
      }
    }
    if (office && can(u, 'incident.review', s.unitId)) {
      // Only an outage waits for the confirmation (its clock runs until then, and the closing report needs it).
      if (s.status === 'restored' && s.clocks.outage && s.restoration && !s.restoration.confirmed) items.push(item('confirm_restoration', null));
      if (s.status === 'under_review') items.push(item('review_incident', null));
    }
  }
  return items;
}

/**
 * Accountability proposals (问责建议, regulation Art. 7–8) as a pure state machine, in the style of
 * domain/notice.ts: the default attribution traced level by level from the organisation at the time
 * of the facts, the rules (check*) and the transitions; the vocabulary (the eight triggers, the
 * measures) lives in glossary.ts and is re-exported here. The proposal workflow wires these to Temporal updates and timers.
 * No I/O, no clock: `now` is always passed in. Workflow-safe: imports types only.
 *
 * draft 草稿 → awaiting_approval 待审批 → submitted 已提交党委和纪委 → closed 已办结;
 * awaiting_approval → returned 已退回 (editable again, like a draft).
 */
import type { Deadline } from './deadlines';
import type { Roles } from './access';
import { RuleViolation, type NotRecorded } from './notice';
import { explicitDeadline } from './explicit-deadline';
import {
  BODIES,
  BODY_LABELS,
  COLLECTIVE_MEASURES,
  PROPOSAL_DECISION_LABELS as DECISION_LABELS,
  PROPOSAL_DECISIONS as DECISIONS,
  INDIVIDUAL_MEASURES,
  PROPOSAL_STATUS_LABELS,
  TRIGGERS,
  type Body,
  type CollectiveMeasure,
  type DecisionKind,
  type IndividualMeasure,
  type ProposalStatus,
  type Responsibility,
  type Trigger,
  type TriggerRule,
} from './glossary';

export {
  TRIGGERS,
  TRIGGER_LABELS,
  INDIVIDUAL_MEASURES,
  INDIVIDUAL_MEASURE_LABELS,
  COLLECTIVE_MEASURES,
  COLLECTIVE_MEASURE_LABELS,
  RESPONSIBILITIES,
  RESPONSIBILITY_LABELS,
  BODIES,
  BODY_LABELS,
  PROPOSAL_STATUSES,
  PROPOSAL_STATUS_LABELS,
  PROPOSAL_DECISIONS as DECISIONS,
  PROPOSAL_DECISION_LABELS as DECISION_LABELS,
} from './glossary';
export type { Trigger, IndividualMeasure, CollectiveMeasure, Responsibility, Body, ProposalStatus, DecisionKind } from './glossary';

// ---- Types ------------------------------------------------------------------------------------

/** Who acts, and in which capacity; the API derives the capacity from the organisation. */
export interface ProposalActor {
  id: string;
  name: string;
  capacity: 'office' | 'cybersecurity_leader' | 'party_committee' | 'discipline_committee' | 'system';
  /** The person's roles when they acted (from the organisation, via the API); the validators re-check them. */
  roles?: Roles;
}

export const PROPOSAL_SYSTEM_ACTOR: ProposalActor = { id: 'system', name: '系统 / System', capacity: 'system' };

export interface IndividualAttribution {
  personId: string;
  responsibility: Responsibility;
  /** The recommended measure; null = no measure recommended for this person. */
  measure: IndividualMeasure | null;
  reason: string;
}

export interface CollectiveAttribution {
  /** 主要领导责任: the unit's first responsible and direct responsible person at the time of the facts. */
  mainLeadership: string[];
  /** 重要领导责任: the leadership members who took part in the decision, selected by the office. */
  importantLeadership: string[];
  measures: Array<{ measure: CollectiveMeasure; reason: string }>;
}

export interface Attribution {
  individuals: IndividualAttribution[];
  /** null: collective responsibility is not considered. */
  collective: CollectiveAttribution | null;
}

export interface ProposalEvidence {
  name: string;
  sha256: string;
}

export type ProposalOrigin =
  | { kind: 'office'; by: string }
  | {
      kind: 'escalation';
      noticeId: string;
      level: number;
      leaderId: string;
      /** Everyone asked in the escalation (absent in proposals opened before: the proposer alone). */
      asked?: string[];
    }
  /**
   * Opened by one of Art. 7's trigger rules (domain/triggers.ts): the rule and the article, the
   * dedupe key of the facts (one draft per key), the facts as data, the linked incidents, and who
   * recorded them (`system` for the automatic rules).
   */
  | {
      kind: 'trigger';
      rule: TriggerRule;
      article: string;
      dedupeKey: string;
      facts: Record<string, unknown>;
      incidentIds: string[];
      firedBy: string;
    };

/**
 * Besides the university-level readers of the access table: the leader who proposed it from an
 * escalation and everyone asked in that escalation may read the proposal it produced (own items).
 */
export function isOwnProposal(state: Pick<ProposalState, 'origin'>, personId: string): boolean {
  const o = state.origin;
  return o.kind === 'escalation' && (o.leaderId === personId || (o.asked ?? []).includes(personId));
}

/** What a body decided, per person and for the unit. */
export interface DecidedMeasures {
  individuals: Array<{ personId: string; measure: IndividualMeasure | null }>;
  collective: CollectiveMeasure[];
}

export interface Decision {
  body: Body;
  by: string;
  at: string;
  decision: DecisionKind;
  /** As decided: for 'accepted' the proposed measures, for 'declined' none. */
  measures: DecidedMeasures;
  reason: string;
  /** Discipline Committee only: it opened its own review (立案审查). */
  reviewOpened?: boolean;
}

export interface ProposalOutcome {
  closedAt: string;
  individuals: Array<{
    personId: string;
    responsibility: Responsibility;
    proposed: IndividualMeasure | null;
    decided: Record<Body, { decision: DecisionKind; measure: IndividualMeasure | null }>;
  }>;
  unit: {
    unitId: string;
    proposed: CollectiveMeasure[];
    decided: Record<Body, { decision: DecisionKind; measures: CollectiveMeasure[] }>;
  };
  reviewOpened: boolean;
}

/** Windows in milliseconds (from the policy snapshot at creation). */
export interface ProposalTiming {
  approveWithinMs: number;
  decideWithinMs: number;
  /** Offsets before the deadline. */
  remindersMs: number[];
}

/** Everything a proposal workflow needs to start; self-contained so another workflow can start one. */
export interface ProposalInput {
  id: string;
  unitId: string;
  trigger: Trigger;
  facts: string;
  factsAt: string;
  noticeIds: string[];
  evidence: ProposalEvidence[];
  origin: ProposalOrigin;
  attribution: Attribution;
  createdAt: string;
  createdBy: { id: string; name: string };
  timing: ProposalTiming;
}

/** The proposal's state: what it started with (createdBy kept as the person's id), plus its progress. */
export interface ProposalState extends Omit<ProposalInput, 'createdBy'> {
  status: ProposalStatus;
  requestedAt?: string;
  /** While awaiting approval: when the cybersecurity leader should have decided. */
  approveBy?: Deadline;
  approval?: { by: string; at: string; comment: string };
  /** While submitted: when both bodies should have decided. */
  decideBy?: Deadline;
  returns: Array<{ by: string; at: string; reason: string }>;
  decisions: Partial<Record<Body, Decision>>;
  outcome?: ProposalOutcome;
  closedAt?: string;
  /** Why the proposal was not created (status not_created): its first record could never be written. */
  notRecorded?: NotRecorded;
  createdBy: string;
  /** Keys of reminders already sent. */
  remindersSent: string[];
  /** Sequence number of the last recorded event; the database projection follows it. */
  version: number;
}

// ---- Default attribution ----------------------------------------------------------------------

/**
 * Art. 7 traced level by level: the parties concerned, then the unit's cybersecurity responsible
 * person (direct responsible), then its principal responsible person (first responsible), as the
 * organisation stood at the time of the facts. Vacant roles are skipped. One row per person: a
 * party concerned who also held a chain role appears once, at the chain level, so the levels
 * traced from the organisation are never lost when the office edits the parties concerned.
 * Main leadership responsibility (Art. 8): the first and the direct responsible person.
 */
export function defaultAttribution(
  chainAtFacts: { directResponsible: string | null; firstResponsible: string | null; principal?: string | null },
  partiesConcerned: string[],
): Attribution {
  const leadership: IndividualAttribution[] = [];
  const add = (personId: string | null, responsibility: Responsibility) => {
    if (personId && !leadership.some((r) => r.personId === personId)) {
      leadership.push({ personId, responsibility, measure: null, reason: '' });
    }
  };
  add(chainAtFacts.directResponsible, 'cybersecurity_responsible');
  add(chainAtFacts.firstResponsible, 'principal_responsible');
  // The main leaders (the secretary and the administrative head) and the leader in charge of cybersecurity.
  const mainLeadership = unique(
    [chainAtFacts.firstResponsible, chainAtFacts.principal ?? null, chainAtFacts.directResponsible].filter((p): p is string => !!p),
  );
  return {
    individuals: withParties(leadership, partiesConcerned),
    collective: { mainLeadership, importantLeadership: [], measures: [] },
  };
}

/** Rows with the parties concerned replaced; kept persons keep their measure and reason. */
function withParties(rows: IndividualAttribution[], parties: string[]): IndividualAttribution[] {
  const chain = rows.filter((r) => r.responsibility !== 'party_concerned');
  const partyRows = unique(parties)
    .filter((id) => !chain.some((r) => r.personId === id))
    .map(
      (personId) =>
        rows.find((r) => r.personId === personId && r.responsibility === 'party_concerned') ?? {
          personId,
          responsibility: 'party_concerned' as const,
          measure: null,
          reason: '',
        },
    );
  return [...partyRows, ...chain].map((r) => ({ ...r }));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export function initialProposalState(input: ProposalInput): ProposalState {
  return {
    id: input.id,
    unitId: input.unitId,
    trigger: input.trigger,
    facts: input.facts,
    factsAt: input.factsAt,
    noticeIds: [...input.noticeIds],
    evidence: input.evidence.map((e) => ({ ...e })),
    origin: input.origin,
    attribution: clone(input.attribution),
    status: 'draft',
    returns: [],
    decisions: {},
    createdAt: input.createdAt,
    createdBy: input.createdBy.id,
    timing: input.timing,
    remindersSent: [],
    version: 0,
  };
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// ---- Rules ------------------------------------------------------------------------------------

function requireCapacity(actor: ProposalActor, capacities: ProposalActor['capacity'][], zh: string, en: string): void {
  if (!capacities.includes(actor.capacity)) throw new RuleViolation('forbidden', zh, en);
}

function requireStatus(state: ProposalState, allowed: ProposalStatus[], action: { zh: string; en: string }): void {
  if (!allowed.includes(state.status)) {
    const s = PROPOSAL_STATUS_LABELS[state.status];
    throw new RuleViolation(
      'invalid_state',
      `问责建议当前状态为“${s.zh}”，不能${action.zh}`,
      `The proposal is ${s.en}; it cannot be ${action.en} now`,
    );
  }
}

function requireText(value: string | undefined, zh: string, en: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new RuleViolation('invalid_input', zh, en);
  return v;
}

function invalid(zh: string, en: string): never {
  throw new RuleViolation('invalid_input', zh, en);
}

function noDuplicates(ids: string[], what: { zh: string; en: string }): void {
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) invalid(`${what.zh}中重复列出了 ${dup}`, `${what.en} lists ${dup} twice`);
}

const isIndividualMeasure = (m: unknown): m is IndividualMeasure => (INDIVIDUAL_MEASURES as readonly unknown[]).includes(m);
const isCollectiveMeasure = (m: unknown): m is CollectiveMeasure => (COLLECTIVE_MEASURES as readonly unknown[]).includes(m);

/** What a new proposal must satisfy (checked by the API before it starts the workflow). */
export function checkProposalInput(input: ProposalInput, now: number): void {
  if (!(TRIGGERS as readonly string[]).includes(input.trigger)) invalid('问责情形无效', 'Unknown trigger');
  requireText(input.facts, '问责建议须写明事实', 'A proposal needs the facts');
  const factsAt = Date.parse(input.factsAt);
  if (Number.isNaN(factsAt)) invalid('事实发生时间无效', 'factsAt is not a valid time');
  if (factsAt > now) invalid('事实发生时间不能晚于当前时间', 'The facts cannot lie in the future');
  noDuplicates(input.attribution.individuals.map((r) => r.personId), { zh: '责任人', en: 'The attribution' });
}

/** An edit of a draft or returned proposal. Absent fields stay as they are. */
export interface ProposalEdit {
  trigger?: Trigger;
  facts?: string;
  /** Replaces the parties concerned; their rows are recomputed (kept persons keep measure and reason). */
  partiesConcerned?: string[];
  /** Sets the recommended measure and reason of persons already in the attribution. */
  individuals?: Array<{ personId: string; measure: IndividualMeasure | null; reason?: string }>;
  collective?: { importantLeadership?: string[]; measures?: Array<{ measure: CollectiveMeasure; reason: string }> };
  evidence?: ProposalEvidence[];
  noticeIds?: string[];
  /** Art. 8: which responsibility, and who bears main and important leadership responsibility; with a reason. */
  attribution?: AttributionEdit;
}

/** individual: individual responsibility only; collective: collective only; both. */
export type AttributionKinds = 'individual' | 'collective' | 'both';

export interface AttributionEdit {
  /** Why: recorded in the timeline with the change. */
  reason: string;
  kinds?: AttributionKinds;
  mainLeadership?: string[];
  importantLeadership?: string[];
  /**
   * The default attribution at the time of the facts (computed by the API), to bring back the part
   * a previous edit left out when `kinds` takes it in again.
   */
  restore?: Attribution;
}

/** Which parts an attribution has. */
export function attributionKinds(a: Attribution): AttributionKinds {
  if (a.collective && a.individuals.length > 0) return 'both';
  return a.collective ? 'collective' : 'individual';
}

/** The attribution an edit leads to (pure; checkEdit says whether it is allowed). */
export function editedAttribution(current: Attribution, e: AttributionEdit): Attribution {
  const next = clone(current);
  const kinds = e.kinds ?? attributionKinds(current);
  if (kinds === 'collective') next.individuals = [];
  else if (e.restore) {
    // The chain rows as at the time of the facts come back (parties concerned are named with partiesConcerned).
    for (const r of e.restore.individuals) {
      if (r.responsibility !== 'party_concerned' && !next.individuals.some((x) => x.personId === r.personId)) next.individuals.push(clone(r));
    }
  }
  if (kinds === 'individual') next.collective = null;
  else if (!next.collective) next.collective = clone(e.restore?.collective ?? { mainLeadership: [], importantLeadership: [], measures: [] });
  if (next.collective) {
    if (e.mainLeadership) next.collective.mainLeadership = unique(e.mainLeadership);
    if (e.importantLeadership) next.collective.importantLeadership = unique(e.importantLeadership);
    if (e.mainLeadership && !e.importantLeadership) {
      next.collective.importantLeadership = next.collective.importantLeadership.filter((p) => !next.collective!.mainLeadership.includes(p));
    }
  }
  return next;
}

function checkAttributionEdit(state: ProposalState, e: AttributionEdit): void {
  requireText(e.reason, '修改责任认定须说明理由', 'A change of the attribution needs a reason');
  if (e.kinds !== undefined && !['individual', 'collective', 'both'].includes(e.kinds)) invalid('责任类型无效', 'Unknown kind of responsibility');
  const kinds = e.kinds ?? attributionKinds(state.attribution);
  if (kinds === 'individual' && (e.mainLeadership || e.importantLeadership)) {
    invalid('仅追究个人责任时不认定领导责任', 'With individual responsibility only there is no leadership responsibility to assign');
  }
  if (e.mainLeadership) noDuplicates(e.mainLeadership, { zh: '主要领导责任人员', en: 'mainLeadership' });
  if (e.importantLeadership) noDuplicates(e.importantLeadership, { zh: '重要领导责任人员', en: 'importantLeadership' });
  const next = editedAttribution(state.attribution, e);
  if (next.collective) {
    const both = next.collective.importantLeadership.find((p) => next.collective!.mainLeadership.includes(p));
    if (both) invalid(`${both} 不能同时承担主要领导责任和重要领导责任`, `${both} cannot bear both main and important leadership responsibility`);
    if (next.collective.mainLeadership.length === 0) invalid('集体责任须有承担主要领导责任的人员', 'Collective responsibility needs someone bearing main leadership responsibility');
  }
  if (next.individuals.length === 0 && !next.collective) invalid('须至少追究个人责任或集体责任之一', 'Keep individual or collective responsibility, or both');
}

export function checkEdit(state: ProposalState, actor: ProposalActor, edit: ProposalEdit): void {
  requireCapacity(actor, ['office'], '只有领导小组办公室可以修改问责建议', 'Only the office can edit a proposal');
  requireStatus(state, ['draft', 'returned'], { zh: '修改（提交后只能由党委、纪委作出决定）', en: 'edited (after submission only the bodies decide)' });
  if (Object.values(edit).every((v) => v === undefined)) invalid('没有要修改的内容', 'Nothing to change');
  if (edit.trigger !== undefined && !(TRIGGERS as readonly string[]).includes(edit.trigger)) invalid('问责情形无效', 'Unknown trigger');
  if (edit.facts !== undefined) requireText(edit.facts, '问责建议须写明事实', 'A proposal needs the facts');
  if (edit.partiesConcerned) noDuplicates(edit.partiesConcerned, { zh: '当事人', en: 'partiesConcerned' });
  const rows = edit.partiesConcerned ? withParties(state.attribution.individuals, edit.partiesConcerned) : state.attribution.individuals;
  if (edit.individuals) {
    noDuplicates(edit.individuals.map((i) => i.personId), { zh: '责任人', en: 'individuals' });
    for (const i of edit.individuals) {
      if (!rows.some((r) => r.personId === i.personId)) {
        invalid(
          `${i.personId} 不在本建议的责任人中（当事人请通过 partiesConcerned 添加）`,
          `${i.personId} is not in this proposal's attribution (add parties concerned through partiesConcerned)`,
        );
      }
      if (i.measure !== null && !isIndividualMeasure(i.measure)) invalid(`问责方式 ${String(i.measure)} 无效`, `Unknown measure ${String(i.measure)}`);
    }
  }
  if (edit.collective) {
    const c = state.attribution.collective;
    if (!c) throw new RuleViolation('invalid_state', '本建议不涉及集体责任', 'This proposal does not consider collective responsibility');
    if (edit.collective.importantLeadership) {
      noDuplicates(edit.collective.importantLeadership, { zh: '重要领导责任人员', en: 'importantLeadership' });
      const main = edit.collective.importantLeadership.find((p) => c.mainLeadership.includes(p));
      if (main) invalid(`${main} 承担主要领导责任，不能同时列为重要领导责任`, `${main} bears main leadership responsibility already`);
    }
    if (edit.collective.measures) {
      noDuplicates(edit.collective.measures.map((m) => m.measure), { zh: '集体问责方式', en: 'collective measures' });
      for (const m of edit.collective.measures) if (!isCollectiveMeasure(m.measure)) invalid(`问责方式 ${String(m.measure)} 无效`, `Unknown measure ${String(m.measure)}`);
    }
  }
  if (edit.noticeIds) noDuplicates(edit.noticeIds, { zh: '关联通知', en: 'noticeIds' });
  if (edit.attribution) checkAttributionEdit(state, edit.attribution);
}

export function checkRequestApproval(state: ProposalState, actor: ProposalActor, due: Deadline | undefined, now: number): void {
  requireCapacity(actor, ['office'], '只有领导小组办公室可以提请审批', 'Only the office can ask for approval');
  requireStatus(state, ['draft', 'returned'], { zh: '提请审批', en: 'sent for approval' });
  const a = state.attribution;
  const recommended = a.individuals.filter((r) => r.measure !== null);
  const collective = a.collective?.measures ?? [];
  if (recommended.length === 0 && collective.length === 0) {
    invalid('提请审批前须至少建议一项问责方式', 'Recommend at least one measure before asking for approval');
  }
  const noReason = recommended.find((r) => !r.reason.trim());
  if (noReason) invalid(`须说明对 ${noReason.personId} 建议问责的理由`, `Give the reason for the measure recommended for ${noReason.personId}`);
  if (collective.some((m) => !m.reason.trim())) invalid('须说明建议集体问责的理由', 'Give the reason for each collective measure');
  checkDue(due, now);
}

function checkDue(due: Deadline | undefined, now: number): void {
  if (due && !(Date.parse(due.at) > now)) invalid('办理期限必须晚于当前时间', 'The deadline must be in the future');
}

const LEADER_ONLY = { zh: '只有主管网络安全的校领导可以审批问责建议', en: 'Only the university leader in charge of cybersecurity can approve or return a proposal' };

export function checkApprove(state: ProposalState, actor: ProposalActor, due: Deadline | undefined, now: number): void {
  requireCapacity(actor, ['cybersecurity_leader'], LEADER_ONLY.zh, LEADER_ONLY.en);
  requireStatus(state, ['awaiting_approval'], { zh: '审批', en: 'approved' });
  checkDue(due, now);
}

export function checkReturn(state: ProposalState, actor: ProposalActor, reason: string): void {
  requireCapacity(actor, ['cybersecurity_leader'], LEADER_ONLY.zh, LEADER_ONLY.en);
  requireStatus(state, ['awaiting_approval'], { zh: '退回', en: 'returned' });
  requireText(reason, '退回问责建议须说明理由', 'Returning a proposal needs a reason');
}

export interface DecisionInput {
  body: Body;
  decision: DecisionKind;
  /** Only with 'modified': the measures as decided; persons not listed get none. */
  measures?: { individuals?: Array<{ personId: string; measure: IndividualMeasure | null }>; collective?: CollectiveMeasure[] };
  reason?: string;
  reviewOpened?: boolean;
}

/**
 * For the workflow's validator: the person must sit on the body they decide for, by the roles the
 * API looked up — not by the capacity the caller declares.
 */
export function checkSitsOnBody(actor: ProposalActor, body: Body): void {
  if (!(actor.roles?.university ?? []).includes(body)) {
    const label = BODY_LABELS[body] ?? { zh: body, en: body };
    throw new RuleViolation('forbidden', `您不是${label.zh}成员`, `You are not a member of the ${label.en}`);
  }
}

export function checkDecide(state: ProposalState, actor: ProposalActor, input: DecisionInput): void {
  if (!(BODIES as readonly string[]).includes(input.body)) invalid('决定机关无效', 'Unknown body');
  const label = BODY_LABELS[input.body];
  requireCapacity(actor, [input.body], `只有${label.zh}可以作出${label.zh}的决定`, `Only the ${label.en} can decide for the ${label.en}`);
  requireStatus(state, ['submitted'], { zh: '作出决定', en: 'decided' });
  if (state.decisions[input.body]) {
    throw new RuleViolation('invalid_state', `${label.zh}已对本建议作出决定`, `The ${label.en} has already decided on this proposal`);
  }
  if (!(DECISIONS as readonly string[]).includes(input.decision)) invalid('决定无效', 'Unknown decision');
  if (input.decision !== 'accepted') {
    requireText(input.reason, `${DECISION_LABELS[input.decision].zh}须说明理由`, `A ${input.decision} decision needs a reason`);
  }
  if (input.reviewOpened && input.body !== 'discipline_committee') {
    invalid('只有纪委可以立案审查', 'Only the Discipline Committee opens its own review');
  }
  if (input.decision !== 'modified') {
    if (input.measures) invalid('只有“调整后采纳”时才填写决定的问责方式', 'Measures are given only with a modified decision');
    return;
  }
  const m = input.measures;
  if (!m) invalid('“调整后采纳”须写明决定的问责方式', 'A modified decision needs the measures as decided');
  const individuals = m.individuals ?? [];
  noDuplicates(individuals.map((i) => i.personId), { zh: '决定的问责方式', en: 'measures.individuals' });
  for (const i of individuals) {
    if (!state.attribution.individuals.some((r) => r.personId === i.personId)) {
      invalid(`${i.personId} 不在本建议的责任人中`, `${i.personId} is not in this proposal's attribution`);
    }
    if (i.measure !== null && !isIndividualMeasure(i.measure)) invalid(`问责方式 ${String(i.measure)} 无效`, `Unknown measure ${String(i.measure)}`);
  }
  const collective = m.collective ?? [];
  if (collective.length > 0 && !state.attribution.collective) {
    invalid('本建议不涉及集体责任', 'This proposal does not consider collective responsibility');
  }
  noDuplicates(collective, { zh: '集体问责方式', en: 'measures.collective' });
  for (const c of collective) if (!isCollectiveMeasure(c)) invalid(`问责方式 ${String(c)} 无效`, `Unknown measure ${String(c)}`);
}

// ---- Transitions: mutate the state; the caller has validated first. ----

/** Applies an edit; returns the names of the fields changed (for the timeline). */
export function editProposal(state: ProposalState, e: ProposalEdit): string[] {
  const changed: string[] = [];
  if (e.trigger !== undefined) state.trigger = e.trigger;
  if (e.facts !== undefined) state.facts = e.facts.trim();
  if (e.partiesConcerned) state.attribution.individuals = withParties(state.attribution.individuals, e.partiesConcerned);
  for (const i of e.individuals ?? []) {
    const row = state.attribution.individuals.find((r) => r.personId === i.personId)!;
    row.measure = i.measure;
    if (i.reason !== undefined) row.reason = i.reason.trim();
  }
  const c = state.attribution.collective;
  if (c && e.collective?.importantLeadership) c.importantLeadership = [...e.collective.importantLeadership];
  if (c && e.collective?.measures) c.measures = e.collective.measures.map((m) => ({ measure: m.measure, reason: m.reason.trim() }));
  if (e.attribution) state.attribution = editedAttribution(state.attribution, e.attribution);
  if (e.evidence) state.evidence = e.evidence.map((x) => ({ name: x.name, sha256: x.sha256 }));
  if (e.noticeIds) state.noticeIds = [...e.noticeIds];
  for (const [k, v] of Object.entries(e)) if (v !== undefined) changed.push(k);
  return changed;
}

export function requestApproval(state: ProposalState, now: string, due: Deadline): void {
  state.status = 'awaiting_approval';
  state.requestedAt = now;
  state.approveBy = due;
}

export function approveProposal(state: ProposalState, actor: ProposalActor, comment: string | undefined, now: string, due: Deadline): void {
  state.status = 'submitted';
  state.approval = { by: actor.id, at: now, comment: (comment ?? '').trim() };
  delete state.approveBy;
  state.decideBy = due;
}

export function returnProposal(state: ProposalState, actor: ProposalActor, reason: string, now: string): void {
  state.status = 'returned';
  state.returns.push({ by: actor.id, at: now, reason: reason.trim() });
  delete state.approveBy;
}

/** Records a body's decision; closes the proposal once both bodies have decided. Returns the decision. */
export function decideProposal(state: ProposalState, actor: ProposalActor, input: DecisionInput, now: string): Decision {
  const a = state.attribution;
  let measures: DecidedMeasures;
  if (input.decision === 'accepted') {
    measures = {
      individuals: a.individuals.map((r) => ({ personId: r.personId, measure: r.measure })),
      collective: (a.collective?.measures ?? []).map((m) => m.measure),
    };
  } else if (input.decision === 'declined') {
    measures = { individuals: a.individuals.map((r) => ({ personId: r.personId, measure: null })), collective: [] };
  } else {
    const given = input.measures?.individuals ?? [];
    measures = {
      individuals: a.individuals.map((r) => ({
        personId: r.personId,
        measure: given.find((g) => g.personId === r.personId)?.measure ?? null,
      })),
      collective: [...(input.measures?.collective ?? [])],
    };
  }
  const d: Decision = {
    body: input.body,
    by: actor.id,
    at: now,
    decision: input.decision,
    measures,
    reason: (input.reason ?? '').trim(),
    ...(input.body === 'discipline_committee' ? { reviewOpened: input.reviewOpened === true } : {}),
  };
  state.decisions[input.body] = d;
  if (BODIES.every((b) => state.decisions[b])) close(state, now);
  return d;
}

function close(state: ProposalState, now: string): void {
  const pc = state.decisions.party_committee!;
  const dc = state.decisions.discipline_committee!;
  const measureOf = (d: Decision, personId: string) => d.measures.individuals.find((i) => i.personId === personId)?.measure ?? null;
  state.status = 'closed';
  state.closedAt = now;
  delete state.decideBy;
  state.outcome = {
    closedAt: now,
    individuals: state.attribution.individuals.map((r) => ({
      personId: r.personId,
      responsibility: r.responsibility,
      proposed: r.measure,
      decided: {
        party_committee: { decision: pc.decision, measure: measureOf(pc, r.personId) },
        discipline_committee: { decision: dc.decision, measure: measureOf(dc, r.personId) },
      },
    })),
    unit: {
      unitId: state.unitId,
      proposed: (state.attribution.collective?.measures ?? []).map((m) => m.measure),
      decided: {
        party_committee: { decision: pc.decision, measures: pc.measures.collective },
        discipline_committee: { decision: dc.decision, measures: dc.measures.collective },
      },
    },
    reviewOpened: dc.reviewOpened === true,
  };
}

/**
 * The rows the outcome leaves for the annual assessment (Art. 9): per body, one per person and one
 * for the unit (personId null, responsibility 'collective').
 */
export interface OutcomeRow {
  proposalId: string;
  unitId: string;
  personId: string | null;
  responsibility: Responsibility | 'collective';
  body: Body;
  decision: DecisionKind;
  measures: string[];
  reviewOpened: boolean;
  decidedAt: string;
}

export function outcomeRows(state: ProposalState): OutcomeRow[] {
  if (state.status !== 'closed') return [];
  const rows: OutcomeRow[] = [];
  for (const body of BODIES) {
    const d = state.decisions[body]!;
    const base = { proposalId: state.id, unitId: state.unitId, body, decision: d.decision, reviewOpened: d.reviewOpened === true, decidedAt: d.at };
    for (const r of state.attribution.individuals) {
      const m = d.measures.individuals.find((i) => i.personId === r.personId)?.measure ?? null;
      rows.push({ ...base, personId: r.personId, responsibility: r.responsibility, measures: m ? [m] : [] });
    }
    rows.push({ ...base, personId: null, responsibility: 'collective', measures: [...d.measures.collective] });
  }
  return rows;
}

// ---- Deadlines and reminders ------------------------------------------------------------------

/** After the deadline, reminders repeat once per window, at most this many times. */
export const MAX_LATE_REMINDERS = 5;
/** Repeats never come faster than this, whatever the policy says. */
const MIN_REPEAT_MS = 1000;

/** A plain-time deadline (the fallback when the caller gave none computed with the calendar). */
export function plainDeadline(from: string, withinMs: number, what: { zh: string; en: string }): Deadline {
  const at = new Date(Date.parse(from) + withinMs).toISOString();
  return explicitDeadline(at, 'explicit', from, (due) => ({
    zh: `${what.zh}期限（按自然时间计算），截止于${due.zh}`,
    en: `${what.en} deadline (plain time), due ${due.en}`,
  }));
}

export interface ProposalTimer {
  at: number;
  stage: 'approve' | 'decide';
  /** Reminder keys this firing covers (stale ones are swept together with the latest). */
  keys: string[];
  late: boolean;
  due: string;
}

/**
 * The next reminder: before the deadline at each offset, at the deadline, then once per window
 * after it, at most MAX_LATE_REMINDERS times. Reminders already due (e.g. the worker was down)
 * are collapsed into one: the latest, with the earlier keys marked sent too.
 */
export function nextProposalTimer(state: ProposalState, now: number): ProposalTimer | null {
  const stage = state.status === 'awaiting_approval' ? 'approve' : state.status === 'submitted' ? 'decide' : null;
  const deadline = stage === 'approve' ? state.approveBy : stage === 'decide' ? state.decideBy : undefined;
  if (!stage || !deadline) return null;
  const due = Date.parse(deadline.at);
  const setAt = Date.parse(deadline.explanation.from);
  const windowMs = Math.max(stage === 'approve' ? state.timing.approveWithinMs : state.timing.decideWithinMs, MIN_REPEAT_MS);
  const candidates: Array<{ at: number; key: string; late: boolean }> = [];
  for (const offset of state.timing.remindersMs) {
    const at = due - offset;
    if (at >= setAt && at < due) candidates.push({ at, key: `${stage}@${deadline.at}-${offset}`, late: false });
  }
  for (let k = 0; k < MAX_LATE_REMINDERS; k++) {
    candidates.push({ at: due + k * windowMs, key: `${stage}@${deadline.at}+${k}`, late: true });
  }
  const open = candidates.filter((c) => !state.remindersSent.includes(c.key)).sort((a, b) => a.at - b.at);
  if (open.length === 0) return null;
  const ripe = open.filter((c) => c.at <= now);
  const pick = ripe.length > 0 ? ripe[ripe.length - 1] : open[0];
  const keys = ripe.length > 0 ? ripe.map((c) => c.key) : [pick.key];
  return { at: pick.at, stage, keys, late: pick.late, due: deadline.at };
}

/** Who holds the proposal now: the cybersecurity leader, or the bodies that have not decided. */
export function pendingHolders(state: ProposalState): Array<'cybersecurity_leader' | Body> {
  if (state.status === 'awaiting_approval') return ['cybersecurity_leader'];
  if (state.status === 'submitted') return BODIES.filter((b) => !state.decisions[b]);
  return [];
}

/**
 * Art. 7's accountability triggers (问责触发规则) as pure rules: given an incident's state (and, for
 * repeated mining, the unit's earlier cases), which rules fire now, each with its dedupe key, the
 * article, the proposal trigger, the facts in words and as data, and the linked records. The same
 * facts always give the same key; the database enforces one firing per key (trigger_firings), so a
 * rule never fires twice for the same facts — also across retries and restarts. Also the rules the
 * office records (7(3), (4), (6) unrectified after the chain, (7), (8)). No I/O, no clock.
 */
import { TRIGGER_RULE_LABELS, INCIDENT_TYPE_LABELS, type Trigger, type TriggerRule } from './glossary';
import { outageDurationMs, type IncidentState } from './incident';
import { formatBeijingZh } from './time';

export { TRIGGER_RULES, TRIGGER_RULE_LABELS } from './glossary';
export type { TriggerRule } from './glossary';

export interface FiringPlan {
  rule: TriggerRule;
  article: string;
  trigger: Trigger;
  dedupeKey: string;
  unitId: string;
  /** When the facts happened: the attribution follows the organisation as it was then. */
  factsAt: string;
  /** The facts in words (Chinese first, then English), the draft's text. */
  text: string;
  /** The facts as data, kept with the firing and on the proposal. */
  facts: Record<string, unknown>;
  incidentIds: string[];
  noticeIds: string[];
  evidence: Array<{ name: string; sha256: string }>;
}

/** An earlier mining case of the same unit. */
export interface EarlierCase {
  id: string;
  title: string;
  detectedAt: string;
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h * 100) / 100} h` : `${Math.round(ms / 1000)} s`;
}

function zhDuration(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h * 100) / 100}小时` : `${Math.round(ms / 1000)}秒`;
}

function plan(state: IncidentState, rule: TriggerRule, factsAt: string, zh: string, en: string, facts: Record<string, unknown>): FiringPlan {
  const r = TRIGGER_RULE_LABELS[rule];
  return {
    rule,
    article: r.article,
    trigger: r.trigger,
    dedupeKey: `${rule}:incident:${state.id}`,
    unitId: state.unitId,
    factsAt,
    text: `${zh}\n${en}\n（规则 / rule: ${rule}，第七条 / Art. ${r.article}）`,
    facts: { incidentId: state.id, ...facts },
    incidentIds: [state.id],
    noticeIds: [...state.noticeIds],
    evidence: state.closingReports.flatMap((c) => c.evidence.map((e) => ({ name: e.name, sha256: e.sha256 }))),
  };
}

const fired = (state: IncidentState, rule: TriggerRule) => state.firings.some((f) => f.rule === rule);

/**
 * The rules that fire on this incident now (not counting those it has fired already). `earlier`:
 * the unit's earlier mining cases within the policy's window (the workflow reads them once, when a
 * mining incident is recorded).
 */
export function incidentFirings(state: IncidentState, now: number, earlier: EarlierCase[] | null = null): FiringPlan[] {
  const out: FiringPlan[] = [];
  const t = state.triggers;
  const head = `事件 ${state.id}「${state.title}」（${INCIDENT_TYPE_LABELS[state.type].zh}，发现于${formatBeijingZh(state.detectedAt)}）`;
  const headEn = `Incident ${state.id} "${state.title}" (${INCIDENT_TYPE_LABELS[state.type].en}, detected ${state.detectedAt})`;

  // 7(1): defacement reported late, or never (established when the office closes it).
  if (state.type === 'defacement' && t.defacementLate && !fired(state, 'defacement_late')) {
    if (state.report && state.report.lateByMs > 0) {
      out.push(
        plan(state, 'defacement_late', state.detectedAt,
          `${head}，报告时限为发现后${zhDuration(state.clocks.reportWithinMs)}，单位于${formatBeijingZh(state.report.at)}报告，迟报${zhDuration(state.report.lateByMs)}。`,
          `${headEn}: reporting window ${hours(state.clocks.reportWithinMs)} from detection; reported at ${state.report.at}, ${hours(state.report.lateByMs)} late.`,
          { kind: 'late', reportedAt: state.report.at, reportDueAt: state.clocks.reportDueAt, lateByMs: state.report.lateByMs }),
      );
    } else if (state.status === 'closed' && state.neverReported) {
      out.push(
        plan(state, 'defacement_late', state.detectedAt,
          `${head}，报告期限${formatBeijingZh(state.clocks.reportDueAt)}，至办结时单位始终未报告。`,
          `${headEn}: due to be reported by ${state.clocks.reportDueAt}; never reported until the office closed it.`,
          { kind: 'never', reportDueAt: state.clocks.reportDueAt, closedAt: state.closedAt }),
      );
    }
  }

  // 7(2): an important system down at least the threshold, once the office has marked the impact serious.
  const down = outageDurationMs(state, now);
  if (down !== null && t.outage.enabled && state.seriousImpact && down >= t.outage.thresholdMs && !fired(state, 'outage_threshold')) {
    const names = state.systems.filter((s) => s.important).map((s) => s.name).join('、');
    out.push(
      plan(state, 'outage_threshold', state.clocks.outage!.startedAt,
        `${head}：重要系统（${names}）自${formatBeijingZh(state.clocks.outage!.startedAt)}起中断${zhDuration(down)}${state.restoration ? '' : '（仍未恢复）'}，达到${zhDuration(t.outage.thresholdMs)}阈值；办公室认定影响严重：${state.seriousImpact.reason}。`,
        `${headEn}: important system(s) ${names} down ${hours(down)} since ${state.clocks.outage!.startedAt}${state.restoration ? '' : ' (not restored yet)'}, at least the threshold of ${hours(t.outage.thresholdMs)}; impact marked serious by the office: ${state.seriousImpact.reason}.`,
        {
          outageStartedAt: state.clocks.outage!.startedAt,
          restoredAt: state.restoration?.restoredAt ?? null,
          downMs: down,
          thresholdMs: t.outage.thresholdMs,
          seriousImpact: state.seriousImpact,
          systems: state.systems.filter((s) => s.important).map((s) => s.id),
        }),
    );
  }

  // 7(5): mining again in the same unit within the window.
  if (state.type === 'mining' && t.miningRepeat.enabled && earlier && earlier.length >= t.miningRepeat.minEarlier && !fired(state, 'mining_repeat')) {
    const list = earlier.map((c) => `${c.id}（${formatBeijingZh(c.detectedAt)}）`).join('、');
    const p = plan(state, 'mining_repeat', state.detectedAt,
      `${head}：本单位在此前${zhDuration(t.miningRepeat.windowMs)}内已发生挖矿事件${earlier.length}起（${list}），本次为第${earlier.length + 1}起。`,
      `${headEn}: the unit had ${earlier.length} earlier mining case(s) within the window of ${hours(t.miningRepeat.windowMs)} (${earlier.map((c) => c.id).join(', ')}); this is case ${earlier.length + 1}.`,
      { earlier, count: earlier.length + 1, windowMs: t.miningRepeat.windowMs });
    p.incidentIds = [state.id, ...earlier.map((c) => c.id)];
    out.push(p);
  }

  // 7(6): concealment — the office learned of it elsewhere and the unit never reported it.
  if (state.source !== 'unit' && t.concealment && state.status === 'closed' && state.neverReported && !fired(state, 'concealment')) {
    out.push(
      plan(state, 'concealment', state.detectedAt,
        `${head}由领导小组办公室从其他渠道获知（${state.source}），报告期限${formatBeijingZh(state.clocks.reportDueAt)}，至办结时单位始终未报告（瞒报）。`,
        `${headEn} was learned of by the office elsewhere (${state.source}); due to be reported by ${state.clocks.reportDueAt}, the unit never reported it (concealment).`,
        { source: state.source, reportDueAt: state.clocks.reportDueAt, closedAt: state.closedAt }),
    );
  }
  return out;
}

/** The window of earlier cases a mining incident is compared with: [detectedAt − window, detectedAt). */
export function miningWindow(state: IncidentState): { from: string; to: string } | null {
  if (state.type !== 'mining' || !state.triggers.miningRepeat.enabled) return null;
  const to = Date.parse(state.detectedAt);
  return { from: new Date(to - state.triggers.miningRepeat.windowMs).toISOString(), to: state.detectedAt };
}

// ---- Situations the office records (Art. 7(3), (4), (7), (8); and 7(6) for an unrectified notice) ----

export const RECORDED_RULES = ['recorded_data_leak', 'recorded_infrastructure_attack', 'recorded_obstruction', 'recorded_other', 'unrectified_after_chain'] as const;
export type RecordedRule = (typeof RECORDED_RULES)[number];

/** A notice as far as 7(6)'s "unrectified after the top of the chain" needs it. */
export interface NoticeFacts {
  id: string;
  unitId: string;
  title: string;
  status: string;
  escalations: Array<{
    id: string;
    endReason?: string;
    endedAt?: string;
    steps?: Array<{ level: number; assigneeId: string | null; outcome: string; reachedAt: string }>;
  }>;
}

/**
 * When an escalation reached the top of the chain, if it did: an escalation ended as
 * `chain_exhausted` (notices issued before issue 12's rules), or one that found nobody above and was
 * kept with the highest leader asked — the same level and leader asked a second time.
 */
export function topOfChainReached(e: NoticeFacts['escalations'][number]): { at: string | undefined } | undefined {
  if (e.endReason === 'chain_exhausted') return { at: e.endedAt };
  const asked = new Set<string>();
  for (const s of e.steps ?? []) {
    if (!s.assigneeId || s.outcome.startsWith('skipped')) continue;
    const key = `${s.level}:${s.assigneeId}`;
    if (asked.has(key)) return { at: s.reachedAt };
    asked.add(key);
  }
  return undefined;
}

export class TriggerRefused extends Error {
  constructor(readonly zh: string, readonly en: string) {
    super(`${zh} / ${en}`);
  }
}

export interface RecordedInput {
  rule: RecordedRule;
  unitId: string;
  facts: string;
  factsAt: string;
  consequences?: string;
  incidentIds: string[];
  noticeIds: string[];
  evidence: Array<{ name: string; sha256: string }>;
}

/**
 * The firing for a situation the office records. Its dedupe key: for 7(6) the notice (one firing per
 * unrectified notice), otherwise the rule with a digest of the unit, the time and the facts — so the
 * same facts submitted twice open one draft. `digest` is the caller's hash of that text.
 */
export function recordedFiring(input: RecordedInput, digest: (text: string) => string, notice?: NoticeFacts): FiringPlan {
  const r = TRIGGER_RULE_LABELS[input.rule];
  let dedupeKey: string;
  const facts: Record<string, unknown> = { facts: input.facts.trim(), factsAt: input.factsAt };
  let text = input.facts.trim();
  if (input.rule === 'unrectified_after_chain') {
    if (!notice) throw new TriggerRefused('须指定一份整改通知', 'Name the notice');
    if (notice.unitId !== input.unitId) throw new TriggerRefused('该通知不属于该单位', 'The notice belongs to another unit');
    if (notice.status === 'closed' || notice.status === 'withdrawn') {
      throw new TriggerRefused('该通知已办结或撤回，不属于未整改', 'The notice is closed or withdrawn: it is not unrectified');
    }
    const top = notice.escalations.map((e) => ({ id: e.id, reached: topOfChainReached(e) })).find((e) => e.reached);
    if (!top) {
      throw new TriggerRefused('该通知尚未逐级上报至最高层级', 'The notice has not been escalated to the top of the chain');
    }
    const consequences = (input.consequences ?? '').trim();
    if (!consequences) throw new TriggerRefused('须写明造成的严重后果', 'Record the serious consequences');
    dedupeKey = `${input.rule}:notice:${notice.id}`;
    facts.noticeId = notice.id;
    facts.escalationId = top.id;
    facts.consequences = consequences;
    text = `整改通知 ${notice.id}「${notice.title}」逐级上报至最高层级（${top.reached?.at ?? ''}）后仍未整改。后果：${consequences}\n${input.facts.trim()}`;
  } else {
    dedupeKey = `${input.rule}:${digest(`${input.unitId}\n${new Date(Date.parse(input.factsAt)).toISOString()}\n${input.facts.trim()}`)}`;
  }
  return {
    rule: input.rule,
    article: r.article,
    trigger: r.trigger,
    dedupeKey,
    unitId: input.unitId,
    factsAt: input.factsAt,
    text: `${text}\n（规则 / rule: ${input.rule}，第七条 / Art. ${r.article}）`,
    facts,
    incidentIds: input.incidentIds,
    noticeIds: input.rule === 'unrectified_after_chain' ? [...new Set([notice!.id, ...input.noticeIds])] : input.noticeIds,
    evidence: input.evidence,
  };
}

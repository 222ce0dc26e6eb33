/**
 * One workflow per cybersecurity incident (网络安全事件), id `incident-<number>`. It owns the
 * incident's state and clocks — the reporting clock from detection, the outage clock of an important
 * system with its alert — takes the unit's and the office's actions as validated updates, records
 * every step through an idempotent activity before the update returns, and watches Art. 7's
 * triggers: when one fires it claims the firing in the database (one per rule and facts) and starts
 * the accountability proposal workflow as a draft for the office (a child that outlives it).
 */
import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { IncidentActivities, IncidentEventType, IncidentNotifyRequest } from '../activities/types';
import { SYSTEM_ACTOR } from '../domain/notice';
import {
  checkClose,
  checkClosingReport,
  checkConfirm,
  checkConfirmRestoration,
  checkContain,
  checkLinkNotice,
  checkMarkSerious,
  checkReport,
  checkRestore,
  checkReview,
  closeByOffice,
  confirm,
  confirmRestoration,
  contain,
  initialIncidentState,
  linkNotice,
  markSerious,
  newIncidentAudience,
  nextIncidentTimer,
  report,
  restore,
  review,
  submitClosingReport,
  type IncidentInput,
  type IncidentState,
  type IncidentTimer,
} from '../domain/incident';
import { incidentFirings, miningWindow, type EarlierCase, type FiringPlan } from '../domain/triggers';
import {
  incidentCloseUpdate,
  incidentClosingReportUpdate,
  incidentConfirmRestorationUpdate,
  incidentConfirmUpdate,
  incidentContainUpdate,
  incidentLinkNoticeUpdate,
  incidentMarkSeriousUpdate,
  incidentRecordedUpdate,
  incidentReportUpdate,
  incidentRestoreUpdate,
  incidentReviewUpdate,
  incidentStateQuery,
} from './incident-definitions';
import { actionsOn } from './actions';
import { nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import { SA_STATUS } from './search-attributes';
import { proposalWorkflow } from './proposal';
import { proposalWorkflowId } from './proposal-definitions';

const acts = proxyActivities<IncidentActivities>(RECORD_ACTIVITY_OPTIONS);

export async function incidentWorkflow(input: IncidentInput): Promise<IncidentState> {
  const state = initialIncidentState(input);
  let recorded = false;
  let recording: Promise<void> = Promise.resolve();
  /** Dedupe keys being fired right now, so two updates evaluating at once do not both claim one. */
  const firing = new Set<string>();
  // Proposal numbers carry the deployment prefix of the incident's (HEU-I2026-0001 → HEU-P2026-…).
  const idPrefix = /^([A-Z][A-Z0-9]{0,9})-I\d{4}-/.exec(state.id)?.[1];

  function record(type: IncidentEventType, actor: { id: string }, data: Record<string, unknown> = {}): Promise<void> {
    state.version += 1;
    const event = { seq: state.version, type, actorId: actor.id, at: nowIso(), data };
    const snapshot = JSON.parse(JSON.stringify(state)) as IncidentState;
    recording = recording.then(() => acts.recordIncidentEvent({ state: snapshot, event }));
    upsertSearchAttributes([{ key: SA_STATUS, value: state.status }]);
    return recording;
  }

  async function notify(kind: IncidentNotifyRequest['kind'], audience: IncidentNotifyRequest['audience'], params: IncidentNotifyRequest['params'] = {}) {
    await acts.notifyIncident({ key: `${state.id}#${state.version}:${kind}`, kind, incidentId: state.id, audience, params });
  }

  const office = (): IncidentNotifyRequest['audience'] => [{ universityRoles: ['office'] }];
  const unit = (): IncidentNotifyRequest['audience'] => [{ unitId: state.unitId, unitRoles: ['liaison', 'direct_responsible'] }];

  /** Opens a draft for the office per rule that fires now: claim (once per facts), then the proposal. */
  async function evaluate(earlier: EarlierCase[] | null = null): Promise<void> {
    const plans = incidentFirings(state, Date.now(), earlier).filter((p) => !firing.has(p.dedupeKey));
    for (const p of plans) firing.add(p.dedupeKey);
    for (const p of plans) await fire(p);
  }

  async function fire(plan: FiringPlan): Promise<void> {
    const { proposalId, existing, attribution } = await acts.claimTrigger({ plan, idPrefix });
    state.firings.push({ rule: plan.rule, dedupeKey: plan.dedupeKey, proposalId, at: nowIso() });
    await record('trigger_fired', SYSTEM_ACTOR, { rule: plan.rule, article: plan.article, dedupeKey: plan.dedupeKey, proposalId, existing });
    try {
      await startChild(proposalWorkflow, {
        workflowId: proposalWorkflowId(proposalId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // A proposal of these facts that exists already (a retry, or one since closed) is never started again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            id: proposalId,
            unitId: state.unitId,
            trigger: plan.trigger,
            facts: plan.text,
            factsAt: plan.factsAt,
            noticeIds: plan.noticeIds,
            evidence: plan.evidence,
            origin: {
              kind: 'trigger',
              rule: plan.rule,
              article: plan.article,
              dedupeKey: plan.dedupeKey,
              facts: plan.facts,
              incidentIds: plan.incidentIds,
              firedBy: SYSTEM_ACTOR.id,
            },
            attribution,
            createdAt: nowIso(),
            createdBy: { id: SYSTEM_ACTOR.id, name: SYSTEM_ACTOR.name },
            timing: input.proposalTiming,
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  const action = actionsOn(state);
  setHandler(incidentStateQuery, () => state);
  setHandler(incidentRecordedUpdate, async () => {
    await condition(() => recorded);
    return state;
  });

  action(incidentReportUpdate, {
    grant: 'incident.act',
    check: (a) => checkReport(state, a.actor, a.summary),
    apply: (a) => report(state, a.actor, a.summary, nowIso()),
    record: async (a, r) => {
      await record('reported', a.actor, { lateByMs: r.lateByMs, reportDueAt: state.clocks.reportDueAt });
      await evaluate();
      return state;
    },
  });

  action(incidentConfirmUpdate, {
    grant: 'incident.act',
    check: (a) => checkConfirm(state, a.actor, a),
    apply: (a) => confirm(state, a.actor, a, nowIso()),
    record: async (a) => {
      await record('confirmed', a.actor, { agrees: a.agrees, comment: state.confirmation!.comment });
      return state;
    },
  });

  action(incidentContainUpdate, {
    grant: 'incident.act',
    check: (a) => checkContain(state, a.actor, a.measures),
    apply: (a) => contain(state, a.actor, a.measures, nowIso()),
    record: async (a) => {
      await record('contained', a.actor, { measures: state.containment!.measures });
      return state;
    },
  });

  action(incidentRestoreUpdate, {
    grant: 'incident.act',
    check: (a) => checkRestore(state, a.actor, a, Date.now()),
    apply: (a) => restore(state, a.actor, a, nowIso()),
    record: async (a) => {
      await record('restored', a.actor, { restoredAt: state.restoration!.restoredAt });
      await notify('incident_closing_report', office(), { step: 'restored', restoredAt: state.restoration!.restoredAt });
      return state;
    },
  });

  action(incidentConfirmRestorationUpdate, {
    grant: 'incident.review',
    check: (a) => checkConfirmRestoration(state, a.actor, a),
    apply: (a) => {
      const restoredAt = state.restoration!.restoredAt;
      confirmRestoration(state, a.actor, a, nowIso());
      return restoredAt;
    },
    record: async (a, restoredAt) => {
      await record(a.decision === 'confirm' ? 'restoration_confirmed' : 'restoration_rejected', a.actor, { restoredAt, comment: a.comment ?? '' });
      await notify('incident_review_outcome', unit(), { step: 'restoration', decision: a.decision, comment: a.comment ?? '' });
      await evaluate();
      return state;
    },
  });

  action(incidentClosingReportUpdate, {
    grant: 'incident.act',
    check: (a) => checkClosingReport(state, a.actor, a.report),
    apply: (a) => submitClosingReport(state, a.actor, a.report, nowIso()),
    record: async (a, r) => {
      await record('closing_report_submitted', a.actor, { round: r.round, evidence: r.evidence.length });
      await notify('incident_closing_report', office(), { step: 'closing_report', round: r.round });
      return state;
    },
  });

  /** After closing: a report that never came is recorded, and the triggers that need the end are evaluated. */
  async function closed(): Promise<void> {
    if (state.neverReported) await record('never_reported', SYSTEM_ACTOR, { reportDueAt: state.clocks.reportDueAt });
    await evaluate();
  }

  action(incidentReviewUpdate, {
    grant: 'incident.review',
    check: (a) => checkReview(state, a.actor, a),
    apply: (a) => review(state, a.actor, a, nowIso()),
    record: async (a) => {
      await record(a.decision === 'accept' ? 'review_accepted' : 'review_rejected', a.actor, { round: state.closingReports.length, comment: a.comment ?? '' });
      await notify('incident_review_outcome', unit(), { step: 'closing_report', decision: a.decision, comment: a.comment ?? '' });
      if (state.status === 'closed') await closed();
      return state;
    },
  });

  action(incidentMarkSeriousUpdate, {
    grant: 'incident.review',
    check: (a) => checkMarkSerious(state, a.actor, a.reason),
    apply: (a) => markSerious(state, a.actor, a.reason, nowIso()),
    record: async (a) => {
      await record('impact_marked_serious', a.actor, { reason: state.seriousImpact!.reason });
      await evaluate();
      return state;
    },
  });

  action(incidentLinkNoticeUpdate, {
    grant: 'incident.review',
    check: (a) => checkLinkNotice(state, a.actor, a.noticeId),
    apply: (a) => linkNotice(state, a.noticeId),
    record: async (a) => {
      await record('notice_linked', a.actor, { noticeId: a.noticeId });
      return state;
    },
  });

  action(incidentCloseUpdate, {
    grant: 'incident.review',
    check: (a) => checkClose(state, a.actor, a.reason),
    apply: (a) => closeByOffice(state, a.actor, a.reason, nowIso()),
    record: async (a) => {
      await record('closed', a.actor, { reason: state.closure!.reason, reported: !state.neverReported });
      await closed();
      return state;
    },
  });

  async function fireTimer(t: IncidentTimer): Promise<void> {
    switch (t.kind) {
      case 'report_reminder':
        state.remindersSent.push(t.offsetMs);
        await record('report_reminder', SYSTEM_ACTOR, { due: state.clocks.reportDueAt });
        await notify('incident_report_reminder', unit(), { due: state.clocks.reportDueAt });
        return;
      case 'report_overdue':
        state.reportOverdue = true;
        await record('report_overdue', SYSTEM_ACTOR, { due: state.clocks.reportDueAt });
        await notify('incident_report_overdue', [...unit(), ...office()], { due: state.clocks.reportDueAt });
        return;
      case 'outage_alert':
        state.outageAlerted = true;
        await record('outage_alert', SYSTEM_ACTOR, { since: state.clocks.outage!.startedAt, afterMs: state.clocks.outage!.alertAfterMs });
        await notify('incident_outage_alert', [...office(), ...newIncidentAudience(state.unitId, 2).slice(1)], {
          since: state.clocks.outage!.startedAt,
          hours: Math.round((state.clocks.outage!.alertAfterMs / 3_600_000) * 100) / 100,
        });
        await evaluate();
        return;
      case 'outage_threshold':
        await evaluate();
        return;
    }
  }

  await record('recorded', input.recordedBy, {
    source: state.source,
    reportDueAt: state.clocks.reportDueAt,
    lateByMs: state.report?.lateByMs ?? null,
    outage: state.clocks.outage,
  });
  recorded = true;
  await notify('incident_new', newIncidentAudience(state.unitId, state.notifyChainUpTo), { source: state.source, late: (state.report?.lateByMs ?? 0) > 0 });
  if (state.source !== 'unit') await notify('incident_confirm_requested', unit(), { source: state.source });
  const window = miningWindow(state);
  const earlier = window ? await acts.earlierMiningCases({ unitId: state.unitId, from: window.from, to: window.to, excludeId: state.id }) : null;
  await evaluate(earlier);

  while (state.status !== 'closed') {
    const seen = state.version;
    const timer = nextIncidentTimer(state);
    if (!timer) {
      await condition(() => state.version !== seen);
      continue;
    }
    const wait = timer.at - Date.now();
    if (wait > 0 && (await condition(() => state.version !== seen, wait))) continue;
    await fireTimer(timer);
  }

  await recording;
  await condition(allHandlersFinished);
  return state;
}

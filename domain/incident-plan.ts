/**
 * Recording an incident, as a use case: from what the person entered, the systems affected (as the
 * register holds them) and the policy, the complete input of the incident's workflow — its reporting
 * clock per grade (CII or not), its outage clock when an important system is down, the trigger
 * settings and the announcement's reach. Pure: the API gathers the facts and calls this.
 */
import { RuleViolation, type Actor } from './notice';
import { checkIncidentInput, isCii, type AffectedSystem, type IncidentInput } from './incident';
import type { IncidentGrade, IncidentSource, IncidentType } from './glossary';
import { accountabilityTiming, type Policy } from './policy';
import { incidentClockSettings, reportWithinMs, triggerSettings } from './incident-policy';

export interface IncidentEntry {
  unitId: string;
  title: string;
  type: IncidentType;
  grade: IncidentGrade;
  systemIds: string[];
  startedAt?: string;
  detectedAt?: string;
  detectedBy?: string;
  impact: string;
  measures?: string;
  outage?: boolean;
  outageStartedAt?: string;
  source: IncidentSource;
}

export function planIncident(args: { id: string; entry: IncidentEntry; systems: AffectedSystem[]; policy: Policy; actor: Actor; now: Date }): IncidentInput {
  const { entry, systems, policy, now } = args;
  const detectedAt = new Date(entry.detectedAt ? Date.parse(entry.detectedAt) : now.getTime()).toISOString();
  const startedAt = new Date(entry.startedAt ? Date.parse(entry.startedAt) : Date.parse(detectedAt)).toISOString();
  checkIncidentInput({ startedAt, detectedAt }, now.getTime());
  const unknown = entry.systemIds.filter((id) => !systems.some((s) => s.id === id));
  if (unknown.length) throw new RuleViolation('invalid_input', `信息系统不存在：${unknown.join('、')}`, `Unknown systems: ${unknown.join(', ')}`);
  const foreign = systems.filter((s) => !entry.systemIds.includes(s.id));
  if (foreign.length) throw new RuleViolation('invalid_input', '信息系统列表不一致', 'The systems do not match');
  const within = reportWithinMs(policy.incidents, entry.grade, isCii(systems));
  const clocks = incidentClockSettings(policy.incidents);
  const outage = (entry.outage ?? entry.type === 'outage') && systems.some((s) => s.important);
  const outageStartedAt = entry.outageStartedAt ? new Date(Date.parse(entry.outageStartedAt)).toISOString() : startedAt;
  if (outage && (Date.parse(outageStartedAt) > now.getTime() + 60_000 || Date.parse(outageStartedAt) < Date.parse(startedAt))) {
    throw new RuleViolation('invalid_input', '中断开始时间须在事件发生之后、当前时间之前', 'The outage must start between the incident start and now');
  }
  return {
    id: args.id,
    unitId: entry.unitId,
    title: entry.title.trim(),
    type: entry.type,
    grade: entry.grade,
    systems,
    startedAt,
    detectedAt,
    detectedBy: (entry.detectedBy ?? args.actor.name).trim(),
    impact: entry.impact.trim(),
    measures: (entry.measures ?? '').trim(),
    outage,
    source: entry.source,
    recordedBy: args.actor,
    recordedAt: now.toISOString(),
    clocks: {
      reportWithinMs: within.ms,
      reportWithin: within.iso,
      reportDueAt: new Date(Date.parse(detectedAt) + within.ms).toISOString(),
      reportRemindersMs: clocks.remindersMs.filter((r) => r < within.ms),
      outage: outage ? { startedAt: outageStartedAt, alertAfterMs: clocks.outageAlertMs } : null,
    },
    triggers: triggerSettings(policy.triggers),
    notifyChainUpTo: policy.incidents.notifyChainUpTo[entry.grade],
    proposalTiming: accountabilityTiming(policy),
  };
}

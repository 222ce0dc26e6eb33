/**
 * Planning a new notice from the policy: its two deadlines (explicit ones win), the reminder plan,
 * the escalation plan and who hears of it — everything the notice workflow is started with except
 * its number and text. Pure: the calendar and `now` are passed in; a refusal is a RuleViolation
 * (422 at the API).
 */
import type { WorkCalendar } from './calendar';
import type { Deadline } from './deadlines';
import { explicitDeadline } from './explicit-deadline';
import { durationMs, parseDuration } from './duration';
import type { EscalationPlan } from './escalation';
import { RuleViolation, type ReminderPlan } from './notice';
import {
  accountabilityTiming,
  maxExtendMs,
  newNoticeRoles,
  policyDeadline,
  reminderOffsetsMs,
  reminderTiming,
  type Policy,
  type Severity,
} from './policy';
import { snapshotCalendar } from './reminders';
import { formatBeijingEn, formatBeijingZh } from './time';
import type { UnitRole } from './glossary';

export interface NoticePlan {
  acknowledgeBy: Deadline;
  rectifyBy: Deadline;
  reminders: ReminderPlan;
  maxExtensions: number;
  escalation: EscalationPlan;
  proposalTiming: { approveWithinMs: number; decideWithinMs: number; remindersMs: number[] };
  newNoticeRoles: UnitRole[];
}

const SET_BY_OFFICE = {
  acknowledge: { zh: '由领导小组办公室指定签收期限', en: 'Acknowledgement deadline set by the office' },
  rectify: { zh: '由领导小组办公室指定整改期限', en: 'Rectification deadline set by the office' },
};

/**
 * The policy's acknowledgement deadline would fall after the rectification deadline the office
 * set: a notice cannot be acknowledged after it is due, so it is due at the same instant.
 */
function cappedAcknowledgement(policyAck: Deadline, rectifyBy: Deadline, now: Date): Deadline {
  const at = rectifyBy.at;
  return {
    at,
    explanation: {
      ...policyAck.explanation,
      from: now.toISOString(),
      warnings: [...policyAck.explanation.warnings],
      zh: `${policyAck.explanation.zh}；因晚于指定的整改期限，签收期限取整改期限${formatBeijingZh(at)}`,
      en: `${policyAck.explanation.en}; as that is after the rectification deadline set, acknowledgement is due with it, ${formatBeijingEn(at)}`,
    },
  };
}

export function planNotice(args: {
  policy: Policy;
  severity: Severity;
  now: Date;
  calendar: WorkCalendar;
  acknowledgeBy?: string;
  rectifyBy?: string;
}): NoticePlan {
  const { policy, severity, now, calendar } = args;
  const sev = policy.severities[severity];
  const set = (at: string, what: { zh: string; en: string }) =>
    explicitDeadline(at, 'explicit', now.toISOString(), (due) => ({ zh: `${what.zh}：${due.zh}`, en: `${what.en}: ${due.en}` }));
  const explicitAck = args.acknowledgeBy ? set(args.acknowledgeBy, SET_BY_OFFICE.acknowledge) : undefined;
  const explicitRect = args.rectifyBy ? set(args.rectifyBy, SET_BY_OFFICE.rectify) : undefined;
  for (const [name, d] of [['acknowledgeBy', explicitAck], ['rectifyBy', explicitRect]] as const) {
    if (d && Date.parse(d.at) <= now.getTime()) throw new RuleViolation('invalid_input', `${name} 必须晚于当前时间`, `${name} must be in the future`);
  }
  if (explicitAck && explicitRect && Date.parse(explicitAck.at) > Date.parse(explicitRect.at)) {
    throw new RuleViolation('invalid_input', '指定的签收期限晚于指定的整改期限', 'The acknowledgement deadline set is after the rectification deadline set');
  }
  let acknowledgeBy: Deadline;
  let rectifyBy: Deadline;
  if (explicitRect) {
    rectifyBy = explicitRect;
    const policyAck = explicitAck ?? policyDeadline(policy, severity, 'acknowledge', now, calendar);
    acknowledgeBy = Date.parse(policyAck.at) > Date.parse(rectifyBy.at) ? cappedAcknowledgement(policyAck, rectifyBy, now) : policyAck;
  } else {
    acknowledgeBy = explicitAck ?? policyDeadline(policy, severity, 'acknowledge', now, calendar);
    rectifyBy = policyDeadline(policy, severity, 'rectify', now, calendar);
    // An acknowledgement deadline set later than the policy's rectification deadline: the
    // rectification window then counts from the acknowledgement deadline.
    if (Date.parse(acknowledgeBy.at) > Date.parse(rectifyBy.at)) {
      rectifyBy = policyDeadline(policy, severity, 'rectify', new Date(acknowledgeBy.at), calendar);
    }
  }
  const year = Number(new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 4));
  const { timeOfDayMinutes, spreadMs } = reminderTiming(policy);
  return {
    acknowledgeBy,
    rectifyBy,
    reminders: {
      acknowledge: reminderOffsetsMs(sev.acknowledge.reminders),
      rectify: reminderOffsetsMs(sev.rectify.reminders),
      timing: {
        workingDays: { acknowledge: sev.acknowledge.workingDays, rectify: sev.rectify.workingDays },
        timeOfDayMinutes,
        spreadMs,
        // Deadlines reach a year or so ahead at most; later years count plain Monday–Friday.
        calendar: snapshotCalendar(calendar, [year, year + 1].filter((y) => calendar.covers(y))),
      },
    },
    maxExtensions: policy.extension.maxPerNotice,
    escalation: {
      decideWithin: sev.escalation.decideWithin,
      workingDays: sev.escalation.workingDays,
      maxSuperviseMs: durationMs(parseDuration(sev.escalation.maxSupervise)),
      remindersMs: reminderOffsetsMs(sev.escalation.reminders),
      allowDelegates: sev.escalation.allowDelegates,
      maxExtendMs: maxExtendMs(policy, severity),
    },
    proposalTiming: accountabilityTiming(policy),
    newNoticeRoles: newNoticeRoles(policy, severity),
  };
}

// An incident's clocks as the list and the detail show them, computed from what the API returned and
// the ticking `now` (use.ts useNow): time since detection, the reporting clock (time left, or late by
// how much), the outage's duration — each with whether it is past its threshold (shown red). The
// thresholds are the API's (the reporting deadline, the outage alert from the policy), never the page's.
import { clock } from '../../labels';
import { i18n } from '../../i18n';

/** What the clocks need of an incident: the list's summary has it, and so does the detail. */
export interface ClockFacts {
  status: string;
  detectedAt: string;
  closedAt: string | null;
  reportDueAt: string;
  reportedAt: string | null;
  /** The office closed it without the unit ever reporting. */
  neverReported?: boolean;
  outage: { startedAt: string; restoredAt: string | null; alertAfterMs: number } | null;
}

export interface ClockReading {
  text: string;
  /** Past its threshold: shown red. */
  past: boolean;
  /** Still moving (so it changes each second). */
  running: boolean;
}

const t = (key: string, values: Record<string, unknown>) => i18n.global.t(key, values);

export function sinceDetection(f: ClockFacts, now: number): ClockReading {
  const end = f.closedAt ? Date.parse(f.closedAt) : now;
  return { text: clock(end - Date.parse(f.detectedAt)), past: false, running: !f.closedAt };
}

export function reportClock(f: ClockFacts, now: number): ClockReading {
  const due = Date.parse(f.reportDueAt);
  if (f.reportedAt) {
    const late = Date.parse(f.reportedAt) - due;
    return late > 0 ? { text: t('incident.lateBy', { d: clock(late) }), past: true, running: false } : { text: t('incident.onTime', {}), past: false, running: false };
  }
  if (f.closedAt || f.neverReported) return { text: t('incident.neverReported', {}), past: true, running: false };
  const left = due - now;
  return left >= 0
    ? { text: t('incident.reportLeft', { d: clock(left) }), past: false, running: true }
    : { text: t('incident.reportOverdue', { d: clock(-left) }), past: true, running: true };
}

export function outageClock(f: ClockFacts, now: number): ClockReading | null {
  const o = f.outage;
  if (!o) return null;
  const end = o.restoredAt ? Date.parse(o.restoredAt) : now;
  const ms = Math.max(0, end - Date.parse(o.startedAt));
  return {
    text: t(o.restoredAt ? 'incident.outageDone' : 'incident.outageRunning', { d: clock(ms) }),
    past: ms >= o.alertAfterMs,
    running: !o.restoredAt && !f.closedAt,
  };
}

/** The next instant at which a clock crosses a threshold the workflow acts on (the page then reloads). */
export function nextCrossing(f: ClockFacts, now: number): number | null {
  if (f.closedAt) return null;
  const at: number[] = [];
  if (!f.reportedAt) at.push(Date.parse(f.reportDueAt));
  if (f.outage && !f.outage.restoredAt) at.push(Date.parse(f.outage.startedAt) + f.outage.alertAfterMs);
  const future = at.filter((x) => x > now);
  return future.length ? Math.min(...future) : null;
}

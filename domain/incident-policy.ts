/**
 * The incident part of the policy (策略：网络安全事件与问责触发规则): how soon a unit must report an
 * incident after detection, per grade (defaults from the national incident-reporting rules in force
 * since 1 November 2025: 1 hour for critical information infrastructure, 4 hours otherwise), when
 * the reporting reminders go out, after how long an important system's outage alerts, which unit
 * leaders hear of a new incident by grade, and the accountability triggers of Art. 7 — each one can
 * be switched off and its thresholds set. Pure: parsed with the rest of the policy (domain/policy.ts).
 */
import { z } from 'zod';
import { durationMs, parseDuration, positiveIsoDuration } from './duration';
import type { IncidentGrade } from './glossary';

const window = z.strictObject({
  /** Systems that are critical information infrastructure (关键信息基础设施). */
  cii: positiveIsoDuration,
  other: positiveIsoDuration,
});

const DEFAULT_WINDOW = { cii: 'PT1H', other: 'PT4H' };
const enabled = z.boolean().default(true);

export const triggerPolicySchema = z.strictObject({
  defacement_late: z.strictObject({ enabled }).default({ enabled: true }),
  outage_threshold: z.strictObject({ enabled, threshold: positiveIsoDuration.default('PT6H') }).default({ enabled: true, threshold: 'PT6H' }),
  mining_repeat: z
    .strictObject({ enabled, window: positiveIsoDuration.default('P365D'), minEarlier: z.number().int().min(1).max(100).default(1) })
    .default({ enabled: true, window: 'P365D', minEarlier: 1 }),
  concealment: z.strictObject({ enabled }).default({ enabled: true }),
  unrectified_after_chain: z.strictObject({ enabled }).default({ enabled: true }),
  recorded: z.strictObject({ enabled }).default({ enabled: true }),
});

export const DEFAULT_INCIDENT_POLICY = {
  reportWithin: { general: DEFAULT_WINDOW, larger: DEFAULT_WINDOW, major: DEFAULT_WINDOW, especially_major: DEFAULT_WINDOW },
  reportReminders: ['PT30M'],
  outageAlertAfter: 'PT6H',
  notifyChainUpTo: { general: 1, larger: 2, major: 3, especially_major: 5 },
};

const chainLevel = z.number().int().min(0).max(5);

export const incidentPolicySchema = z
  .strictObject({
    reportWithin: z
      .strictObject({ general: window, larger: window, major: window, especially_major: window })
      .default(DEFAULT_INCIDENT_POLICY.reportWithin),
    /** Offsets BEFORE the reporting deadline. */
    reportReminders: z.array(positiveIsoDuration).default(DEFAULT_INCIDENT_POLICY.reportReminders),
    /** An important system down this long alerts the office and the unit's chain. */
    outageAlertAfter: positiveIsoDuration.default('PT6H'),
    /** Up to which level of the chain (1 direct responsible … 5 party secretary) a new incident is announced. */
    notifyChainUpTo: z
      .strictObject({ general: chainLevel, larger: chainLevel, major: chainLevel, especially_major: chainLevel })
      .default(DEFAULT_INCIDENT_POLICY.notifyChainUpTo),
  })
  .default(DEFAULT_INCIDENT_POLICY);

export type IncidentPolicy = z.output<typeof incidentPolicySchema>;
export type TriggerPolicy = z.output<typeof triggerPolicySchema>;

/** The trigger rules as an incident workflow snapshots them (durations in milliseconds). */
export interface TriggerSettings {
  defacementLate: boolean;
  outage: { enabled: boolean; thresholdMs: number };
  miningRepeat: { enabled: boolean; windowMs: number; minEarlier: number };
  concealment: boolean;
}

const ms = (iso: string) => durationMs(parseDuration(iso));

export function triggerSettings(t: TriggerPolicy): TriggerSettings {
  return {
    defacementLate: t.defacement_late.enabled,
    outage: { enabled: t.outage_threshold.enabled, thresholdMs: ms(t.outage_threshold.threshold) },
    miningRepeat: { enabled: t.mining_repeat.enabled, windowMs: ms(t.mining_repeat.window), minEarlier: t.mining_repeat.minEarlier },
    concealment: t.concealment.enabled,
  };
}

/** The reporting window for an incident of this grade (CII when any affected system is CII). */
export function reportWithinMs(p: IncidentPolicy, grade: IncidentGrade, cii: boolean): { ms: number; iso: string } {
  const iso = p.reportWithin[grade][cii ? 'cii' : 'other'];
  return { ms: ms(iso), iso };
}

export function incidentClockSettings(p: IncidentPolicy): { remindersMs: number[]; outageAlertMs: number } {
  return { remindersMs: p.reportReminders.map(ms).sort((a, b) => b - a), outageAlertMs: ms(p.outageAlertAfter) };
}

/**
 * The deadline and escalation policy (期限与升级策略): for each severity, how long a unit has to
 * acknowledge (签收) and to rectify (整改), how long each level of the escalation chain has to
 * decide, and when reminders go out. Validated with zod; parsing text is pure (the file is read in
 * config/files.ts).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { WorkCalendar } from './calendar';
import { computeDeadline, type Deadline } from './deadlines';
import { durationMs, isoDuration, parseDuration, positiveIsoDuration } from './duration';
import { SEVERITY_LABELS, UNIT_ROLES, type Severity, type UnitRole } from './glossary';
import { incidentPolicySchema, triggerPolicySchema } from './incident-policy';

export { SEVERITIES, SEVERITY_LABELS } from './glossary';
export type { Severity } from './glossary';


/** Relative to the project root. */
export const DEFAULT_POLICY_YAML_PATH = 'config/policy.default.yaml';

export class PolicyError extends Error {
  constructor(
    message: string,
    /** Each problem with its dotted path, e.g. severities.high.rectify.within. */
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}

function msOrNull(iso: unknown): number | null {
  try {
    return typeof iso === 'string' ? durationMs(parseDuration(iso)) : null;
  } catch {
    return null;
  }
}

/** Reminders are offsets before the deadline: each must be shorter than the window and listed once. */
function checkReminders(windowKey: string) {
  return (value: Record<string, unknown> & { reminders: string[] }, ctx: z.RefinementCtx) => {
    const window = value[windowKey];
    const windowMs = msOrNull(window);
    const seen = new Set<number>();
    value.reminders.forEach((r, i) => {
      const ms = msOrNull(r);
      if (ms === null) return; // reported by the duration schema
      if (windowMs !== null && ms >= windowMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['reminders', i],
          message:
            `提醒（截止前${r}）必须短于它所在的期限 ${windowKey}=${String(window)}` +
            ` / The reminder (${r} before the deadline) must be shorter than the window ${windowKey}=${String(window)}`,
        });
      }
      if (seen.has(ms)) {
        ctx.addIssue({ code: 'custom', path: ['reminders', i], message: `重复的提醒 ${r} / Duplicate reminder ${r}` });
      }
      seen.add(ms);
    });
  };
}

const remindersSchema = z.array(positiveIsoDuration).default([]);

export const windowPolicySchema = z
  .strictObject({
    /** ISO-8601 duration; with workingDays the days part counts working days. */
    within: positiveIsoDuration,
    workingDays: z.boolean(),
    /** Offsets BEFORE the deadline at which reminders go out. */
    reminders: remindersSchema,
  })
  .superRefine(checkReminders('within'));

export const escalationPolicySchema = z
  .strictObject({
    /** How long each level of the chain has to decide before the next level is asked. */
    decideWithin: positiveIsoDuration,
    workingDays: z.boolean(),
    /** The longest supervision (督办) deadline a leader may set. */
    maxSupervise: positiveIsoDuration,
    /** Offsets BEFORE the decision deadline. */
    reminders: remindersSchema,
    /** Whether a leader's delegates (organisation file `delegations`) may decide for them. */
    allowDelegates: z.boolean().default(false),
    /**
     * The longest extension (延期) a leader may decide, as plain time from the decision; absent:
     * the severity's rectification window (`rectify.within`, read as plain time).
     */
    maxExtend: positiveIsoDuration.optional(),
  })
  .superRefine(checkReminders('decideWithin'));

/**
 * Accountability proposals (问责建议, Art. 8): how long the cybersecurity leader has to approve, and
 * the Party Committee and the Discipline Committee to decide; reminders are offsets before each.
 */
export const accountabilityPolicySchema = z
  .strictObject({
    approveWithin: positiveIsoDuration,
    decideWithin: positiveIsoDuration,
    workingDays: z.boolean(),
    reminders: remindersSchema,
  })
  .superRefine((value, ctx) => {
    // Reminders apply to both windows: check them against the shorter one.
    const shorter = (msOrNull(value.decideWithin) ?? Infinity) < (msOrNull(value.approveWithin) ?? Infinity) ? 'decideWithin' : 'approveWithin';
    checkReminders(shorter)(value, ctx);
  });

export const DEFAULT_ACCOUNTABILITY_POLICY = { approveWithin: 'P3D', decideWithin: 'P10D', workingDays: true, reminders: ['P1D'] };

/**
 * How far from now a time given by a person may lie (issue 11): deadlines, extensions and
 * supervision dates at most `maxDeadlineAhead` ahead; the time of an accountability proposal's facts
 * at most `maxFactsAgo` back. Anything outside is refused with 422 naming the allowed range.
 */
export const timeLimitsSchema = z.strictObject({
  maxDeadlineAhead: positiveIsoDuration.default('P365D'),
  maxFactsAgo: positiveIsoDuration.default('P3650D'),
});

export const DEFAULT_TIME_LIMITS = { maxDeadlineAhead: 'P365D', maxFactsAgo: 'P3650D' };

const unitRoleSchema = z.enum(UNIT_ROLES);

export const severityPolicySchema = z.strictObject({
  acknowledge: windowPolicySchema,
  rectify: windowPolicySchema,
  escalation: escalationPolicySchema,
  /**
   * Who of the unit is told of a new notice of this severity (unit roles). Absent: see
   * DEFAULT_NEW_NOTICE_ROLES (critical and high also the first responsible person, Art. 6).
   */
  newNotice: z.array(unitRoleSchema).min(1).optional(),
});

/** Who of the unit hears of a new notice, when the policy does not say. */
export const DEFAULT_NEW_NOTICE_ROLES: Record<Severity, UnitRole[]> = {
  critical: ['liaison', 'direct_responsible', 'first_responsible'],
  high: ['liaison', 'direct_responsible', 'first_responsible'],
  medium: ['liaison', 'direct_responsible'],
  low: ['liaison', 'direct_responsible'],
};

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: '应为 HH:MM（北京时间） / Expected HH:MM (Beijing time)' });

export const policySchema = z.strictObject({
  version: z.literal(1),
  /** Informational: the offset is fixed at +08:00, so only Asia/Shanghai is accepted. */
  timeZone: z
    .literal('Asia/Shanghai', { message: '仅支持 Asia/Shanghai（UTC+8） / Only Asia/Shanghai (UTC+8) is supported' })
    .default('Asia/Shanghai'),
  severities: z.strictObject({
    critical: severityPolicySchema,
    high: severityPolicySchema,
    medium: severityPolicySchema,
    low: severityPolicySchema,
  }),
  extension: z.strictObject({
    /** How many extension requests (延期申请) a notice may get approved. */
    maxPerNotice: z.number().int().min(0).max(100),
  }),
  /** Optional, so that policy files written before proposals existed still parse. */
  accountability: accountabilityPolicySchema.default(DEFAULT_ACCOUNTABILITY_POLICY),
  /** Plausible windows for times people give (domain/time-bounds.ts); optional, with these defaults. */
  limits: timeLimitsSchema.default(DEFAULT_TIME_LIMITS),
  /** Incidents' clocks and Art. 7's triggers (domain/incident-policy.ts); optional, with defaults. */
  incidents: incidentPolicySchema,
  triggers: triggerPolicySchema.default(triggerPolicySchema.parse({})),

  /**
   * Reminders of windows counted in working days go out on a working day at this time of day
   * (Beijing time), spread over `reminderSpread` after it by notice; plain-time windows keep their
   * plain offsets.
   */
  reminderTimeOfDay: timeOfDay.default('09:00'),
  reminderSpread: isoDuration.default('PT30M'),
});

export type Policy = z.output<typeof policySchema>;
export type WindowPolicy = z.output<typeof windowPolicySchema>;
export type EscalationPolicy = z.output<typeof escalationPolicySchema>;
export type SeverityPolicy = z.output<typeof severityPolicySchema>;
export type AccountabilityPolicy = z.output<typeof accountabilityPolicySchema>;

/** Validate already-parsed data (from YAML or JSON). `source` names the file in messages. */
export function validatePolicy(data: unknown, source?: string): Policy {
  const result = policySchema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
  const where = source ? ` (${source})` : '';
  throw new PolicyError(
    `策略配置无效 / Invalid policy${where}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    issues,
  );
}

export function parsePolicy(text: string, format: 'yaml' | 'json', source?: string): Policy {
  let data: unknown;
  try {
    data = format === 'yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const where = source ? ` (${source})` : '';
    throw new PolicyError(
      `策略文件无法解析 / Cannot parse the policy${where} as ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return validatePolicy(data, source);
}

/** Reminder offsets in milliseconds, longest first. */
export function reminderOffsetsMs(reminders: readonly string[]): number[] {
  return reminders.map((r) => durationMs(parseDuration(r))).sort((a, b) => b - a);
}

const KIND_LABELS = {
  acknowledge: { zh: '签收', en: 'acknowledgement' },
  rectify: { zh: '整改', en: 'rectification' },
} as const;

/** The acknowledgement or rectification deadline the policy gives a notice of this severity. */
export function policyDeadline(
  policy: Policy,
  severity: Severity,
  kind: 'acknowledge' | 'rectify',
  from: Date,
  calendar: WorkCalendar,
): Deadline {
  const w = policy.severities[severity][kind];
  return computeDeadline({
    from,
    within: w.within,
    workingDays: w.workingDays,
    calendar,
    label: {
      zh: `策略（${SEVERITY_LABELS[severity].zh}·${KIND_LABELS[kind].zh}）`,
      en: `policy (${SEVERITY_LABELS[severity].en}, ${KIND_LABELS[kind].en})`,
    },
  });
}

/** The accountability windows in milliseconds, as a proposal workflow's input takes them. */
export function accountabilityTiming(policy: Policy): { approveWithinMs: number; decideWithinMs: number; remindersMs: number[] } {
  const a = policy.accountability;
  return {
    approveWithinMs: durationMs(parseDuration(a.approveWithin)),
    decideWithinMs: durationMs(parseDuration(a.decideWithin)),
    remindersMs: reminderOffsetsMs(a.reminders),
  };
}

/** The longest extension a leader may decide on a notice of this severity, in milliseconds. */
export function maxExtendMs(policy: Policy, severity: Severity): number {
  const sev = policy.severities[severity];
  return durationMs(parseDuration(sev.escalation.maxExtend ?? sev.rectify.within));
}

/** Who of the unit is told of a new notice of this severity. */
export function newNoticeRoles(policy: Policy, severity: Severity): UnitRole[] {
  return policy.severities[severity].newNotice ?? DEFAULT_NEW_NOTICE_ROLES[severity];
}

/** The reminder time of day, as minutes after local midnight, and the spread in milliseconds. */
export function reminderTiming(policy: Policy): { timeOfDayMinutes: number; spreadMs: number } {
  const [h, m] = policy.reminderTimeOfDay.split(':').map(Number);
  return { timeOfDayMinutes: h * 60 + m, spreadMs: durationMs(parseDuration(policy.reminderSpread)) };
}

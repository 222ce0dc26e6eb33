// What the two trigger screens share: a firing as GET /api/accountability-triggers answers it, the
// rules the office records itself (the glossary's non-automatic ones, as domain/triggers.ts's
// RECORDED_RULES), each named by the article's wording, and a firing's facts in words.
import { i18n } from '../../i18n';
import { article, clock, GLOSSARY, incidentSource, label, ruleArticle, when } from '../../labels';

export interface Firing {
  dedupeKey: string;
  rule: string;
  article: string;
  unitId: string;
  incidentId: string | null;
  noticeId: string | null;
  proposalId: string;
  facts: Record<string, unknown>;
  firedBy: string;
  firedAt: string;
}

type RuleEntry = { article: string; trigger: string; automatic: boolean; zh: string; en: string };
const RULES = GLOSSARY.triggerRules as Record<string, RuleEntry>;
const byArticle = (a: string, b: string) => RULES[a].article.localeCompare(RULES[b].article);

/** Every rule, in the article's order. */
export const ALL_RULES = Object.keys(RULES).sort(byArticle);
/** The rules the office records (POST /api/accountability-triggers), in the article's order. */
export const RECORDED = ALL_RULES.filter((r) => !RULES[r].automatic);
/** The rule that needs a notice whose escalation reached the top of the chain, and the consequences. */
export const UNRECTIFIED = 'unrectified_after_chain';

/** "第七条第（三）项 发生国家秘密……泄露": the article and its wording, as the regulation says it. */
export function ruleArticleText(rule: string): string {
  const r = RULES[rule];
  if (!r) return rule;
  return `${article(r.article)} ${label('triggers', r.trigger)}`;
}

/** "第七条第（一）项 · 网页篡改事件迟报或未报": the article and the rule that fired. */
export function ruleText(rule: string): string {
  return `${article(ruleArticle(rule))} · ${label('triggerRules', rule)}`;
}

/** The rule recorded for an incident of this type, if the office records one for it (7(3), 7(4)). */
export function recordedRuleForIncident(type: string): string | null {
  if (type.startsWith('data_leak')) return 'recorded_data_leak';
  if (type === 'infrastructure_attack') return 'recorded_infrastructure_attack';
  return null;
}

/** A firing's facts in words, field by field (the ids are shown as links elsewhere). */
export function factLines(facts: Record<string, unknown>): Array<{ key: string; label: string; value: string }> {
  const t = i18n.global.t;
  const out: Array<{ key: string; label: string; value: string }> = [];
  const add = (key: string, value: string) => {
    if (value) out.push({ key, label: t(`trig.fact.${key}`), value });
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const ms = (v: unknown) => (typeof v === 'number' ? clock(v) : '');
  add('facts', str(facts.facts));
  add('consequences', str(facts.consequences));
  add('factsAt', when(str(facts.factsAt)));
  if (facts.kind === 'late' || facts.kind === 'never') add('kind', t(`trig.kind.${facts.kind}`));
  add('reportDueAt', when(str(facts.reportDueAt)));
  add('reportedAt', when(str(facts.reportedAt)));
  add('lateByMs', ms(facts.lateByMs));
  add('source', facts.source ? incidentSource(str(facts.source)) : '');
  add('outageStartedAt', when(str(facts.outageStartedAt)));
  add('restoredAt', when(str(facts.restoredAt)));
  add('downMs', ms(facts.downMs));
  add('thresholdMs', ms(facts.thresholdMs));
  const serious = facts.seriousImpact as { reason?: unknown } | undefined;
  add('seriousImpact', str(serious?.reason));
  add('count', typeof facts.count === 'number' ? String(facts.count) : '');
  add('windowMs', ms(facts.windowMs));
  add('closedAt', when(str(facts.closedAt)));
  return out;
}

/** The earlier incidents a repeated-mining firing counted (7(5)). */
export function earlierIncidents(facts: Record<string, unknown>): string[] {
  if (!Array.isArray(facts.earlier)) return [];
  return facts.earlier.map((c: { id?: unknown }) => (typeof c?.id === 'string' ? c.id : '')).filter(Boolean);
}

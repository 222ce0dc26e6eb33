/**
 * The review pause (审核期间暂停计时), as service-desk SLAs pause while a ticket waits on the other
 * side: the time a report waits for the office's review is not the unit's. When the office sends a
 * report back without setting a date, the rectification deadline becomes the old one plus the time
 * the report was under review, and the deadline says so. Pure and workflow-safe.
 */
import type { Deadline } from './deadlines';
import type { NoticeState } from './notice';
import { formatBeijingEn, formatBeijingZh } from './time';

function spell(ms: number): { zh: string; en: string } {
  const totalMinutes = Math.round(ms / 60000);
  const d = Math.floor(totalMinutes / 1440);
  const h = Math.floor((totalMinutes % 1440) / 60);
  const m = totalMinutes % 60;
  if (totalMinutes === 0) {
    const s = Math.max(0, Math.round(ms / 1000));
    return { zh: `${s}秒`, en: `${s} s` };
  }
  return {
    zh: `${d ? `${d}天` : ''}${h ? `${h}小时` : ''}${m ? `${m}分钟` : ''}`,
    en: [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' '),
  };
}

/**
 * The rectification deadline after the report under review is sent back at `now`: the old one plus
 * the time under review. Undefined when there is nothing to credit (no report under review, or the
 * notice was already overdue when reported — the credit cannot make a late report timely).
 */
export function reviewPauseDeadline(state: NoticeState, now: string): Deadline | undefined {
  const report = state.rectifications.at(-1);
  if (!report || state.status !== 'under_review' || state.overdue !== null) return undefined;
  const paused = Date.parse(now) - Date.parse(report.submittedAt);
  if (!(paused > 0)) return undefined;
  const old = state.rectifyBy;
  const at = new Date(Date.parse(old.at) + paused).toISOString();
  const p = spell(paused);
  return {
    at,
    explanation: {
      ...old.explanation,
      basis: 'review_pause',
      from: now,
      warnings: [...old.explanation.warnings],
      reviewPause: { previous: old.at, submittedAt: report.submittedAt, returnedAt: now, pausedMs: paused },
      zh: `原整改期限${formatBeijingZh(old.at)}，加上整改报告待审核的${p.zh}（${formatBeijingZh(report.submittedAt)}提交，${formatBeijingZh(now)}退回），截止于${formatBeijingZh(at)}`,
      en: `The rectification deadline ${formatBeijingEn(old.at)} plus the ${p.en} the report waited for review (submitted ${formatBeijingEn(report.submittedAt)}, sent back ${formatBeijingEn(now)}): due ${formatBeijingEn(at)}`,
    },
  };
}

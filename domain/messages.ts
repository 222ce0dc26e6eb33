/**
 * What people read in their inbox: Chinese by default, English for those who prefer it. Each
 * message says what happened, which notice and unit, the deadline in Beijing time, and what to do.
 */
import type { MessageKind } from '../activities/types';
import { formatBeijingEn, formatBeijingZh } from './time';

export interface MessageContext {
  noticeId: string;
  title: string;
  unitName: string;
  severity: string;
  link: string;
  params: Record<string, string | number | boolean | null>;
}

export interface RenderedMessage {
  subject: string;
  body: string;
}

const LEVEL_ZH = ['', '单位分管网络安全的领导', '单位书记', '分管校领导', '主管网络安全的校领导', '党委书记'];
const LEVEL_EN = ['', "unit's leader in charge of cybersecurity", 'unit secretary', 'supervising university leader', 'university leader in charge of cybersecurity', 'party secretary'];
const DECISION_ZH: Record<string, string> = { supervise: '督办', extend: '延期', escalate: '上报', propose_accountability: '提出问责' };
const END_ZH: Record<string, string> = {
  rectification_accepted: '整改已审核通过',
  withdrawn: '通知已撤回',
  back_on_time: '单位已完成逾期事项',
  extended: '已决定延期',
  accountability_proposed: '已提出问责建议',
  chain_exhausted: '已上报至最高层级仍未决定',
};
const END_EN: Record<string, string> = {
  rectification_accepted: 'the rectification was accepted',
  withdrawn: 'the notice was withdrawn',
  back_on_time: 'the unit completed the overdue step',
  extended: 'a new deadline was granted',
  accountability_proposed: 'accountability was proposed',
  chain_exhausted: 'the top of the chain was reached without a decision',
};

const SEVERITY_ZH: Record<string, string> = { critical: '紧急', high: '高', medium: '中', low: '低' };
const DEADLINE_ZH: Record<string, string> = { acknowledge: '签收', rectify: '整改' };

function str(v: string | number | boolean | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

export function renderMessage(kind: MessageKind, ctx: MessageContext, locale: string): RenderedMessage {
  return locale.startsWith('en') ? renderEn(kind, ctx) : renderZh(kind, ctx);
}

function renderZh(kind: MessageKind, c: MessageContext): RenderedMessage {
  const p = c.params;
  const head = `【网络安全】${c.title}（${c.noticeId}，${c.unitName}）`;
  const link = `\n查看与办理：${c.link}`;
  switch (kind) {
    case 'new_notice':
      return {
        subject: `${head} 整改通知`,
        body: `领导小组办公室向${c.unitName}下发整改通知（风险等级：${SEVERITY_ZH[c.severity] ?? c.severity}）。请于${formatBeijingZh(str(p.acknowledgeBy))}前签收，并于${formatBeijingZh(str(p.rectifyBy))}前完成整改、提交整改报告。${link}`,
      };
    case 'reminder':
      return {
        subject: `${head} ${DEADLINE_ZH[str(p.deadline)]}期限提醒`,
        body: `${DEADLINE_ZH[str(p.deadline)]}期限为${formatBeijingZh(str(p.due))}，尚未完成，请抓紧办理。${link}`,
      };
    case 'overdue':
      return {
        subject: `${head} 已逾期`,
        body: `${DEADLINE_ZH[str(p.deadline)]}期限${formatBeijingZh(str(p.due))}已过，尚未完成，已记录为逾期。请立即办理。${link}`,
      };
    case 'acknowledged':
      return { subject: `${head} 已签收`, body: `${c.unitName}已签收整改通知。${link}` };
    case 'report_submitted':
      return { subject: `${head} 整改报告待审核`, body: `${c.unitName}提交了第${str(p.round)}轮整改报告，请审核。${link}` };
    case 'review_outcome':
      return p.decision === 'accept'
        ? { subject: `${head} 整改已通过`, body: `整改报告已审核通过，通知办结。${str(p.comment) ? `审核意见：${str(p.comment)}。` : ''}${link}` }
        : {
            subject: `${head} 整改报告被退回`,
            body: `整改报告被退回，理由：${str(p.comment)}。请继续整改并于${formatBeijingZh(str(p.rectifyBy))}前重新提交。${link}`,
          };
    case 'extension_requested':
      return {
        subject: `${head} 延期申请待审批`,
        body: `${c.unitName}申请将整改期限延至${formatBeijingZh(str(p.until))}，理由：${str(p.reason)}。${link}`,
      };
    case 'extension_decided':
      return p.decision === 'approve'
        ? { subject: `${head} 延期申请已批准`, body: `整改期限已延至${formatBeijingZh(str(p.until))}。${link}` }
        : { subject: `${head} 延期申请未获批准`, body: `延期申请未获批准，理由：${str(p.comment)}。原整改期限不变。${link}` };
    case 'withdrawn':
      return { subject: `${head} 通知已撤回`, body: `领导小组办公室已撤回该通知，理由：${str(p.reason)}。无需继续办理。${link}` };
    case 'decision_needed':
      return {
        subject: `${head} 逾期督办，请您决定`,
        body: `该整改通知已逾期，按网络安全工作责任制逐级上报至您（第${str(p.level)}级：${LEVEL_ZH[Number(p.level)] ?? ''}）。请于${formatBeijingZh(str(p.decideBy))}前作出决定：督办、延期、上报${Number(p.level) >= 3 ? '或提出问责' : ''}。逾期未决定将自动上报上一级。${link}`,
      };
    case 'escalation_reminder':
      return {
        subject: `${head} 督办决定期限提醒`,
        body: `请于${formatBeijingZh(str(p.decideBy))}前对逾期事项作出决定，否则将自动上报上一级。${link}`,
      };
    case 'escalated':
      return {
        subject: `${head} 已逐级上报至第${str(p.level)}级`,
        body: `因整改逾期，该事项已上报至${LEVEL_ZH[Number(p.level)] ?? ''}。请尽快完成整改。${link}`,
      };
    case 'escalation_decided':
      return {
        subject: `${head} 领导决定：${DECISION_ZH[str(p.decision)] ?? str(p.decision)}`,
        body: `${LEVEL_ZH[Number(p.level)] ?? ''}决定${DECISION_ZH[str(p.decision)] ?? ''}${p.until ? `，期限${formatBeijingZh(str(p.until))}` : ''}。${str(p.comment) ? `意见：${str(p.comment)}。` : ''}${link}`,
      };
    case 'escalation_ended':
      return { subject: `${head} 督办结束`, body: `该事项的逐级督办已结束：${END_ZH[str(p.reason)] ?? str(p.reason)}。${link}` };
  }
}

function renderEn(kind: MessageKind, c: MessageContext): RenderedMessage {
  const p = c.params;
  const head = `[Cybersecurity] ${c.title} (${c.noticeId}, ${c.unitName})`;
  const link = `\nOpen: ${c.link}`;
  switch (kind) {
    case 'new_notice':
      return {
        subject: `${head}: rectification notice`,
        body: `The office has issued a rectification notice to ${c.unitName} (severity: ${c.severity}). Acknowledge it by ${formatBeijingEn(str(p.acknowledgeBy))} and rectify and report by ${formatBeijingEn(str(p.rectifyBy))}.${link}`,
      };
    case 'reminder':
      return {
        subject: `${head}: ${str(p.deadline)} deadline approaching`,
        body: `The ${str(p.deadline)} deadline is ${formatBeijingEn(str(p.due))} and the step is not done yet.${link}`,
      };
    case 'overdue':
      return {
        subject: `${head}: overdue`,
        body: `The ${str(p.deadline)} deadline ${formatBeijingEn(str(p.due))} has passed without the step being done; the notice is overdue.${link}`,
      };
    case 'acknowledged':
      return { subject: `${head}: acknowledged`, body: `${c.unitName} has acknowledged the notice.${link}` };
    case 'report_submitted':
      return { subject: `${head}: report to review`, body: `${c.unitName} submitted rectification report round ${str(p.round)}.${link}` };
    case 'review_outcome':
      return p.decision === 'accept'
        ? { subject: `${head}: rectification accepted`, body: `The report was accepted and the notice is closed.${link}` }
        : {
            subject: `${head}: report sent back`,
            body: `The report was sent back: ${str(p.comment)}. Rectify and report again by ${formatBeijingEn(str(p.rectifyBy))}.${link}`,
          };
    case 'extension_requested':
      return {
        subject: `${head}: extension requested`,
        body: `${c.unitName} asks to extend the deadline to ${formatBeijingEn(str(p.until))}: ${str(p.reason)}.${link}`,
      };
    case 'extension_decided':
      return p.decision === 'approve'
        ? { subject: `${head}: extension approved`, body: `The deadline is now ${formatBeijingEn(str(p.until))}.${link}` }
        : { subject: `${head}: extension denied`, body: `The extension was denied: ${str(p.comment)}. The deadline stands.${link}` };
    case 'withdrawn':
      return { subject: `${head}: withdrawn`, body: `The office withdrew the notice: ${str(p.reason)}. Nothing more to do.${link}` };
    case 'decision_needed':
      return {
        subject: `${head}: overdue, your decision is needed`,
        body: `The notice is overdue and has been escalated to you (level ${str(p.level)}: ${LEVEL_EN[Number(p.level)] ?? ''}). Decide by ${formatBeijingEn(str(p.decideBy))}: supervise, extend, escalate${Number(p.level) >= 3 ? ' or propose accountability' : ''}. Without a decision it goes up a level.${link}`,
      };
    case 'escalation_reminder':
      return { subject: `${head}: decision due`, body: `Please decide by ${formatBeijingEn(str(p.decideBy))}, or it goes up a level.${link}` };
    case 'escalated':
      return { subject: `${head}: escalated to level ${str(p.level)}`, body: `Because rectification is overdue, the matter is now with the ${LEVEL_EN[Number(p.level)] ?? ''}.${link}` };
    case 'escalation_decided':
      return {
        subject: `${head}: leader decided to ${str(p.decision).replace('_', ' ')}`,
        body: `The ${LEVEL_EN[Number(p.level)] ?? ''} decided: ${str(p.decision).replace('_', ' ')}${p.until ? `, by ${formatBeijingEn(str(p.until))}` : ''}. ${str(p.comment)}${link}`,
      };
    case 'escalation_ended':
      return { subject: `${head}: escalation ended`, body: `The escalation ended: ${END_EN[str(p.reason)] ?? str(p.reason)}.${link}` };
  }
}

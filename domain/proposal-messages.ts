/**
 * Inbox messages about accountability proposals (问责建议): Chinese by default, English for those
 * who prefer it. They say which proposal and unit, what happened, by when, and what to do — and
 * nothing about the persons concerned: those details stay behind the link, where access is checked.
 */
import { BODY_LABELS, DECISION_LABELS, TRIGGER_LABELS, type Body, type DecisionKind, type Trigger } from './accountability';
import { formatBeijingEn, formatBeijingZh } from './time';

export type ProposalMessageKind =
  | 'proposal_drafted'
  | 'proposal_triggered'
  | 'proposal_approval_requested'
  | 'proposal_returned'
  | 'proposal_submitted'
  | 'proposal_approved'
  | 'proposal_decided'
  | 'proposal_closed'
  | 'proposal_reminder';

export interface ProposalMessageContext {
  proposalId: string;
  unitName: string;
  trigger: Trigger;
  link: string;
  params: Record<string, string | number | boolean | null>;
}

export interface RenderedProposalMessage {
  subject: string;
  body: string;
}

function str(v: string | number | boolean | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

const bodyLabel = (v: unknown) => BODY_LABELS[v as Body] ?? { zh: str(v as string), en: str(v as string) };
const decisionLabel = (v: unknown) => DECISION_LABELS[v as DecisionKind] ?? { zh: str(v as string), en: str(v as string) };

export function renderProposalMessage(kind: ProposalMessageKind, ctx: ProposalMessageContext, locale: string): RenderedProposalMessage {
  return locale.startsWith('en') ? renderEn(kind, ctx) : renderZh(kind, ctx);
}

function renderZh(kind: ProposalMessageKind, c: ProposalMessageContext): RenderedProposalMessage {
  const p = c.params;
  const head = `【问责建议】${c.proposalId}（${c.unitName}）`;
  const what = `问责情形：第七条第（${TRIGGER_LABELS[c.trigger].item}）项，${TRIGGER_LABELS[c.trigger].zh}。`;
  const link = `\n查看与办理：${c.link}`;
  switch (kind) {
    case 'proposal_drafted':
      return { subject: `${head} 新的问责建议草稿`, body: `逐级上报中，领导决定提出问责建议，已生成草稿，请完善事实与责任认定后提请审批。${what}${link}` };
    case 'proposal_triggered':
      return {
        subject: `${head} 触发规则自动生成问责建议草稿`,
        body: `规则 ${str(p.rule)}（第${str(p.article)}条）已触发，系统已按事实自动生成问责建议草稿，请核实事实与责任认定后提请审批。${what}${link}`,
      };
    case 'proposal_approval_requested':
      return {
        subject: `${head} 待审批`,
        body: `领导小组办公室提请审批问责建议，请于${formatBeijingZh(str(p.due))}前审批（同意提交党委和纪委，或退回）。${what}${link}`,
      };
    case 'proposal_returned':
      return { subject: `${head} 已退回`, body: `问责建议被退回，理由：${str(p.reason)}。请修改后重新提请审批。${link}` };
    case 'proposal_submitted':
      return {
        subject: `${head} 请作出决定`,
        body: `经主管网络安全的校领导批准，领导小组办公室向学校党委和纪委提交问责建议，请于${formatBeijingZh(str(p.due))}前作出决定。${what}${link}`,
      };
    case 'proposal_approved':
      return { subject: `${head} 已批准并提交`, body: `问责建议已获批准，已提交学校党委和纪委。${link}` };
    case 'proposal_decided':
      return {
        subject: `${head} ${bodyLabel(p.body).zh}已作出决定`,
        body: `${bodyLabel(p.body).zh}的决定：${decisionLabel(p.decision).zh}。${str(p.reason) ? `理由：${str(p.reason)}。` : ''}${link}`,
      };
    case 'proposal_closed':
      return { subject: `${head} 已办结`, body: `学校党委和纪委均已作出决定，问责建议办结，结果已记入年度考核依据。${link}` };
    case 'proposal_reminder': {
      const task = p.stage === 'approve' ? '审批' : '作出决定';
      return p.late
        ? { subject: `${head} 已超过办理期限`, body: `请${task}：期限${formatBeijingZh(str(p.due))}已过。${link}` }
        : { subject: `${head} 办理期限提醒`, body: `请于${formatBeijingZh(str(p.due))}前${task}。${link}` };
    }
  }
}

function renderEn(kind: ProposalMessageKind, c: ProposalMessageContext): RenderedProposalMessage {
  const p = c.params;
  const head = `[Accountability proposal] ${c.proposalId} (${c.unitName})`;
  const what = ` Situation: Art. 7 item ${TRIGGER_LABELS[c.trigger].item}, ${TRIGGER_LABELS[c.trigger].en}.`;
  const link = `\nOpen: ${c.link}`;
  switch (kind) {
    case 'proposal_drafted':
      return {
        subject: `${head}: new draft`,
        body: `A leader decided during escalation to propose accountability; a draft was created. Complete the facts and attribution, then ask for approval.${what}${link}`,
      };
    case 'proposal_triggered':
      return {
        subject: `${head}: draft opened by a trigger rule`,
        body: `The rule ${str(p.rule)} (Art. ${str(p.article)}) fired; a draft was opened with its facts. Check the facts and attribution, then ask for approval.${what}${link}`,
      };
    case 'proposal_approval_requested':
      return {
        subject: `${head}: awaiting your approval`,
        body: `The office asks you to approve sending this proposal to the Party Committee and the Discipline Committee, or to return it, by ${formatBeijingEn(str(p.due))}.${what}${link}`,
      };
    case 'proposal_returned':
      return { subject: `${head}: returned`, body: `The proposal was returned: ${str(p.reason)}. Revise it and ask for approval again.${link}` };
    case 'proposal_submitted':
      return {
        subject: `${head}: decision needed`,
        body: `Approved by the university leader in charge of cybersecurity, the office submits this proposal. Please decide by ${formatBeijingEn(str(p.due))}.${what}${link}`,
      };
    case 'proposal_approved':
      return { subject: `${head}: approved and submitted`, body: `The proposal was approved and submitted to the Party Committee and the Discipline Committee.${link}` };
    case 'proposal_decided':
      return {
        subject: `${head}: ${bodyLabel(p.body).en} decided`,
        body: `The ${bodyLabel(p.body).en} decided: ${decisionLabel(p.decision).en}.${str(p.reason) ? ` Reason: ${str(p.reason)}.` : ''}${link}`,
      };
    case 'proposal_closed':
      return { subject: `${head}: closed`, body: `Both bodies have decided; the proposal is closed and its outcome recorded for the annual assessment.${link}` };
    case 'proposal_reminder': {
      const task = p.stage === 'approve' ? 'approve or return it' : 'decide';
      return p.late
        ? { subject: `${head}: past its deadline`, body: `Please ${task}: the deadline ${formatBeijingEn(str(p.due))} has passed.${link}` }
        : { subject: `${head}: deadline approaching`, body: `Please ${task} by ${formatBeijingEn(str(p.due))}.${link}` };
    }
  }
}

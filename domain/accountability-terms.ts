/**
 * The vocabulary of accountability proposals (问责建议, regulation Art. 7–8): the eight triggering
 * situations, the measures, the levels of responsibility, the deciding bodies and the statuses —
 * stable codes in data, Chinese and English labels for display. Pure; re-exported by
 * domain/accountability.ts.
 */

/** Art. 7's eight situations, in the article's order. */
export const TRIGGERS = [
  'defacement_unhandled',
  'outage_6h',
  'data_leak',
  'infrastructure_attack',
  'mining',
  'concealment_or_unrectified',
  'obstruction',
  'other_serious',
] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const TRIGGER_LABELS: Record<Trigger, { item: number; zh: string; en: string }> = {
  defacement_unhandled: {
    item: 1,
    zh: '网站、信息系统被篡改，有害信息大面积传播，未及时报告和处置',
    en: 'A website or system was defaced and harmful information spread widely without timely reporting and handling',
  },
  outage_6h: {
    item: 2,
    zh: '重要网站、信息系统遭受攻击未及时处置，造成6小时以上中断，影响严重',
    en: 'An important website or system was attacked, not handled in time, and down for 6 hours or more with serious impact',
  },
  data_leak: {
    item: 3,
    zh: '发生国家秘密、大规模个人信息或学校核心数据泄露',
    en: 'State secrets, large-scale personal information or core university data leaked',
  },
  infrastructure_attack: {
    item: 4,
    zh: '重要网络基础设施遭受攻击未及时处置，造成大面积影响、重大经济损失或严重社会影响',
    en: 'Important network infrastructure was attacked and not handled in time, with wide impact, major loss or serious social impact',
  },
  mining: {
    item: 5,
    zh: '挖矿行为排查整改不力、不及时，或多次发生挖矿行为，造成严重后果',
    en: 'Crypto-mining was not investigated and rectified well or in time, or happened repeatedly with serious consequences',
  },
  concealment_or_unrectified: {
    item: 6,
    zh: '瞒报、缓报网络安全事件，阻碍调查，或对通报的问题和风险隐患未及时整改，造成严重后果',
    en: 'Incidents were concealed or investigations obstructed, or notified problems were not rectified in time, with serious consequences',
  },
  obstruction: {
    item: 7,
    zh: '阻碍公安机关、国家安全机关依法维护网络安全',
    en: 'Public or state security organs were obstructed in their work',
  },
  other_serious: { item: 8, zh: '其他危害网络安全的严重情形', en: 'Other serious harm to cybersecurity' },
};

/** Measures for individuals (Art. 8), mildest first. Stable codes in data; labels for display. */
export const INDIVIDUAL_MEASURES = [
  'criticism_education',
  'circulated_criticism',
  'admonishment',
  'organisational_handling',
  'disciplinary_sanction',
] as const;
export type IndividualMeasure = (typeof INDIVIDUAL_MEASURES)[number];

export const INDIVIDUAL_MEASURE_LABELS: Record<IndividualMeasure, { zh: string; en: string }> = {
  criticism_education: { zh: '批评教育', en: 'criticism and education' },
  circulated_criticism: { zh: '通报批评', en: 'circulated criticism' },
  admonishment: { zh: '诫勉', en: 'admonishment' },
  organisational_handling: { zh: '组织调整或组织处理', en: 'organisational adjustment or handling' },
  disciplinary_sanction: { zh: '纪律处分', en: 'disciplinary sanction' },
};

/** Measures for a leadership team as a whole (collective responsibility, Art. 8). */
export const COLLECTIVE_MEASURES = ['self_examination', 'circulated_notice', 'reorganisation'] as const;
export type CollectiveMeasure = (typeof COLLECTIVE_MEASURES)[number];

export const COLLECTIVE_MEASURE_LABELS: Record<CollectiveMeasure, { zh: string; en: string }> = {
  self_examination: { zh: '检查', en: 'written self-examination' },
  circulated_notice: { zh: '通报', en: 'circulated notice' },
  reorganisation: { zh: '改组', en: 'reorganisation' },
};

/** The levels Art. 7 traces, in order: party concerned → cybersecurity responsible → principal. */
export const RESPONSIBILITIES = ['party_concerned', 'cybersecurity_responsible', 'principal_responsible'] as const;
export type Responsibility = (typeof RESPONSIBILITIES)[number];

export const RESPONSIBILITY_LABELS: Record<Responsibility, { zh: string; en: string }> = {
  party_concerned: { zh: '当事人', en: 'party concerned' },
  cybersecurity_responsible: { zh: '网络安全负责人', en: 'cybersecurity responsible person' },
  principal_responsible: { zh: '主要责任人', en: 'principal responsible person' },
};

export const BODIES = ['party_committee', 'discipline_committee'] as const;
export type Body = (typeof BODIES)[number];

export const BODY_LABELS: Record<Body, { zh: string; en: string }> = {
  party_committee: { zh: '学校党委', en: 'University Party Committee' },
  discipline_committee: { zh: '纪委', en: 'Discipline Committee' },
};

export const PROPOSAL_STATUSES = ['draft', 'awaiting_approval', 'returned', 'submitted', 'closed'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const PROPOSAL_STATUS_LABELS: Record<ProposalStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'draft' },
  awaiting_approval: { zh: '待审批', en: 'awaiting approval' },
  returned: { zh: '已退回', en: 'returned' },
  submitted: { zh: '已提交党委和纪委', en: 'submitted to the Party Committee and the Discipline Committee' },
  closed: { zh: '已办结', en: 'closed' },
};

export const DECISIONS = ['accepted', 'modified', 'declined'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

export const DECISION_LABELS: Record<DecisionKind, { zh: string; en: string }> = {
  accepted: { zh: '采纳', en: 'accepted' },
  modified: { zh: '调整后采纳', en: 'modified' },
  declined: { zh: '不予采纳', en: 'declined' },
};

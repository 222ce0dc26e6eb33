/**
 * 术语表 / Glossary: the regulation's terms in one place — the stable codes the data uses, with
 * the Chinese people read first and the English beside it. Every label shown to people (API,
 * messages, web UI via GET /api/glossary) comes from here; other domain modules re-export what
 * they need. Source: 《哈尔滨工程大学网络安全工作责任制实施办法（试行）》, see docs/regulation.md.
 */

export interface Label {
  zh: string;
  en: string;
}

// ---- Organisation (Art. 3, 5, 6, 10) ----

/** Roles held at university level (role assignments with no unit). */
export const UNIVERSITY_ROLES = [
  'party_secretary',
  'cybersecurity_leader',
  'office',
  'party_committee',
  'discipline_committee',
  'inspection_office',
  'audit_office',
] as const;

/** Roles held within one unit. */
export const UNIT_ROLES = [
  'supervising_leader',
  'first_responsible',
  'direct_responsible',
  'liaison',
  'leadership_member',
  /** 单位行政主要负责人（院长、处长）: with the secretary, the unit's main leader (领导班子主要负责人, Art. 8). */
  'principal',
] as const;

export type UniversityRole = (typeof UNIVERSITY_ROLES)[number];
export type UnitRole = (typeof UNIT_ROLES)[number];
export type Role = UniversityRole | UnitRole;

export const ROLES: readonly Role[] = [...UNIVERSITY_ROLES, ...UNIT_ROLES];

export function isUniversityRole(role: string): role is UniversityRole {
  return (UNIVERSITY_ROLES as readonly string[]).includes(role);
}

export function isUnitRole(role: string): role is UnitRole {
  return (UNIT_ROLES as readonly string[]).includes(role);
}

export function isRole(role: string): role is Role {
  return isUniversityRole(role) || isUnitRole(role);
}

/** What people see for each role (terms of the regulation, see docs/regulation.md). */
export const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  party_secretary: { zh: '党委书记', en: 'Party Secretary' },
  cybersecurity_leader: { zh: '主管网络安全校领导', en: 'University Leader in Charge of Cybersecurity' },
  office: { zh: '网络安全和信息化领导小组办公室', en: 'Office of the Cybersecurity and Informatization Leading Group' },
  party_committee: { zh: '学校党委', en: 'University Party Committee' },
  discipline_committee: { zh: '纪委', en: 'Discipline Committee' },
  inspection_office: { zh: '巡察办', en: 'Inspection Office' },
  audit_office: { zh: '审计处', en: 'Audit Office' },
  supervising_leader: { zh: '分管校领导', en: 'Supervising University Leader' },
  first_responsible: { zh: '第一责任人（书记）', en: 'First Responsible Person (Unit Secretary)' },
  direct_responsible: { zh: '直接责任人（分管网络安全的领导班子成员）', en: 'Direct Responsible Person (Unit Leader in Charge of Cybersecurity)' },
  liaison: { zh: '网络安全联络员', en: 'Cybersecurity Liaison' },
  leadership_member: { zh: '领导班子成员', en: 'Leadership Team Member' },
  principal: { zh: '行政主要负责人（院长/处长）', en: 'Unit Principal (Dean / Director)' },
};

export const UNIT_KINDS = ['college', 'department', 'affiliated'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const UNIT_KIND_LABELS: Record<UnitKind, { zh: string; en: string }> = {
  college: { zh: '学院', en: 'College / School' },
  department: { zh: '机关部处', en: 'Administrative Department' },
  affiliated: { zh: '直属及附属单位', en: 'Affiliated Unit' },
};

// ---- Notices (Art. 5, 6(4), 7) ----

export const CATEGORIES = [
  'vulnerability',
  'defacement',
  'outage',
  'data_leak',
  'infrastructure_attack',
  'mining',
  'concealment',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITY_LEVELS = ['critical', 'high', 'medium', 'low'] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/**
 * issued 待签收 → rectifying 整改中 → under_review 待审核 → closed 已办结; or withdrawn 已撤回.
 * not_issued 未能下发: the notice's first record could never be written (issue 11), so it was never issued.
 */
export const NOTICE_STATUSES = ['issued', 'rectifying', 'under_review', 'closed', 'withdrawn', 'not_issued'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const CATEGORY_LABELS: Record<Category, Label> = {
  vulnerability: { zh: '安全漏洞', en: 'vulnerability' },
  defacement: { zh: '网页篡改', en: 'defacement' },
  outage: { zh: '系统中断', en: 'outage' },
  data_leak: { zh: '数据泄露', en: 'data leak' },
  infrastructure_attack: { zh: '基础设施遭受攻击', en: 'infrastructure attack' },
  mining: { zh: '挖矿', en: 'crypto-mining' },
  concealment: { zh: '瞒报缓报', en: 'concealment' },
  other: { zh: '其他', en: 'other' },
};

export const SEVERITIES = SEVERITY_LEVELS;
export type Severity = SeverityLevel;

export const SEVERITY_LABELS: Record<Severity, { zh: string; en: string }> = {
  critical: { zh: '紧急', en: 'critical' },
  high: { zh: '高危', en: 'high' },
  medium: { zh: '中危', en: 'medium' },
  low: { zh: '低危', en: 'low' },
};

export const STATUS_LABELS: Record<NoticeStatus, { zh: string; en: string }> = {
  issued: { zh: '待签收', en: 'awaiting acknowledgement' },
  rectifying: { zh: '整改中', en: 'rectifying' },
  under_review: { zh: '待审核', en: 'under review' },
  closed: { zh: '已办结', en: 'closed' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
  not_issued: { zh: '未能下发', en: 'not issued' },
};

// ---- Escalation up the leadership chain (Art. 3, 6, 7: 逐级倒查) ----

export const CHAIN = [
  { level: 1, role: 'direct_responsible', zh: '单位分管网络安全的领导班子成员（直接责任人）', en: "the unit's leader in charge of cybersecurity" },
  { level: 2, role: 'first_responsible', zh: '单位书记（第一责任人）', en: "the unit's secretary" },
  { level: 3, role: 'supervising_leader', zh: '分管校领导', en: 'the supervising university leader' },
  { level: 4, role: 'cybersecurity_leader', zh: '主管网络安全的校领导', en: 'the university leader in charge of cybersecurity' },
  { level: 5, role: 'party_secretary', zh: '党委书记', en: 'the party secretary' },
] as const;

export type ChainRole = (typeof CHAIN)[number]['role'];

export const ESCALATION_DECISIONS = ['supervise', 'extend', 'escalate', 'propose_accountability'] as const;
export type EscalationDecisionKind = (typeof ESCALATION_DECISIONS)[number];

export const ESCALATION_DECISION_LABELS: Record<EscalationDecisionKind, { zh: string; en: string }> = {
  supervise: { zh: '督办', en: 'supervise' },
  extend: { zh: '延期', en: 'extend' },
  escalate: { zh: '上报', en: 'escalate' },
  propose_accountability: { zh: '提出问责', en: 'propose accountability' },
};

export const ESCALATION_END_LABELS: Record<string, Label> = {
  rectification_accepted: { zh: '整改已审核通过', en: 'the rectification was accepted' },
  withdrawn: { zh: '通知已撤回', en: 'the notice was withdrawn' },
  back_on_time: { zh: '单位已完成逾期事项', en: 'the unit completed the overdue step' },
  extended: { zh: '领导决定延期', en: 'a leader granted a new deadline' },
  accountability_proposed: { zh: '已提出问责建议', en: 'accountability was proposed' },
  chain_exhausted: { zh: '已上报至最高层级仍未决定', en: 'the top of the chain was reached without a decision' },
};

// ---- Accountability (Art. 7, 8: 问责) ----

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

/** not_created 未能创建: the proposal's first record could never be written (issue 11). */
export const PROPOSAL_STATUSES = ['draft', 'awaiting_approval', 'returned', 'submitted', 'closed', 'not_created'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const PROPOSAL_STATUS_LABELS: Record<ProposalStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'draft' },
  awaiting_approval: { zh: '待审批', en: 'awaiting approval' },
  returned: { zh: '已退回', en: 'returned' },
  submitted: { zh: '已提交党委和纪委', en: 'submitted to the Party Committee and the Discipline Committee' },
  closed: { zh: '已办结', en: 'closed' },
  not_created: { zh: '未能创建', en: 'not created' },
};

export const PROPOSAL_DECISIONS = ['accepted', 'modified', 'declined'] as const;
export type DecisionKind = (typeof PROPOSAL_DECISIONS)[number];

export const PROPOSAL_DECISION_LABELS: Record<DecisionKind, { zh: string; en: string }> = {
  accepted: { zh: '采纳', en: 'accepted' },
  modified: { zh: '调整后采纳', en: 'modified' },
  declined: { zh: '不予采纳', en: 'declined' },
};


// ---- Incidents and the information-system register (Art. 7; issue 10) ----

/** 网络安全事件的类型 / incident types (Art. 7's situations that start from an incident). */
export const INCIDENT_TYPES = [
  'defacement',
  'attack_important',
  'outage',
  'data_leak_secret',
  'data_leak_personal',
  'data_leak_core',
  'infrastructure_attack',
  'mining',
  'other',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const INCIDENT_TYPE_LABELS: Record<IncidentType, Label> = {
  defacement: { zh: '网页篡改（有害信息传播）', en: 'defacement with harmful content spreading' },
  attack_important: { zh: '重要网站或信息系统遭受攻击', en: 'attack on an important website or system' },
  outage: { zh: '系统中断', en: 'outage' },
  data_leak_secret: { zh: '数据泄露（国家秘密）', en: 'data leak (state secrets)' },
  data_leak_personal: { zh: '数据泄露（大规模个人信息）', en: 'data leak (personal information at scale)' },
  data_leak_core: { zh: '数据泄露（学校核心数据）', en: 'data leak (core university data)' },
  infrastructure_attack: { zh: '重要网络基础设施遭受攻击', en: 'attack on important network infrastructure' },
  mining: { zh: '挖矿', en: 'crypto-mining' },
  other: { zh: '其他', en: 'other' },
};

/** 事件分级：一般、较大、重大、特别重大 / incident grades, mildest first. */
export const INCIDENT_GRADES = ['general', 'larger', 'major', 'especially_major'] as const;
export type IncidentGrade = (typeof INCIDENT_GRADES)[number];

export const INCIDENT_GRADE_LABELS: Record<IncidentGrade, Label> = {
  general: { zh: '一般', en: 'general' },
  larger: { zh: '较大', en: 'larger' },
  major: { zh: '重大', en: 'major' },
  especially_major: { zh: '特别重大', en: 'especially major' },
};

/** open 处置中 → contained 已控制 → restored 已恢复 → under_review 待审核 → closed 已办结. */
export const INCIDENT_STATUSES = ['open', 'contained', 'restored', 'under_review', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, Label> = {
  open: { zh: '处置中', en: 'open' },
  contained: { zh: '已控制', en: 'contained' },
  restored: { zh: '已恢复', en: 'restored' },
  under_review: { zh: '总结报告待审核', en: 'closing report under review' },
  closed: { zh: '已办结', en: 'closed' },
};

/** Who recorded the incident: the unit itself, or the office from elsewhere (the unit then confirms). */
export const INCIDENT_SOURCES = ['unit', 'monitoring', 'upper_notice', 'third_party'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const INCIDENT_SOURCE_LABELS: Record<IncidentSource, Label> = {
  unit: { zh: '单位报告', en: 'reported by the unit' },
  monitoring: { zh: '监测发现', en: 'found by monitoring' },
  upper_notice: { zh: '上级通报', en: 'notified from above' },
  third_party: { zh: '第三方报告', en: 'reported by a third party' },
};

export const SYSTEM_STATUSES = ['in_service', 'suspended', 'retired'] as const;
export type SystemStatus = (typeof SYSTEM_STATUSES)[number];

export const SYSTEM_STATUS_LABELS: Record<SystemStatus, Label> = {
  in_service: { zh: '在用', en: 'in service' },
  suspended: { zh: '暂停', en: 'suspended' },
  retired: { zh: '已下线', en: 'retired' },
};

/** The rules that open accountability drafts (policy `triggers`), each with its article and situation. */
export const TRIGGER_RULES = [
  'defacement_late',
  'outage_threshold',
  'mining_repeat',
  'concealment',
  'unrectified_after_chain',
  'recorded_data_leak',
  'recorded_infrastructure_attack',
  'recorded_obstruction',
  'recorded_other',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export const TRIGGER_RULE_LABELS: Record<TriggerRule, Label & { article: string; trigger: Trigger; automatic: boolean }> = {
  defacement_late: { article: '7(1)', trigger: 'defacement_unhandled', automatic: true, zh: '网页篡改事件迟报或未报', en: 'defacement reported late or never' },
  outage_threshold: { article: '7(2)', trigger: 'outage_6h', automatic: true, zh: '重要系统中断达到阈值且影响严重', en: 'important system down at least the threshold, impact serious' },
  mining_repeat: { article: '7(5)', trigger: 'mining', automatic: true, zh: '同一单位在时间窗口内再次发生挖矿', en: 'crypto-mining again in the same unit within the window' },
  concealment: { article: '7(6)', trigger: 'concealment_or_unrectified', automatic: true, zh: '瞒报：办公室从其他渠道获知，单位始终未报告', en: 'concealment: the office learned elsewhere, the unit never reported' },
  unrectified_after_chain: {
    article: '7(6)',
    trigger: 'concealment_or_unrectified',
    automatic: false,
    zh: '逐级上报至最高层级后仍未整改，且办公室记录了严重后果',
    en: 'still unrectified after the top of the chain, with consequences recorded by the office',
  },
  recorded_data_leak: { article: '7(3)', trigger: 'data_leak', automatic: false, zh: '办公室认定：数据泄露', en: 'recorded by the office: data leak' },
  recorded_infrastructure_attack: { article: '7(4)', trigger: 'infrastructure_attack', automatic: false, zh: '办公室认定：重要网络基础设施遭受攻击', en: 'recorded by the office: infrastructure attack' },
  recorded_obstruction: { article: '7(7)', trigger: 'obstruction', automatic: false, zh: '办公室认定：阻碍公安、国家安全机关', en: 'recorded by the office: obstruction of security organs' },
  recorded_other: { article: '7(8)', trigger: 'other_serious', automatic: false, zh: '办公室认定：其他严重情形', en: 'recorded by the office: other serious harm' },
};

/** Everything above as one document, served at GET /api/glossary for the web UI and integrators. */
export const GLOSSARY = {
  roles: ROLE_LABELS,
  unitKinds: UNIT_KIND_LABELS,
  categories: CATEGORY_LABELS,
  severities: SEVERITY_LABELS,
  noticeStatuses: STATUS_LABELS,
  chain: CHAIN.map((c) => ({ level: c.level, role: c.role, zh: c.zh, en: c.en })),
  escalationDecisions: ESCALATION_DECISION_LABELS,
  escalationEnds: ESCALATION_END_LABELS,
  triggers: TRIGGER_LABELS,
  individualMeasures: INDIVIDUAL_MEASURE_LABELS,
  collectiveMeasures: COLLECTIVE_MEASURE_LABELS,
  responsibilities: RESPONSIBILITY_LABELS,
  bodies: BODY_LABELS,
  proposalStatuses: PROPOSAL_STATUS_LABELS,
  proposalDecisions: PROPOSAL_DECISION_LABELS,
  // Incidents and the register (issue 10)
  incidentTypes: INCIDENT_TYPE_LABELS,
  incidentGrades: INCIDENT_GRADE_LABELS,
  incidentStatuses: INCIDENT_STATUS_LABELS,
  incidentSources: INCIDENT_SOURCE_LABELS,
  systemStatuses: SYSTEM_STATUS_LABELS,
  triggerRules: TRIGGER_RULE_LABELS,
} as const;

// Words people read: Chinese first (the default), English second. Labels of statuses, severities,
// categories, chain levels, decisions and end reasons are those of domain/glossary.ts, so the UI
// says what the API and the inbox messages say (roles come from GET /api/me with their labels).

const STORAGE_KEY = 'cyberduty.lang';

export const LANGS = ['zh-CN', 'en'];

const zh = {
  'app.title': '网络安全工作责任制',
  'app.subtitle': '整改通知与逐级督办',
  'skip': '跳到主要内容',
  'lang.switch': 'English',
  'lang.switchLabel': 'Switch to English',
  'nav.label': '主导航',
  'nav.inbox': '待办',
  'nav.notices': '通知',
  'nav.issue': '下发通知',
  'nav.escalations': '督办',
  'nav.unread': '{n} 条未读',
  'me.signedInAs': '当前用户',
  'me.signOut': '退出',

  'signin.title': '登录',
  'signin.intro': '统一身份认证接入前，请粘贴系统管理员为您生成的身份令牌。',
  'signin.how': '开发和演示环境可在项目目录下运行：',
  'signin.token': '身份令牌（Bearer token）',
  'signin.submit': '登录',
  'signin.empty': '请粘贴身份令牌',
  'signin.expired': '登录已失效，请重新登录。',
  'signin.signedOut': '您已退出登录。',

  'common.loading': '正在加载…',
  'common.none': '无',
  'common.empty': '暂无记录',
  'common.submit': '提交',
  'common.cancel': '取消',
  'common.search': '查询',
  'common.reset': '重置',
  'common.all': '全部',
  'common.prev': '上一页',
  'common.next': '下一页',
  'common.page': '第 {page} / {pages} 页，共 {total} 条',
  'common.pagination': '分页',
  'common.working': '正在提交…',
  'common.done': '已完成',
  'common.errorTitle': '操作未成功',
  'common.networkError': '无法连接服务器，请检查网络后重试 / Cannot reach the server',
  'common.beijing': '北京时间',
  'common.dateHint': '北京时间；只填日期表示当日 24:00 截止',
  'common.date': '日期',
  'common.time': '时刻',
  'common.optional': '（选填）',
  'common.required': '（必填）',
  'common.back': '返回',
  'common.breadcrumb': '当前位置',
  'common.notFoundPage': '没有这个页面。',
  'common.badDate': '日期或时刻格式不正确',

  'unitKind.college': '学院',
  'unitKind.department': '机关部处',
  'unitKind.affiliated': '直属及附属单位',

  'inbox.title': '待办',
  'inbox.unreadOnly': '只看未读',
  'inbox.unread': '未读',
  'inbox.markRead': '标为已读',
  'inbox.open': '查看通知 {id}',
  'inbox.summary': '共 {total} 条，未读 {unread} 条',

  'notices.title': '通知',
  'notices.filters': '筛选',
  'notices.unit': '单位',
  'notices.status': '状态',
  'notices.severity': '风险等级',
  'notices.overdue': '是否逾期',
  'notices.overdueYes': '逾期',
  'notices.overdueNo': '未逾期',
  'notices.id': '编号',
  'notices.noticeTitle': '标题',
  'notices.rectifyBy': '整改期限',
  'notices.issuedAt': '下发时间',

  'notice.title': '通知 {id}',
  'notice.fields': '基本信息',
  'notice.unit': '被通知单位',
  'notice.category': '问题类别',
  'notice.severity': '风险等级',
  'notice.status': '状态',
  'notice.issuedAt': '下发时间',
  'notice.issuedBy': '下发人',
  'notice.description': '问题描述',
  'notice.assets': '涉及资产',
  'notice.acknowledged': '签收',
  'notice.acknowledgedBy': '{time}，{name}签收',
  'notice.closedAt': '办结时间',
  'notice.withdrawal': '撤回',
  'notice.notRecorded': '未能下发的原因',
  'notice.withdrawnBy': '{time}，{name}撤回。理由：{reason}',
  'notice.deadlines': '期限',
  'notice.acknowledgeBy': '签收期限',
  'notice.rectifyByLabel': '整改期限',
  'notice.warnings': '提示',
  'notice.overdueFlag': '已逾期',
  'notice.rectifications': '整改报告',
  'notice.round': '第 {n} 轮',
  'notice.submitted': '{time}，{name}提交',
  'notice.summary': '整改情况',
  'notice.measures': '已采取措施',
  'notice.evidence': '佐证材料',
  'notice.download': '下载',
  'notice.downloadLabel': '下载 {name}',
  'notice.review': '审核结果',
  'notice.reviewAccept': '通过',
  'notice.reviewReject': '退回整改',
  'notice.reviewBy': '{time}，{name}：{decision}',
  'notice.reviewPending': '待审核',
  'notice.extensions': '延期申请',
  'notice.extUntil': '申请延至',
  'notice.extReason': '理由',
  'notice.extRequested': '{time}，{name}申请',
  'notice.extDecided': '{time}，{name}审批：{comment}',
  'notice.escalations': '逐级督办',
  'notice.escRound': '第 {n} 次督办（{trigger}）',
  'notice.escOpen': '查看督办详情',
  'notice.timeline': '办理记录',
  'notice.actions': '办理',
  'notice.noActions': '当前状态下您无需办理。',
  'notice.system': '系统',

  'action.acknowledge': '签收',
  'action.acknowledgeHint': '确认已收到本通知，开始整改。',
  'action.rectification': '提交整改报告',
  'action.summary': '整改情况概述',
  'action.measures': '已采取的措施',
  'action.files': '佐证材料（可多选，每个文件不超过服务器限制）',
  'action.filesNeeded': '请至少选择一个佐证材料文件',
  'action.review': '审核整改报告',
  'action.decision': '审核意见',
  'action.accept': '通过（办结）',
  'action.reject': '退回整改',
  'action.comment': '审核意见说明',
  'action.commentHint': '退回时必填',
  'action.newRectifyBy': '新的整改期限（退回时可选）',
  'action.withdraw': '撤回通知',
  'action.reason': '理由',
  'action.requestExtension': '申请延期',
  'action.until': '申请延至',
  'action.decideExtension': '审批延期申请 {id}',
  'action.approve': '同意延期',
  'action.deny': '不予延期',
  'action.extComment': '审批意见（不予延期时必填）',
  'action.submitted': '已提交。',

  'issue.title': '下发整改通知',
  'issue.onlyOffice': '只有领导小组办公室可以下发通知。',
  'issue.unit': '被通知单位',
  'issue.chooseUnit': '请选择单位',
  'issue.noticeTitle': '标题',
  'issue.category': '问题类别',
  'issue.severity': '风险等级',
  'issue.description': '问题描述与整改要求',
  'issue.assets': '涉及资产（每行一项，选填）',
  'issue.deadlines': '期限（选填；不填则按策略根据风险等级计算）',
  'issue.acknowledgeBy': '签收期限',
  'issue.rectifyBy': '整改期限',
  'issue.submit': '下发',

  'esc.title': '督办',
  'esc.mine': '待我决定',
  'esc.active': '进行中',
  'esc.ended': '已结束',
  'esc.scope': '范围',
  'esc.notice': '通知',
  'esc.unit': '单位',
  'esc.level': '当前层级',
  'esc.decideBy': '决定期限',
  'esc.status': '状态',
  'esc.startedAt': '开始时间',
  'esc.detail': '督办 {id}',
  'esc.chain': '逐级督办链',
  'esc.levelN': '第 {n} 级',
  'esc.assignee': '责任人',
  'esc.vacant': '空缺',
  'esc.notReached': '未到达',
  'esc.superviseUntil': '督办期限',
  'esc.endReason': '结束原因',
  'esc.decisionForm': '作出决定',
  'esc.decision': '决定',
  'esc.until': '期限（督办或延期时必填）',
  'esc.comment': '意见（延期时必填）',
  'esc.notYours': '该事项当前不需要您决定。',
  'esc.trigger.acknowledge': '逾期未签收',
  'esc.trigger.rectify': '逾期未整改',
  'esc.timeline': '督办记录',

  'status.issued': '待签收',
  'status.rectifying': '整改中',
  'status.under_review': '待审核',
  'status.closed': '已办结',
  'status.withdrawn': '已撤回',
  'status.not_issued': '未能下发',

  'severity.critical': '紧急',
  'severity.high': '高危',
  'severity.medium': '中危',
  'severity.low': '低危',

  'overdue.any': '逾期',
  'overdue.acknowledge': '签收逾期',
  'overdue.rectify': '整改逾期',

  'category.vulnerability': '安全漏洞',
  'category.defacement': '网页篡改',
  'category.outage': '系统中断',
  'category.data_leak': '数据泄露',
  'category.infrastructure_attack': '基础设施遭受攻击',
  'category.mining': '挖矿',
  'category.concealment': '瞒报缓报',
  'category.other': '其他',

  'ext.pending': '待审批',
  'ext.approved': '已同意',
  'ext.denied': '未同意',

  'escStatus.awaiting_decision': '待决定',
  'escStatus.supervising': '督办中',
  'escStatus.ended': '已结束',

  'outcome.pending': '待决定',
  'outcome.skipped_vacant': '空缺，已跳过',
  'outcome.skipped_already_asked': '已在前级决定，跳过',
  'outcome.decided': '已决定',
  'outcome.timed_out': '逾期未决定',
  'outcome.ended': '已结束',

  'decision.supervise': '督办',
  'decision.extend': '延期',
  'decision.escalate': '上报',
  'decision.propose_accountability': '提出问责',

  'endReason.rectification_accepted': '整改已审核通过',
  'endReason.withdrawn': '通知已撤回',
  'endReason.back_on_time': '单位已完成逾期事项',
  'endReason.extended': '领导决定延期',
  'endReason.accountability_proposed': '已提出问责建议',
  'endReason.chain_exhausted': '已上报至最高层级仍未决定',

  'level.1': '单位分管网络安全的领导班子成员（直接责任人）',
  'level.2': '单位书记（第一责任人）',
  'level.3': '分管校领导',
  'level.4': '主管网络安全的校领导',
  'level.5': '党委书记',

  'event.issued': '下发通知',
  'event.acknowledged': '签收',
  'event.rectification_submitted': '提交整改报告',
  'event.review_accepted': '审核通过，办结',
  'event.review_rejected': '退回整改',
  'event.withdrawn': '撤回通知',
  'event.extension_requested': '申请延期',
  'event.extension_approved': '同意延期',
  'event.extension_denied': '不予延期',
  'event.reminder_sent': '发送期限提醒',
  'event.overdue': '逾期',
  'event.escalated': '逐级上报',
  'event.escalation_reminder': '提醒领导决定',
  'event.escalation_timed_out': '领导逾期未决定',
  'event.escalation_decided': '领导作出决定',
  'event.supervision_lapsed': '督办期限已过',
  'event.escalation_ended': '督办结束',

  'detail.round': '第 {n} 轮',
  'detail.level': '第 {n} 级',
  'detail.deadline.acknowledge': '签收期限',
  'detail.deadline.rectify': '整改期限',
  'detail.due': '期限 {time}',
  'detail.until': '至 {time}',
  'detail.evidenceCount': '佐证材料 {n} 项',
};

const en = {
  'app.title': 'Cybersecurity Responsibility',
  'app.subtitle': 'Rectification notices and escalation',
  'skip': 'Skip to main content',
  'lang.switch': '中文',
  'lang.switchLabel': '切换到中文',
  'nav.label': 'Main',
  'nav.inbox': 'Inbox',
  'nav.notices': 'Notices',
  'nav.issue': 'Issue a notice',
  'nav.escalations': 'Escalations',
  'nav.unread': '{n} unread',
  'me.signedInAs': 'Signed in',
  'me.signOut': 'Sign out',

  'signin.title': 'Sign in',
  'signin.intro': 'Until single sign-on is connected, paste the token an administrator made for you.',
  'signin.how': 'In development and demos, run in the project folder:',
  'signin.token': 'Token (Bearer)',
  'signin.submit': 'Sign in',
  'signin.empty': 'Paste a token',
  'signin.expired': 'Your session has ended; please sign in again.',
  'signin.signedOut': 'You have signed out.',

  'common.loading': 'Loading…',
  'common.none': 'none',
  'common.empty': 'Nothing here',
  'common.submit': 'Submit',
  'common.cancel': 'Cancel',
  'common.search': 'Apply',
  'common.reset': 'Reset',
  'common.all': 'All',
  'common.prev': 'Previous',
  'common.next': 'Next',
  'common.page': 'Page {page} of {pages}, {total} in all',
  'common.pagination': 'Pages',
  'common.working': 'Submitting…',
  'common.done': 'Done',
  'common.errorTitle': 'That did not work',
  'common.networkError': '无法连接服务器，请检查网络后重试 / Cannot reach the server',
  'common.beijing': 'Beijing time',
  'common.dateHint': 'Beijing time; a date alone means 24:00 at the end of that day',
  'common.date': 'Date',
  'common.time': 'Time',
  'common.optional': ' (optional)',
  'common.required': ' (required)',
  'common.back': 'Back',
  'common.breadcrumb': 'Breadcrumb',
  'common.notFoundPage': 'There is no such page.',
  'common.badDate': 'The date or time is not valid',

  'unitKind.college': 'Colleges and schools',
  'unitKind.department': 'Administrative departments',
  'unitKind.affiliated': 'Affiliated units',

  'inbox.title': 'Inbox',
  'inbox.unreadOnly': 'Unread only',
  'inbox.unread': 'Unread',
  'inbox.markRead': 'Mark as read',
  'inbox.open': 'Open notice {id}',
  'inbox.summary': '{total} messages, {unread} unread',

  'notices.title': 'Notices',
  'notices.filters': 'Filters',
  'notices.unit': 'Unit',
  'notices.status': 'Status',
  'notices.severity': 'Severity',
  'notices.overdue': 'Overdue',
  'notices.overdueYes': 'Overdue',
  'notices.overdueNo': 'On time',
  'notices.id': 'Number',
  'notices.noticeTitle': 'Title',
  'notices.rectifyBy': 'Rectify by',
  'notices.issuedAt': 'Issued',

  'notice.title': 'Notice {id}',
  'notice.fields': 'Details',
  'notice.unit': 'Unit',
  'notice.category': 'Category',
  'notice.severity': 'Severity',
  'notice.status': 'Status',
  'notice.issuedAt': 'Issued',
  'notice.issuedBy': 'Issued by',
  'notice.description': 'Description',
  'notice.assets': 'Assets',
  'notice.acknowledged': 'Acknowledged',
  'notice.acknowledgedBy': '{time} by {name}',
  'notice.closedAt': 'Closed',
  'notice.withdrawal': 'Withdrawn',
  'notice.notRecorded': 'Why it was not issued',
  'notice.withdrawnBy': '{time} by {name}. Reason: {reason}',
  'notice.deadlines': 'Deadlines',
  'notice.acknowledgeBy': 'Acknowledge by',
  'notice.rectifyByLabel': 'Rectify by',
  'notice.warnings': 'Warnings',
  'notice.overdueFlag': 'Overdue',
  'notice.rectifications': 'Rectification reports',
  'notice.round': 'Round {n}',
  'notice.submitted': 'Submitted {time} by {name}',
  'notice.summary': 'Summary',
  'notice.measures': 'Measures taken',
  'notice.evidence': 'Evidence',
  'notice.download': 'Download',
  'notice.downloadLabel': 'Download {name}',
  'notice.review': 'Review',
  'notice.reviewAccept': 'accepted',
  'notice.reviewReject': 'sent back',
  'notice.reviewBy': '{time}, {name}: {decision}',
  'notice.reviewPending': 'awaiting review',
  'notice.extensions': 'Extension requests',
  'notice.extUntil': 'Until',
  'notice.extReason': 'Reason',
  'notice.extRequested': 'Requested {time} by {name}',
  'notice.extDecided': 'Decided {time} by {name}: {comment}',
  'notice.escalations': 'Escalation',
  'notice.escRound': 'Escalation {n} ({trigger})',
  'notice.escOpen': 'Open the escalation',
  'notice.timeline': 'Timeline',
  'notice.actions': 'Actions',
  'notice.noActions': 'Nothing for you to do in this state.',
  'notice.system': 'System',

  'action.acknowledge': 'Acknowledge',
  'action.acknowledgeHint': 'Confirm the notice was received; rectification starts.',
  'action.rectification': 'Submit a rectification report',
  'action.summary': 'Summary',
  'action.measures': 'Measures taken',
  'action.files': 'Evidence files (several allowed, each within the server limit)',
  'action.filesNeeded': 'Choose at least one evidence file',
  'action.review': 'Review the report',
  'action.decision': 'Decision',
  'action.accept': 'Accept (close)',
  'action.reject': 'Send back',
  'action.comment': 'Comment',
  'action.commentHint': 'required when sending back',
  'action.newRectifyBy': 'New rectification deadline (optional, when sending back)',
  'action.withdraw': 'Withdraw the notice',
  'action.reason': 'Reason',
  'action.requestExtension': 'Request an extension',
  'action.until': 'Until',
  'action.decideExtension': 'Decide extension request {id}',
  'action.approve': 'Approve',
  'action.deny': 'Deny',
  'action.extComment': 'Comment (required to deny)',
  'action.submitted': 'Submitted.',

  'issue.title': 'Issue a rectification notice',
  'issue.onlyOffice': 'Only the office can issue notices.',
  'issue.unit': 'Unit',
  'issue.chooseUnit': 'Choose a unit',
  'issue.noticeTitle': 'Title',
  'issue.category': 'Category',
  'issue.severity': 'Severity',
  'issue.description': 'Description and what to do',
  'issue.assets': 'Assets (one per line, optional)',
  'issue.deadlines': 'Deadlines (optional; by default computed from the policy for the severity)',
  'issue.acknowledgeBy': 'Acknowledge by',
  'issue.rectifyBy': 'Rectify by',
  'issue.submit': 'Issue',

  'esc.title': 'Escalations',
  'esc.mine': 'Waiting for me',
  'esc.active': 'Active',
  'esc.ended': 'Ended',
  'esc.scope': 'Show',
  'esc.notice': 'Notice',
  'esc.unit': 'Unit',
  'esc.level': 'Level',
  'esc.decideBy': 'Decide by',
  'esc.status': 'Status',
  'esc.startedAt': 'Started',
  'esc.detail': 'Escalation {id}',
  'esc.chain': 'Leadership chain',
  'esc.levelN': 'Level {n}',
  'esc.assignee': 'Holder',
  'esc.vacant': 'vacant',
  'esc.notReached': 'not reached',
  'esc.superviseUntil': 'Supervised until',
  'esc.endReason': 'Ended because',
  'esc.decisionForm': 'Decide',
  'esc.decision': 'Decision',
  'esc.until': 'Date (required to supervise or extend)',
  'esc.comment': 'Comment (required to extend)',
  'esc.notYours': 'This escalation is not waiting for your decision.',
  'esc.trigger.acknowledge': 'not acknowledged in time',
  'esc.trigger.rectify': 'not rectified in time',
  'esc.timeline': 'Escalation timeline',

  'status.issued': 'awaiting acknowledgement',
  'status.rectifying': 'rectifying',
  'status.under_review': 'under review',
  'status.closed': 'closed',
  'status.withdrawn': 'withdrawn',
  'status.not_issued': 'not issued',

  'severity.critical': 'critical',
  'severity.high': 'high',
  'severity.medium': 'medium',
  'severity.low': 'low',

  'overdue.any': 'overdue',
  'overdue.acknowledge': 'acknowledgement overdue',
  'overdue.rectify': 'rectification overdue',

  'category.vulnerability': 'vulnerability',
  'category.defacement': 'defacement',
  'category.outage': 'outage',
  'category.data_leak': 'data leak',
  'category.infrastructure_attack': 'infrastructure attack',
  'category.mining': 'crypto-mining',
  'category.concealment': 'concealment',
  'category.other': 'other',

  'ext.pending': 'pending',
  'ext.approved': 'approved',
  'ext.denied': 'denied',

  'escStatus.awaiting_decision': 'awaiting decision',
  'escStatus.supervising': 'supervising',
  'escStatus.ended': 'ended',

  'outcome.pending': 'awaiting decision',
  'outcome.skipped_vacant': 'vacant, skipped',
  'outcome.skipped_already_asked': 'already asked, skipped',
  'outcome.decided': 'decided',
  'outcome.timed_out': 'no decision in time',
  'outcome.ended': 'ended',

  'decision.supervise': 'supervise',
  'decision.extend': 'extend',
  'decision.escalate': 'escalate',
  'decision.propose_accountability': 'propose accountability',

  'endReason.rectification_accepted': 'the rectification was accepted',
  'endReason.withdrawn': 'the notice was withdrawn',
  'endReason.back_on_time': 'the unit completed the overdue step',
  'endReason.extended': 'a leader granted a new deadline',
  'endReason.accountability_proposed': 'accountability was proposed',
  'endReason.chain_exhausted': 'the top of the chain was reached without a decision',

  'level.1': "Unit's leader in charge of cybersecurity",
  'level.2': 'Unit secretary',
  'level.3': 'Supervising university leader',
  'level.4': 'University leader in charge of cybersecurity',
  'level.5': 'Party secretary',

  'event.issued': 'Issued',
  'event.acknowledged': 'Acknowledged',
  'event.rectification_submitted': 'Report submitted',
  'event.review_accepted': 'Accepted, closed',
  'event.review_rejected': 'Sent back',
  'event.withdrawn': 'Withdrawn',
  'event.extension_requested': 'Extension requested',
  'event.extension_approved': 'Extension approved',
  'event.extension_denied': 'Extension denied',
  'event.reminder_sent': 'Reminder sent',
  'event.overdue': 'Overdue',
  'event.escalated': 'Escalated',
  'event.escalation_reminder': 'Leader reminded',
  'event.escalation_timed_out': 'No decision in time',
  'event.escalation_decided': 'Leader decided',
  'event.supervision_lapsed': 'Supervision date passed',
  'event.escalation_ended': 'Escalation ended',

  'detail.round': 'round {n}',
  'detail.level': 'level {n}',
  'detail.deadline.acknowledge': 'acknowledgement deadline',
  'detail.deadline.rectify': 'rectification deadline',
  'detail.due': 'due {time}',
  'detail.until': 'until {time}',
  'detail.evidenceCount': 'evidence: {n}',
};

const DICTS = { 'zh-CN': zh, en };

let current = readLang();

function readLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved && LANGS.includes(saved) ? saved : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export function lang() {
  return current;
}

export function setLang(next) {
  current = LANGS.includes(next) ? next : 'zh-CN';
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // Storage may be unavailable (private mode): the choice lasts for this page.
  }
  document.documentElement.lang = current;
}

/** The text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, params) {
  const text = DICTS[current][key] ?? zh[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined || params[name] === null ? m : String(params[name])));
}

/** A label for a value of a kind (status, severity, …), or the raw value when unknown. */
export function label(kind, value) {
  const key = `${kind}.${value}`;
  return DICTS[current][key] ?? zh[key] ?? String(value);
}

/** Picks the current language from a `{zh, en}` pair given by the API. */
export function pick(pair) {
  if (!pair) return '';
  return current === 'en' ? pair.en ?? pair.zh : pair.zh ?? pair.en;
}

/**
 * Takes the regulation's terms from the server's glossary (GET /api/glossary, domain/glossary.ts),
 * so the labels here cannot drift from what the API and the messages say. The built-in copies above
 * remain as the fallback when the glossary cannot be fetched.
 */
export async function loadGlossary() {
  let g;
  try {
    const res = await fetch('/api/glossary');
    if (!res.ok) return;
    g = await res.json();
  } catch {
    return;
  }
  const put = (prefix, table) => {
    for (const [code, pair] of Object.entries(table ?? {})) {
      if (pair?.zh) zh[`${prefix}.${code}`] = pair.zh;
      if (pair?.en) en[`${prefix}.${code}`] = pair.en;
    }
  };
  put('status', g.noticeStatuses);
  put('severity', g.severities);
  put('category', g.categories);
  put('decision', g.escalationDecisions);
  put('endReason', g.escalationEnds);
}

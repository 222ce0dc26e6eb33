/**
 * The message templates (notifications/templates): every kind in every locale renders, with the
 * deadline in local time and the link; the phrases people (and other tests) rely on are there; the
 * engine's rules and errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessageKind, ProposalMessageKind } from '../../domain/messages';
import { TRIGGERS } from '../../domain/glossary';
import {
  TEMPLATES_DIR,
  TemplateError,
  compile,
  loadTemplates,
  renderCommon,
  renderMessage,
  renderProposalMessage,
  renderTemplate,
} from '../../notifications/render';
import { INCIDENT_MESSAGE_KINDS } from '../../domain/messages';
import { formatLocalTime } from '../../domain/time';

const KINDS: MessageKind[] = [
  'new_notice',
  'reminder',
  'overdue',
  'acknowledged',
  'report_submitted',
  'review_outcome',
  'extension_requested',
  'extension_decided',
  'withdrawn',
  'decision_needed',
  'escalated',
  'escalation_reminder',
  'escalation_decided',
  'escalation_ended',
];

// 2026-03-02T16:00Z is 24:00 on 2 March in Beijing; 09:30Z is 17:30.
const MIDNIGHT = '2026-03-02T16:00:00.000Z';
const AFTERNOON = '2026-03-09T09:30:00.000Z';
const LINK = 'http://cyberduty.test/notices/2026-0007';

/** Parameters as the workflow sends them, per kind; the deadline shown, if any. */
const PARAMS: Record<MessageKind, Record<string, string | number | null>> = {
  new_notice: { acknowledgeBy: MIDNIGHT, rectifyBy: AFTERNOON },
  reminder: { deadline: 'rectify', due: MIDNIGHT },
  overdue: { deadline: 'acknowledge', due: MIDNIGHT },
  acknowledged: {},
  report_submitted: { round: 2 },
  review_outcome: { decision: 'reject', comment: '缺少复测报告', rectifyBy: MIDNIGHT },
  extension_requested: { until: MIDNIGHT, reason: '等待设备到货' },
  extension_decided: { decision: 'approve', until: MIDNIGHT, comment: '' },
  withdrawn: { reason: '误发' },
  decision_needed: { escalationId: '2026-0007-E1', level: 3, decideBy: MIDNIGHT },
  escalated: { escalationId: '2026-0007-E1', level: 2 },
  escalation_reminder: { escalationId: '2026-0007-E1', level: 1, decideBy: MIDNIGHT },
  escalation_decided: { escalationId: '2026-0007-E1', level: 1, decision: 'supervise', until: MIDNIGHT, comment: '限期完成' },
  escalation_ended: { escalationId: '2026-0007-E1', reason: 'chain_exhausted' },
};
const HAS_DEADLINE = new Set<MessageKind>(['new_notice', 'reminder', 'overdue', 'review_outcome', 'extension_requested', 'extension_decided', 'decision_needed', 'escalation_reminder', 'escalation_decided']);

const ctx = (kind: MessageKind, params = PARAMS[kind]) => ({
  noticeId: '2026-0007',
  title: '门户网站存在SQL注入漏洞',
  unitName: '计算机科学与技术学院',
  severity: 'high',
  link: LINK,
  params,
});

// Messages about accountability proposals (问责建议) come from the same template files.
const PROPOSAL_KINDS: ProposalMessageKind[] = [
  'proposal_drafted',
  'proposal_triggered',
  'proposal_approval_requested',
  'proposal_returned',
  'proposal_submitted',
  'proposal_approved',
  'proposal_decided',
  'proposal_closed',
  'proposal_reminder',
];
const PROPOSAL_LINK = 'http://localhost:3000/accountability-proposals/P2026-0001';
const PROPOSAL_PARAMS: Record<ProposalMessageKind, Record<string, string | number | boolean | null>> = {
  proposal_drafted: {},
  proposal_triggered: { rule: 'mining_repeat', article: '7(5)' },
  proposal_approval_requested: { due: MIDNIGHT },
  proposal_returned: { reason: '事实不清' },
  proposal_submitted: { due: MIDNIGHT },
  proposal_approved: {},
  proposal_decided: { body: 'discipline_committee', decision: 'declined', reason: '证据不足' },
  proposal_closed: {},
  proposal_reminder: { stage: 'approve', late: false, due: MIDNIGHT },
};
const proposal = (kind: ProposalMessageKind, locale: string, params = PROPOSAL_PARAMS[kind], trigger: (typeof TRIGGERS)[number] = 'concealment_or_unrectified') =>
  renderProposalMessage(kind, { proposalId: 'P2026-0001', unitName: '计算机学院', trigger, link: PROPOSAL_LINK, params }, locale);

test('every kind has a template in every locale, and nothing else is there', () => {
  for (const locale of ['zh-CN', 'en']) {
    const files = fs.readdirSync(path.join(TEMPLATES_DIR, locale)).filter((f) => !f.startsWith('_')).sort();
    expect(files).toEqual([...KINDS, ...PROPOSAL_KINDS, ...INCIDENT_MESSAGE_KINDS].map((k) => `${k}.yaml`).sort());
  }
});

describe.each(['zh-CN', 'en'])('%s', (locale) => {
  test.each(KINDS)('%s renders with the notice, the unit, the deadline in local time and the link', (kind) => {
    const m = renderMessage(kind, ctx(kind), locale);
    for (const text of [m.subject, m.body]) {
      expect(text).not.toMatch(/\{\{|\}\}|undefined|NaN|null/);
    }
    expect(m.subject).toContain('2026-0007');
    expect(m.subject).toContain('计算机科学与技术学院');
    expect(m.subject).toContain(locale === 'en' ? '[Cybersecurity]' : '【网络安全】');
    // The link is the last line, so a message cut short still carries it.
    expect(m.body.split('\n').at(-1)).toBe(locale === 'en' ? `Open: ${LINK}` : `查看与办理：${LINK}`);
    if (HAS_DEADLINE.has(kind)) {
      expect(m.body).toContain(locale === 'en' ? '2026-03-02 24:00 (Beijing time, UTC+8)' : '2026-03-02 24:00（北京时间）');
    }
    if (locale === 'zh-CN') expect(m.body).toMatch(/[\u4e00-\u9fff]/);
    else expect(`${m.subject}\n${m.body}`.replace(/门户网站存在SQL注入漏洞|计算机科学与技术学院|缺少复测报告|等待设备到货|误发|限期完成/g, '')).not.toMatch(/[\u4e00-\u9fff]/);
  });
});

test('the Chinese texts keep their phrases', () => {
  const zh = (kind: MessageKind, params = PARAMS[kind]) => renderMessage(kind, ctx(kind, params), 'zh-CN');
  const n = zh('new_notice');
  expect(n.subject).toBe('【网络安全】门户网站存在SQL注入漏洞（2026-0007，计算机科学与技术学院） 整改通知');
  expect(n.body).toBe(
    '领导小组办公室向计算机科学与技术学院下发整改通知（风险等级：高）。请于2026-03-02 24:00（北京时间）前签收，' +
      `并于2026-03-09 17:30（北京时间）前完成整改、提交整改报告。\n查看与办理：${LINK}`,
  );
  expect(zh('overdue').subject).toContain('已逾期');
  expect(zh('overdue').body).toContain('签收期限2026-03-02 24:00（北京时间）已过');
  expect(zh('reminder').subject).toContain('整改期限提醒');
  // Accountability may be proposed from level 3 on, and the message says so only then.
  expect(zh('decision_needed').subject).toContain('请您决定');
  expect(zh('decision_needed').body).toContain('（第3级：分管校领导）');
  expect(zh('decision_needed').body).toContain('督办、延期、上报或提出问责。');
  expect(zh('decision_needed', { level: 1, decideBy: MIDNIGHT }).body).toContain('督办、延期、上报。');
  expect(zh('extension_decided', { decision: 'deny', until: MIDNIGHT, comment: '理由不充分' }).subject).toContain('延期申请未获批准');
  expect(zh('extension_decided', { decision: 'deny', until: MIDNIGHT, comment: '理由不充分' }).body).toContain('理由：理由不充分。原整改期限不变。');
  expect(zh('extension_decided').subject).toContain('延期申请已批准');
  expect(zh('review_outcome').body).toContain('整改报告被退回，理由：缺少复测报告。');
  expect(zh('review_outcome', { decision: 'accept', comment: '' }).body).toBe(`整改报告已审核通过，通知办结。\n查看与办理：${LINK}`);
  expect(zh('review_outcome', { decision: 'accept', comment: '整改到位' }).body).toContain('审核意见：整改到位。');
  expect(zh('escalation_decided').body).toContain('单位分管网络安全的领导决定督办，期限2026-03-02 24:00（北京时间）。意见：限期完成。');
  expect(zh('escalation_decided', { level: 2, decision: 'extend', until: null, comment: '' }).body).toBe(`单位书记决定延期。\n查看与办理：${LINK}`);
  expect(zh('escalation_ended').body).toContain('已上报至最高层级仍未决定');
});

describe.each(['zh-CN', 'en'])('proposals, %s', (locale) => {
  test.each(PROPOSAL_KINDS)('%s renders with the proposal, the unit and the link, for every Art. 7 situation', (kind) => {
    for (const trigger of TRIGGERS) {
      const m = proposal(kind, locale, PROPOSAL_PARAMS[kind], trigger);
      for (const text of [m.subject, m.body]) expect(text).not.toMatch(/\{\{|\}\}|undefined|NaN|null/);
      expect(m.subject).toContain(locale === 'en' ? '[Accountability proposal] P2026-0001 (计算机学院)' : '【问责建议】P2026-0001（计算机学院）');
      expect(m.body.split('\n').at(-1)).toBe(locale === 'en' ? `Open: ${PROPOSAL_LINK}` : `查看与办理：${PROPOSAL_LINK}`);
      if ('due' in PROPOSAL_PARAMS[kind]) {
        expect(m.body).toContain(locale === 'en' ? '2026-03-02 24:00 (Beijing time, UTC+8)' : '2026-03-02 24:00（北京时间）');
      }
    }
  });
});

test('the proposal texts keep their wording (as the renderers they replaced wrote them)', () => {
  expect(proposal('proposal_approval_requested', 'zh-CN')).toEqual({
    subject: '【问责建议】P2026-0001（计算机学院） 待审批',
    body:
      '领导小组办公室提请审批问责建议，请于2026-03-02 24:00（北京时间）前审批（同意提交党委和纪委，或退回）。' +
      `问责情形：第七条第（6）项，瞒报、缓报网络安全事件，阻碍调查，或对通报的问题和风险隐患未及时整改，造成严重后果。\n查看与办理：${PROPOSAL_LINK}`,
  });
  expect(proposal('proposal_decided', 'zh-CN')).toEqual({
    subject: '【问责建议】P2026-0001（计算机学院） 纪委已作出决定',
    body: `纪委的决定：不予采纳。理由：证据不足。\n查看与办理：${PROPOSAL_LINK}`,
  });
  expect(proposal('proposal_decided', 'zh-CN', { body: 'party_committee', decision: 'accepted', reason: '' }).body).toBe(
    `学校党委的决定：采纳。\n查看与办理：${PROPOSAL_LINK}`,
  );
  expect(proposal('proposal_reminder', 'zh-CN', { stage: 'decide', late: false, due: '2026-03-02T08:00:00Z' })).toEqual({
    subject: '【问责建议】P2026-0001（计算机学院） 办理期限提醒',
    body: `请于2026-03-02 16:00（北京时间）前作出决定。\n查看与办理：${PROPOSAL_LINK}`,
  });
  expect(proposal('proposal_reminder', 'en', { stage: 'approve', late: true, due: '2026-03-02T08:00:00Z' })).toEqual({
    subject: '[Accountability proposal] P2026-0001 (计算机学院): past its deadline',
    body: `Please approve or return it: the deadline 2026-03-02 16:00 (Beijing time, UTC+8) has passed.\nOpen: ${PROPOSAL_LINK}`,
  });
  expect(proposal('proposal_drafted', 'en', {}, 'defacement_unhandled').body).toBe(
    'A leader decided during escalation to propose accountability; a draft was created. Complete the facts and attribution, then ask for approval.' +
      ` Situation: Art. 7 item 1, A website or system was defaced and harmful information spread widely without timely reporting and handling.\nOpen: ${PROPOSAL_LINK}`,
  );
});

test('times are shown in the configured zone', () => {
  const m = renderMessage('reminder', ctx('reminder'), 'zh-CN', { timeZone: 'UTC' });
  expect(m.body).toContain('整改期限为2026-03-02 16:00（协调世界时）');
  const other = renderMessage('reminder', ctx('reminder'), 'en', { timeZone: 'Europe/Berlin' });
  expect(other.body).toContain('2026-03-02 17:00 (Europe/Berlin)');
  expect(formatLocalTime(MIDNIGHT)).toBe('2026-03-02 24:00');
  expect(formatLocalTime('2026-03-02T16:01:00Z')).toBe('2026-03-03 00:01');
  expect(formatLocalTime('not a time')).toBe('not a time');
});

test('the shared pieces: e-mail footer and the recipients of a group post', () => {
  expect(renderCommon('emailFooter', 'zh-CN', {})).toContain('请勿直接回复');
  expect(renderCommon('recipients', 'zh-CN', { names: '李娜、刘洋' })).toBe('致：李娜、刘洋');
  expect(renderCommon('recipients', 'en', { names: 'Li Na' })).toBe('To: Li Na');
});

describe('the engine', () => {
  test('sections, conditions, labels and partials', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    for (const locale of ['zh-CN', 'en']) {
      fs.mkdirSync(path.join(dir, locale));
      fs.writeFileSync(
        path.join(dir, locale, '_common.yaml'),
        'partials: { who: "{{name}}" }\ntime: "{{time}} {{zone}}"\nzones: {}\nlabels: { color: { r: red } }\nemailFooter: "-"\nrecipients: "{{names}}"\n',
      );
      fs.writeFileSync(
        path.join(dir, locale, 'probe.yaml'),
        'subject: "{{>who}}{{#n>=3}} big{{/n>=3}}{{#c=r}} {{c|label:color}}{{/c=r}}{{^missing}} none{{/missing}}"\nbody: "{{#c!=r}}x{{/c!=r}}{{at|time}}"\n',
      );
    }
    const set = loadTemplates(dir);
    const r = renderTemplate('probe', 'zh-CN', { name: 'A', n: 3, c: 'r', at: '2026-01-01T00:00:00Z' }, { templates: set, timeZone: 'UTC' });
    expect(r).toEqual({ subject: 'A big red none', body: '2025-12-31 24:00 UTC' });
    expect(renderTemplate('probe', 'en', { name: 'B', n: 2, c: 'g' }, { templates: set }).subject).toBe('B none');
    expect(() => renderTemplate('nope', 'zh-CN', {}, { templates: set })).toThrow(/no template for message kind "nope"/);
  });

  test('mistakes name the file and the tag', () => {
    expect(() => compile('{{#a}}x', 'f.yaml')).toThrow(TemplateError);
    expect(() => compile('{{#a}}x', 'f.yaml')).toThrow('f.yaml: "{{#a}}" is not closed');
    expect(() => compile('x{{/a}}', 'f.yaml')).toThrow('closes nothing open');
    expect(() => compile('{{a|upper}}', 'f.yaml')).toThrow('unknown filter "upper"');
    expect(() => compile('{{a b}}', 'f.yaml')).toThrow('bad placeholder');
  });

  test('a broken template file stops loading with its name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    fs.cpSync(TEMPLATES_DIR, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'en', 'overdue.yaml'), 'subject: "{{#x}}"\nbody: b\n');
    expect(() => loadTemplates(dir)).toThrow(/en\/overdue\.yaml: subject: "\{\{#x\}\}" is not closed/);
    fs.writeFileSync(path.join(dir, 'en', 'overdue.yaml'), 'subject: s\n');
    expect(() => loadTemplates(dir)).toThrow(/en\/overdue\.yaml: body/);
  });
});

// Incidents' messages (issue 10): every kind in both locales names the incident, the unit, its grade
// and the link, with its times in Beijing time.
const INCIDENT_PARAMS: Record<(typeof INCIDENT_MESSAGE_KINDS)[number], Record<string, string | number | boolean | null>> = {
  incident_new: { source: 'monitoring', late: true },
  incident_confirm_requested: { source: 'third_party' },
  incident_report_reminder: { due: MIDNIGHT },
  incident_report_overdue: { due: MIDNIGHT },
  incident_outage_alert: { since: AFTERNOON, hours: 6 },
  incident_closing_report: { step: 'restored', restoredAt: AFTERNOON },
  incident_review_outcome: { step: 'closing_report', decision: 'reject', comment: '缺少日志' },
};

describe.each(['zh-CN', 'en'] as const)('incident messages, %s', (locale) => {
  test.each([...INCIDENT_MESSAGE_KINDS])('%s', (kind) => {
    const m = renderTemplate(kind, locale, {
      ...INCIDENT_PARAMS[kind],
      incidentId: 'I2026-0003',
      title: '门户网站被篡改',
      unitName: '计算机科学与技术学院',
      grade: 'major',
      detectedAt: AFTERNOON,
      reportDueAt: MIDNIGHT,
      link: 'http://cyberduty.test/incidents/I2026-0003',
    });
    expect(m.subject).toContain('I2026-0003');
    expect(m.subject).toContain(locale === 'en' ? 'major' : '重大');
    expect(m.body.endsWith('http://cyberduty.test/incidents/I2026-0003')).toBe(true);
    expect(m.body).not.toMatch(/\{\{|undefined|null/);
    if (['incident_report_reminder', 'incident_report_overdue', 'incident_confirm_requested'].includes(kind)) {
      expect(m.body).toContain(locale === 'en' ? '2026-03-02 24:00 (Beijing time, UTC+8)' : '2026-03-02 24:00（北京时间）');
    }
  });
});

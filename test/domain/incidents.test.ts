/**
 * The pure rules of issue 10: the register's sheet rows, the text check, the incident's clocks and
 * Art. 7's trigger rules with their dedupe keys (same facts → same key), and the policy defaults.
 */
import { parseSheet, parseSystemRow, missingColumns } from '../../domain/systems';
import { planIncident } from '../../domain/incident-plan';
import { initialIncidentState, nextIncidentTimer, report, closeByOffice, markSerious, restore } from '../../domain/incident';
import { incidentFirings, recordedFiring } from '../../domain/triggers';
import { loadPolicy } from '../../config/files';
import type { Actor } from '../../domain/notice';

const units = new Set(['cs', 'ito']);
const unitActor: Actor = { id: 'p-li-na', name: '李娜', capacity: 'unit' };
const office: Actor = { id: 'p-chen-jing', name: '陈静', capacity: 'office' };
const policy = loadPolicy();
const T0 = Date.parse('2026-06-01T02:00:00Z');

function plan(over: object = {}, systems = [{ id: 'SYS-0001', name: '门户', important: true, cii: false, protectionLevel: 3 }]) {
  return planIncident({
    id: 'I2026-0001',
    entry: { unitId: 'cs', title: '门户被篡改', type: 'defacement', grade: 'general', systemIds: systems.map((s) => s.id), impact: '首页被篡改', source: 'unit', ...over },
    systems,
    policy,
    actor: unitActor,
    now: new Date(T0),
  });
}

test('a register row goes through the one text rule (domain/text.ts): every bad cell named, a contact may span lines', () => {
  const row = { unitId: 'cs', name: 'a\u0000b', host: 'x\u001by', protectionLevel: '3', contact: '张老师\n13800000000' };
  const out = parseSystemRow(row, units);
  expect('errors' in out && out.errors).toEqual([
    'name：第 2 个字符是空字符 U+0000 / name: character 2 is the NUL character U+0000',
    'host：第 2 个字符是控制字符 U+001B / host: character 2 is the control character U+001B',
  ]);
  expect(parseSystemRow({ ...row, name: '门户\ud800' }, units)).toMatchObject({ errors: expect.arrayContaining([expect.stringMatching(/不成对的代理码元/)]) });
  expect(parseSystemRow({ ...row, name: '门户\n网站' }, units)).toMatchObject({ errors: expect.arrayContaining([expect.stringMatching(/只能填写一行/)]) });
  expect(parseSystemRow({ ...row, name: '门户网站😀', host: 'www' }, units)).toMatchObject({ value: { name: '门户网站😀', contact: '张老师\n13800000000' } });
});

test('a sheet: every bad row with its line, duplicates refused, blank lines skipped', () => {
  const rows: Array<{ line: number; cells: Record<string, string> }> = [
    { line: 2, cells: { 单位: 'cs', 名称: '门户', 地址: 'www', 等保级别: '三级', 重要: '是' } },
    { line: 3, cells: { 单位: '', 名称: '', 地址: '', 等保级别: '' } },
    { line: 4, cells: { 单位: 'xx', 名称: '财务', 地址: 'fin', 等保级别: '6', 重要: '大概' } },
    { line: 5, cells: { 单位: 'cs', 名称: '门户', 地址: 'WWW', 等保级别: '3' } },
  ];
  const out = parseSheet(rows, units);
  expect(out.systems).toHaveLength(1);
  expect(out.systems[0]).toMatchObject({ unitId: 'cs', protectionLevel: 3, important: true, cii: false, status: 'in_service' });
  expect(out.refused.map((r) => r.line)).toEqual([4, 5]);
  expect(out.refused[0].errors).toHaveLength(3);
  expect(missingColumns(['名称', 'host'])).toEqual(['unitId', 'protectionLevel']);
});

test('reporting window per grade: 1 h for CII, 4 h otherwise (defaults); outage clock only for an important system', () => {
  expect(plan().clocks.reportWithin).toBe('PT4H');
  const cii = plan({}, [{ id: 'SYS-0002', name: '一卡通', important: true, cii: true, protectionLevel: 3 }]);
  expect(cii.clocks.reportWithin).toBe('PT1H');
  expect(cii.clocks.reportDueAt).toBe(new Date(T0 + 3600000).toISOString());
  expect(plan({ type: 'outage' }).clocks.outage).toEqual({ startedAt: new Date(T0).toISOString(), alertAfterMs: 6 * 3600000 });
  expect(plan({ type: 'outage' }, [{ id: 'SYS-0003', name: '网站', important: false, cii: false, protectionLevel: 2 }]).clocks.outage).toBeNull();
  expect(() => plan({ detectedAt: new Date(T0 + 3600000).toISOString() })).toThrow(/未来|future/);
});

test('7(1): on time → nothing; late → one plan with by how much; the key depends on the facts only', () => {
  const onTime = initialIncidentState(plan({ detectedAt: new Date(T0 - 4 * 3600000 + 1000).toISOString() }));
  expect(onTime.report!.lateByMs).toBe(0);
  expect(incidentFirings(onTime, T0)).toEqual([]);
  const late = initialIncidentState(plan({ detectedAt: new Date(T0 - 4 * 3600000 - 1000).toISOString() }));
  const [p] = incidentFirings(late, T0);
  expect(p).toMatchObject({ rule: 'defacement_late', article: '7(1)', trigger: 'defacement_unhandled', dedupeKey: 'defacement_late:incident:I2026-0001' });
  expect(p.facts).toMatchObject({ kind: 'late', lateByMs: 1000 });
  late.firings.push({ rule: 'defacement_late', dedupeKey: p.dedupeKey, at: '' });
  expect(incidentFirings(late, T0)).toEqual([]);
});

test('office-recorded, never reported: timers remind and go overdue; closing fires 7(1) never and 7(6) concealment', () => {
  const s = initialIncidentState({ ...plan({ source: 'monitoring' }), recordedBy: office });
  expect(nextIncidentTimer(s)).toMatchObject({ kind: 'report_reminder', at: T0 + 4 * 3600000 - 30 * 60000 });
  s.remindersSent.push(30 * 60000);
  expect(nextIncidentTimer(s)).toMatchObject({ kind: 'report_overdue' });
  closeByOffice(s, office, '结案', new Date(T0 + 5 * 3600000).toISOString());
  expect(incidentFirings(s, T0 + 5 * 3600000).map((x) => x.rule)).toEqual(['defacement_late', 'concealment']);
  const reported = initialIncidentState({ ...plan({ source: 'monitoring' }), recordedBy: office });
  report(reported, unitActor, '已报告', new Date(T0 + 1000).toISOString());
  closeByOffice(reported, office, '结案', new Date(T0 + 2000).toISOString());
  expect(incidentFirings(reported, T0 + 2000)).toEqual([]);
});

test('7(2): only once marked serious, and only at the threshold', () => {
  const s = initialIncidentState(plan({ type: 'outage' }));
  markSerious(s, office, '影响全校', new Date(T0).toISOString());
  expect(incidentFirings(s, T0 + 6 * 3600000 - 1)).toEqual([]);
  expect(nextIncidentTimer(s)).toMatchObject({ kind: 'outage_alert', at: T0 + 6 * 3600000 });
  expect(incidentFirings(s, T0 + 6 * 3600000).map((x) => x.rule)).toEqual(['outage_threshold']);
  const r = initialIncidentState(plan({ type: 'outage' }));
  restore(r, unitActor, { restoredAt: new Date(T0 + 6 * 3600000 - 1000).toISOString(), summary: '已恢复' }, new Date(T0 + 7 * 3600000).toISOString());
  markSerious(r, office, '影响全校', new Date(T0 + 7 * 3600000).toISOString());
  expect(incidentFirings(r, T0 + 8 * 3600000)).toEqual([]);
});

test('recorded situations: the same facts give the same key; 7(6) needs the top of the chain and consequences', () => {
  const digest = (t: string) => t.length.toString(16) + t.slice(-8);
  const base = { rule: 'recorded_obstruction' as const, unitId: 'cs', facts: '拒绝配合公安机关取证', factsAt: '2026-06-01T10:00:00+08:00', incidentIds: [], noticeIds: [], evidence: [] };
  expect(recordedFiring(base, digest).dedupeKey).toBe(recordedFiring({ ...base, factsAt: '2026-06-01T02:00:00Z' }, digest).dedupeKey);
  expect(recordedFiring(base, digest).dedupeKey).not.toBe(recordedFiring({ ...base, facts: '另一事实' }, digest).dedupeKey);
  const notice = { id: '2026-0001', unitId: 'cs', title: '漏洞', status: 'rectifying', escalations: [{ id: 'E1', endReason: 'timed_out' }] };
  const un = { ...base, rule: 'unrectified_after_chain' as const, consequences: '数据泄露' };
  expect(() => recordedFiring(un, digest, notice)).toThrow(/最高层级/);
  const top = { ...notice, escalations: [{ id: 'E1', endReason: 'chain_exhausted', endedAt: '2026-05-01T00:00:00Z' }] };
  expect(() => recordedFiring({ ...un, consequences: ' ' }, digest, top)).toThrow(/后果/);
  expect(() => recordedFiring(un, digest, { ...top, status: 'closed' })).toThrow(/办结/);
  expect(recordedFiring(un, digest, top)).toMatchObject({ dedupeKey: 'unrectified_after_chain:notice:2026-0001', trigger: 'concealment_or_unrectified', noticeIds: ['2026-0001'] });
});

test('the default policy: triggers on, 6 h threshold, a 365-day mining window', () => {
  expect(policy.triggers.outage_threshold).toEqual({ enabled: true, threshold: 'PT6H' });
  expect(policy.triggers.mining_repeat).toEqual({ enabled: true, window: 'P365D', minEarlier: 1 });
  expect(policy.incidents.reportWithin.especially_major).toEqual({ cii: 'PT1H', other: 'PT4H' });
});

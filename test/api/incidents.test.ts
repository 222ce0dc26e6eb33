/**
 * Incidents, the register and the recorded triggers through HTTP: right and wrong roles (territorial
 * like notices), the register's CSV and XLSX import (row by row, all or nothing, idempotent), the
 * incident's handling to its close, and the situations the office records — once per facts,
 * including 7(6) for a notice still unrectified after the top of the escalation chain.
 */
import ExcelJS from 'exceljs';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { call, closingReportBody, incidentBody, noticeBody, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';
import { topOfChainReached, type NoticeFacts } from '../../domain/triggers';

const LIAISON = 'p-li-na';
const OTHER_LIAISON = 'p-wu-lei';
const MEMBER = 'p-liu-wei';

let s: Stack;

beforeAll(async () => {
  s = await startStack({ policy: fastPolicy({ decide: 'PT1S' }) });
}, 120000);

afterAll(async () => {
  await s?.shutdown();
});

const csv = (text: string) => ({ format: 'csv', contentBase64: Buffer.from(text).toString('base64') });
const count = async (table: string) => Number((await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

describe('the register', () => {
  test('a CSV with bad rows is refused whole, each bad row named with its line and reason', async () => {
    const before = await count('information_systems');
    const res = await call(s, 'POST', '/api/systems/import', {
      as: OFFICE,
      body: csv('单位,名称,地址,等保级别,重要,关基\ncs,门户网站,www.cs.example.edu.cn,3,是,否\nnope,财务系统,fin.example.edu.cn,2,否,否\ncs,,x.example.edu.cn,9,也许,否\ncs,门户网站,www.cs.example.edu.cn,3,是,否\n'),
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/整表未导入/);
    const refused = res.body.refused as Array<{ line: number; errors: string[] }>;
    expect(refused.map((r) => r.line)).toEqual([3, 4, 5]);
    expect(refused[0].errors.join()).toMatch(/nope/);
    expect(refused[1].errors.join()).toMatch(/名称|name/);
    expect(refused[1].errors.join()).toMatch(/等保级别/);
    expect(refused[1].errors.join()).toMatch(/也许/);
    expect(refused[2].errors.join()).toMatch(/第2行/);
    expect(await count('information_systems')).toBe(before);
  });

  test('a good CSV imports; the same sheet again changes nothing; a changed row is updated', async () => {
    const sheet = '\uFEFFunitId,name,host,protectionLevel,important,cii,contact\ncs,教务系统,jw.example.edu.cn,三级,yes,yes,张老师\nito,统一认证,sso.example.edu.cn,4,是,是,王老师\n';
    const first = await call(s, 'POST', '/api/systems/import', { as: OFFICE, body: csv(sheet) });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ rows: 2, created: 2, updated: 0, unchanged: 0 });
    const again = await call(s, 'POST', '/api/systems/import', { as: OFFICE, body: csv(sheet) });
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    const changed = await call(s, 'POST', '/api/systems/import', { as: OFFICE, body: csv(sheet.replace('张老师', '李老师')) });
    expect(changed.body).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const list = await call(s, 'GET', '/api/systems?unitId=cs&cii=true', { as: OFFICE });
    expect(list.body.items.map((x: { name: string; contact: string; protectionLevel: number }) => [x.name, x.contact, x.protectionLevel])).toEqual([['教务系统', '李老师', 3]]);
    // Territorial: another unit's liaison does not see cs's systems.
    const theirs = await call(s, 'GET', '/api/systems?pageSize=100', { as: OFFICE_OF_ITO() });
    expect(theirs.body.items.every((x: { unitId: string }) => x.unitId === 'ito')).toBe(true);
  });

  test('an XLSX imports the same way', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('台账');
    ws.addRow(['单位', '名称', '地址', '等保级别', '重要', '状态']);
    ws.addRow(['lib', '图书馆门户', 'lib.example.edu.cn', 2, '是', '在用']);
    ws.addRow(['lib', '旧OPAC', 'opac.example.edu.cn', 1, '否', '已下线']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await call(s, 'POST', '/api/systems/import', { as: OFFICE, body: { format: 'xlsx', contentBase64: buf.toString('base64') } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2 });
    const retired = await call(s, 'GET', '/api/systems?unitId=lib&status=retired', { as: OFFICE });
    expect(retired.body.items.map((x: { name: string }) => x.name)).toEqual(['旧OPAC']);
  });

  test('only the office keeps it; control characters are refused', async () => {
    expect((await call(s, 'POST', '/api/systems', { as: LIAISON, body: { unitId: 'cs', name: 'x', host: 'y', protectionLevel: 2 } })).status).toBe(403);
    const bad = await call(s, 'POST', '/api/systems', { as: OFFICE, body: { unitId: 'cs', name: 'a\u0000b', host: 'y', protectionLevel: 2 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatch(/空字符/);
  });
});

/** ito's liaison (another unit). */
function OFFICE_OF_ITO() {
  return OTHER_LIAISON;
}

describe('incidents, right and wrong roles', () => {
  test('the unit records and handles its incident; others see or do only what the table allows', async () => {
    // Recording: the unit for itself; not for another unit; a leadership member not at all.
    expect((await call(s, 'POST', '/api/incidents', { as: OTHER_LIAISON, body: incidentBody('cs') })).status).toBe(403);
    expect((await call(s, 'POST', '/api/incidents', { as: MEMBER, body: incidentBody('cs') })).status).toBe(403);
    expect((await call(s, 'POST', '/api/incidents', { as: OFFICE, body: incidentBody('cs', { source: 'unit' }) })).status).toBe(403);
    const created = await call(s, 'POST', '/api/incidents', { as: LIAISON, body: incidentBody('cs', { title: '教务系统被植入暗链' }) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.source).toBe('unit');
    expect(created.body.clocksNow.report.within).toBe('PT4H');
    // Reading is territorial.
    expect((await call(s, 'GET', `/api/incidents/${id}`, { as: OTHER_LIAISON })).status).toBe(404);
    expect((await call(s, 'GET', `/api/incidents/${id}`, { as: MEMBER })).status).toBe(200);
    expect((await call(s, 'GET', `/api/incidents/${id}`, { as: 'p-guo-fang' })).status).toBe(200);
    const theirList = await call(s, 'GET', '/api/incidents', { as: OTHER_LIAISON });
    expect(theirList.body.items.map((x: { id: string }) => x.id)).not.toContain(id);
    // Acting: the unit handles, the office reviews; not the other way round.
    expect((await call(s, 'POST', `/api/incidents/${id}/containment`, { as: OFFICE, body: { measures: 'x' } })).status).toBe(403);
    expect((await call(s, 'POST', `/api/incidents/${id}/containment`, { as: MEMBER, body: { measures: 'x' } })).status).toBe(403);
    expect((await call(s, 'POST', `/api/incidents/${id}/containment`, { as: OTHER_LIAISON, body: { measures: 'x' } })).status).toBe(404);
    expect((await call(s, 'POST', `/api/incidents/${id}/containment`, { as: LIAISON, body: { measures: '已删除暗链' } })).status).toBe(200);
    expect((await call(s, 'POST', `/api/incidents/${id}/serious-impact`, { as: LIAISON, body: { reason: 'x' } })).status).toBe(403);
    // The notice the office opens for it, linked both ways.
    const notice = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { title: '暗链整改' }) });
    const linked = await call(s, 'POST', `/api/incidents/${id}/notices`, { as: OFFICE, body: { noticeId: notice.body.id } });
    expect(linked.status).toBe(200);
    expect(linked.body.noticeIds).toEqual([notice.body.id]);
    const links = await s.db.query('SELECT incident_id FROM incident_notice_links WHERE notice_id = $1', [notice.body.id]);
    expect(links.rows).toEqual([{ incident_id: id }]);
    expect((await call(s, 'GET', `/api/notices/${notice.body.id}`, { as: LIAISON })).body.incidentIds).toEqual([id]);
    expect((await call(s, 'POST', `/api/incidents/${id}/notices`, { as: OFFICE, body: { noticeId: notice.body.id } })).status).toBe(409);
    // Or opened from the incident in one step.
    const opened = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { title: '暗链溯源整改', incidentId: id }) });
    expect(opened.status).toBe(201);
    expect(opened.body.incidentIds).toEqual([id]);
    expect((await call(s, 'GET', `/api/incidents/${id}`, { as: OFFICE })).body.noticeIds).toEqual([notice.body.id, opened.body.id]);
    expect((await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('ito', { incidentId: id }) })).status).toBe(422);
    // Closing report, sent back, again, accepted.
    expect((await call(s, 'POST', `/api/incidents/${id}/closing-report`, { as: LIAISON, body: closingReportBody() })).status).toBe(200);
    expect((await call(s, 'POST', `/api/incidents/${id}/review`, { as: OFFICE, body: { decision: 'reject' } })).status).toBe(422);
    const back = await call(s, 'POST', `/api/incidents/${id}/review`, { as: OFFICE, body: { decision: 'reject', comment: '缺少日志分析' } });
    expect(back.body.status).toBe('contained');
    expect((await call(s, 'POST', `/api/incidents/${id}/closing-report`, { as: LIAISON, body: closingReportBody() })).status).toBe(200);
    const done = await call(s, 'POST', `/api/incidents/${id}/review`, { as: OFFICE, body: { decision: 'accept', comment: '处置到位' } });
    expect(done.body.status).toBe('closed');
    expect(done.body.closingReports).toHaveLength(2);
    const sha = done.body.closingReports[1].evidence[0].sha256 as string;
    const file = await call(s, 'GET', `/api/incidents/${id}/evidence/${sha}`, { as: MEMBER });
    expect(file.status).toBe(200);
    expect((await call(s, 'POST', `/api/incidents/${id}/close`, { as: OFFICE, body: { reason: 'x' } })).status).toBe(409);
    // The new-incident message reached the office and the unit (grade general: up to level 1).
    await eventually(async () => {
      const r = await s.db.query<{ person_id: string }>(`SELECT person_id FROM notification_outbox WHERE kind = 'incident_new' AND ref_id = $1 AND channel = 'inapp'`, [id]);
      return r.rows.length > 0 ? r.rows : undefined;
    }, 20000, 'the new-incident message').then((rows) => expect(rows.map((r) => r.person_id)).toEqual(expect.arrayContaining([OFFICE, LIAISON, 'p-liu-yang'])));
    // Bad input is a 4xx with the message, never a partial write.
    const bad = await call(s, 'POST', '/api/incidents', { as: LIAISON, body: incidentBody('cs', { title: 'x\u0007y' }) });
    expect(bad.status).toBe(400);
    expect((await call(s, 'POST', '/api/incidents', { as: LIAISON, body: incidentBody('cs', { systemIds: ['SYS-9999'] }) })).status).toBe(422);
  });
});

describe('situations the office records', () => {
  test('7(3) data leak: a draft with the rule and facts; the same facts twice are one draft', async () => {
    const body = { rule: 'recorded_data_leak', unitId: 'cs', facts: '学生成绩库被拖库，约3万条个人信息外泄', factsAt: new Date(Date.now() - 60000).toISOString() };
    expect((await call(s, 'POST', '/api/accountability-triggers', { as: LIAISON, body })).status).toBe(403);
    const first = await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ rule: 'recorded_data_leak', article: '7(3)', existing: false });
    const second = await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body: { ...body, facts: `  ${body.facts} ` } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ proposalId: first.body.proposalId, existing: true });
    const p = await call(s, 'GET', `/api/accountability-proposals/${first.body.proposalId}`, { as: OFFICE });
    expect(p.body).toMatchObject({ status: 'draft', trigger: 'data_leak', origin: { kind: 'trigger', rule: 'recorded_data_leak', firedBy: OFFICE } });
    const firings = await call(s, 'GET', '/api/accountability-triggers?rule=recorded_data_leak', { as: 'p-he-yun' });
    expect(firings.body.total).toBe(1);
    expect((await call(s, 'GET', '/api/accountability-triggers', { as: LIAISON })).status).toBe(403);
  });

  test('7(6) a notice unrectified after the top of the chain, with consequences: refused before, one draft after', async () => {
    const now = Date.now();
    const n = await call(s, 'POST', '/api/notices', {
      as: OFFICE,
      body: noticeBody('cs', { title: '高危漏洞逾期未整改', acknowledgeBy: new Date(now + 1000).toISOString(), rectifyBy: new Date(now + 3600000).toISOString() }),
    });
    const body = { rule: 'unrectified_after_chain', unitId: 'cs', facts: '逾期未整改', consequences: '漏洞被利用，导致数据泄露', factsAt: new Date(now).toISOString(), noticeIds: [n.body.id] };
    const early = await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body });
    expect(early.status).toBe(422);
    expect(early.body.error).toMatch(/最高层级/);
    await eventually(
      // Nobody above the top: the escalation stays with the highest leader, asked again (issue 12).
      async () => (await call(s, 'GET', `/api/notices/${n.body.id}`, { as: OFFICE })).body.escalations?.some((e: NoticeFacts['escalations'][number]) => topOfChainReached(e)),
      60000,
      'the top of the chain',
    );
    expect((await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body: { ...body, consequences: undefined } })).status).toBe(422);
    const fired = await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body });
    expect(fired.status).toBe(201);
    expect(fired.body.dedupeKey).toBe(`unrectified_after_chain:notice:${n.body.id}`);
    const again = await call(s, 'POST', '/api/accountability-triggers', { as: OFFICE, body: { ...body, consequences: '另一种说法' } });
    expect(again.body).toMatchObject({ proposalId: fired.body.proposalId, existing: true });
    const p = await call(s, 'GET', `/api/accountability-proposals/${fired.body.proposalId}`, { as: OFFICE });
    expect(p.body.trigger).toBe('concealment_or_unrectified');
    expect(p.body.noticeIds).toEqual([n.body.id]);
    expect(p.body.facts).toContain('漏洞被利用');
  });
});

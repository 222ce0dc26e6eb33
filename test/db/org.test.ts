import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../db/client';
import {
  getAudience,
  getDelegates,
  getPeople,
  getPersonRoles,
  getUnit,
  getUnitChain,
  getUnitRoleHolders,
  getUniversityRoleHolders,
  importOrg,
  isOrgEmpty,
  listPeople,
  listUnits,
  loadOrgFile,
  orgDigest,
} from '../../db/org';
import {
  flattenAssignments,
  listVacancies,
  OrgFileError,
  parseOrgFile,
  ROLE_LABELS,
  ROLES,
  UNIT_KIND_LABELS,
  UNIT_KINDS,
  type OrgFile,
} from '../../domain/org';
import { openTestDb, testBackends } from '../support/db';

const ROOT = path.join(__dirname, '..', '..');
const SMALL = path.join(ROOT, 'test', 'fixtures', 'org-small.yaml');
const DEMO = path.join(ROOT, 'config', 'demo-org.yaml');

const T0 = new Date('2024-01-01T00:00:00Z');
const T1 = new Date('2024-03-01T00:00:00Z');
const T2 = new Date('2024-06-01T00:00:00Z');
const hourAfter = (d: Date) => new Date(d.getTime() + 3600_000);
const hourBefore = (d: Date) => new Date(d.getTime() - 3600_000);

function small(): OrgFile {
  return loadOrgFile(SMALL);
}

function unitOf(file: OrgFile, id: string) {
  const u = file.units.find((x) => x.id === id);
  if (!u) throw new Error(`no unit ${id}`);
  return u;
}

/** A minimal valid file written as in YAML, for schema tests. */
type Raw = Record<string, unknown>;
function rawFile(): { university: Raw; people: Raw[]; units: Raw[] } {
  return {
    university: { partySecretary: 'p-a', office: ['p-b'] },
    people: [
      { id: 'p-a', name: '甲', email: 'a@example.edu.cn', phone: '13800000001' },
      { id: 'p-b', name: '乙' },
    ],
    units: [{ id: 'cs', name: '计算机科学与技术学院', kind: 'college', firstResponsible: 'p-a', liaisons: ['p-b'] }],
  };
}

function issuesOf(data: unknown): Array<{ path: string; message: string }> {
  try {
    parseOrgFile(data, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(OrgFileError);
    expect((err as Error).message).toContain('test.yaml');
    return (err as OrgFileError).issues.map(({ path: p, message }) => ({ path: p, message }));
  }
  throw new Error('expected the file to be rejected');
}

// Pure checks of the file format: no database involved, so they run once.
describe('org file schema', () => {
  it('accepts vacancies and normalises them', () => {
    const file = parseOrgFile(rawFile());
    expect(file.university.cybersecurityLeader).toBeNull();
    expect(file.university.auditOffice).toEqual([]);
    expect(file.units[0].directResponsible).toBeNull();
    expect(file.units[0].leadershipMembers).toEqual([]);
    expect(file.units[0].nameEn).toBeNull();
    expect(file.people[1]).toEqual({ id: 'p-b', name: '乙', email: null, phone: null, locale: 'zh-CN', staffNo: null });
    expect(listVacancies(file)).toContainEqual({ role: 'direct_responsible', unitId: 'cs' });
    expect(flattenAssignments(file)).toEqual([
      { personId: 'p-a', role: 'party_secretary', unitId: null },
      { personId: 'p-b', role: 'office', unitId: null },
      { personId: 'p-a', role: 'first_responsible', unitId: 'cs' },
      { personId: 'p-b', role: 'liaison', unitId: 'cs' },
    ]);
  });

  it('rejects an unknown person, naming the path', () => {
    const raw = rawFile();
    raw.units[0].liaisons = ['p-b', 'p-nobody'];
    raw.university.cybersecurityLeader = 'p-ghost';
    expect(issuesOf(raw)).toEqual([
      { path: 'university.cybersecurityLeader', message: 'unknown person "p-ghost" (not in people)' },
      { path: 'units[0].liaisons[1]', message: 'unknown person "p-nobody" (not in people)' },
    ]);
  });

  it('rejects duplicate units and people, and a person listed twice', () => {
    const raw = rawFile();
    raw.units.push({ id: 'cs', name: '重复', kind: 'department' });
    raw.people.push({ id: 'p-a', name: '重复' });
    raw.units[0].liaisons = ['p-b', 'p-b'];
    expect(issuesOf(raw)).toEqual([
      { path: 'people[2].id', message: 'duplicate person id "p-a"' },
      { path: 'units[1].id', message: 'duplicate unit id "cs"' },
      { path: 'units[0].liaisons[1]', message: 'person "p-b" is listed twice' },
    ]);
  });

  it('rejects bad ids, unquoted phones, unknown keys and kinds', () => {
    const raw = rawFile();
    raw.people[0].id = 'P A';
    raw.people[1].phone = 13800000000;
    raw.units[0].kind = 'school';
    raw.units[0].directResponsibe = 'p-a';
    const issues = issuesOf(raw);
    expect(issues.map((i) => i.path)).toEqual(['people[0].id', 'people[1].phone', 'units[0].kind', 'units[0]']);
    expect(issues[0].message).toMatch(/^bad id "P A"/);
    expect(issues[1].message).toMatch(/quoted string/);
    expect(issues[2].message).toBe('kind must be one of college, department, affiliated');
    expect(issues[3].message).toMatch(/directResponsibe/);
  });

  it('accepts delegations and refuses unknown people, self-delegation and repeats, naming the path', () => {
    const raw: Raw = rawFile();
    expect(parseOrgFile(raw).delegations).toEqual([]);
    raw.delegations = [{ delegate: 'p-b', for: 'p-a' }];
    const file = parseOrgFile(raw);
    expect(file.delegations).toEqual([{ delegate: 'p-b', for: 'p-a' }]);
    expect(flattenAssignments(file).at(-1)).toEqual({ personId: 'p-b', role: 'delegate', unitId: null, forPersonId: 'p-a' });

    raw.delegations = [
      { delegate: 'p-ghost', for: 'p-a' },
      { delegate: 'p-b', for: 'p-nobody' },
      { delegate: 'p-a', for: 'p-a' },
      { delegate: 'p-b', for: 'p-a' },
      { delegate: 'p-b', for: 'p-a' },
    ];
    expect(issuesOf(raw)).toEqual([
      { path: 'delegations[0].delegate', message: 'unknown person "p-ghost" (not in people)' },
      { path: 'delegations[1].for', message: 'unknown person "p-nobody" (not in people)' },
      { path: 'delegations[2].delegate', message: 'person "p-a" cannot be their own delegate' },
      { path: 'delegations[4]', message: 'delegation of "p-b" for "p-a" is listed twice' },
    ]);
    raw.delegations = [{ delegate: 'p-b', for: 'p-a', until: 'never' }];
    expect(issuesOf(raw)).toEqual([{ path: 'delegations[0]', message: expect.stringMatching(/until/) }]);
  });

  it('has a label for every role and unit kind', () => {
    for (const role of ROLES) expect(ROLE_LABELS[role].zh && ROLE_LABELS[role].en).toBeTruthy();
    for (const kind of UNIT_KINDS) expect(UNIT_KIND_LABELS[kind].zh).toBeTruthy();
    expect(ROLE_LABELS.party_secretary).toEqual({ zh: '党委书记', en: 'Party Secretary' });
  });

  it('the demo organisation validates, with at least 20 units and every role filled', () => {
    const demo = loadOrgFile(DEMO);
    expect(demo.units.length).toBeGreaterThanOrEqual(20);
    expect(new Set(demo.units.map((u) => u.kind))).toEqual(new Set(UNIT_KINDS));
    expect(listVacancies(demo)).toEqual([]);
    const leaders = new Set(demo.units.map((u) => u.supervisingLeader));
    expect(leaders.size).toBeGreaterThanOrEqual(5);
    expect(leaders.has(demo.university.cybersecurityLeader)).toBe(true);
    expect(leaders.has(demo.university.partySecretary)).toBe(true);
    expect(demo.university.office).toHaveLength(3);
    for (const u of demo.units) {
      expect(u.nameEn).toBeTruthy();
      expect(u.liaisons.length).toBeGreaterThanOrEqual(1);
      expect(u.liaisons.length).toBeLessThanOrEqual(2);
      expect(u.leadershipMembers.length).toBeGreaterThanOrEqual(2);
      expect(u.leadershipMembers.length).toBeLessThanOrEqual(4);
    }
    for (const p of demo.people) {
      expect(p.email).toMatch(/@example\.edu\.cn$/);
      expect(p.phone).toMatch(/^138\d{8}$/);
    }
    // The well-known demo ids documented at the top of the file.
    const cs = unitOf(demo, 'cs');
    expect(demo.university.office).toContain('p-chen-jing');
    expect(cs.liaisons).toContain('p-li-na');
    expect(cs.directResponsible).toBe('p-liu-yang');
    expect(cs.firstResponsible).toBe('p-zhang-wei');
    expect(cs.supervisingLeader).toBe('p-zhou-wenbin');
    expect(demo.university.cybersecurityLeader).toBe('p-zhao-hongyu');
    expect(demo.university.partySecretary).toBe('p-wang-jianguo');
    expect(demo.university.partyCommittee).toContain('p-liu-chang');
    expect(demo.university.disciplineCommittee).toContain('p-he-yun');
    expect(demo.university.inspectionOffice).toContain('p-guo-fang');
    expect(demo.university.auditOffice).toContain('p-ma-xiaodong');
  });

  describe('loadOrgFile', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-test-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('names the file, the path and the line of a YAML problem', () => {
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, fs.readFileSync(SMALL, 'utf8').replace('liaisons: [p-he-bin]', 'liaisons: [p-nobody]'));
      expect(() => loadOrgFile(file)).toThrow(file);
      try {
        loadOrgFile(file);
      } catch (err) {
        const issue = (err as OrgFileError).issues[0];
        expect(issue.path).toBe('units[2].liaisons[0]');
        expect(issue.line).toBe(fs.readFileSync(file, 'utf8').split('\n').indexOf('    liaisons: [p-nobody]') + 1);
        expect((err as Error).message).toContain(`units[2].liaisons[0] (line ${issue.line}): unknown person "p-nobody"`);
      }
    });

    it('reads JSON as well, to the same organisation', () => {
      const file = path.join(dir, 'org.json');
      fs.writeFileSync(file, JSON.stringify(small()));
      expect(orgDigest(loadOrgFile(file))).toBe(orgDigest(small()));
    });

    it('reports YAML syntax errors and unsupported extensions with the file name', () => {
      const bad = path.join(dir, 'syntax.yml');
      fs.writeFileSync(bad, 'people: [\n');
      expect(() => loadOrgFile(bad)).toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: YAML syntax error`));
      expect(() => loadOrgFile(path.join(dir, 'org.txt'))).toThrow(/unsupported organisation file type/);
      expect(() => loadOrgFile(path.join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read/);
    });
  });
});

describe.each(testBackends())('org in the database (%s)', (backend) => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb(backend);
  });
  afterEach(async () => {
    await db.close();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;

  it('imports a file and answers who holds which role', async () => {
    expect(await isOrgEmpty(db)).toBe(true);
    const file = small();
    const s = await importOrg(db, file, { source: 'org-small.yaml', now: T0 });
    const total = flattenAssignments(file).length;
    expect(s).toEqual({
      importId: expect.any(Number),
      unchanged: false,
      units: { added: 3, updated: 0, deactivated: 0 },
      people: { added: 23, updated: 0, deactivated: 0 },
      assignments: { opened: total, closed: 0, kept: 0 },
    });
    expect(await isOrgEmpty(db)).toBe(false);

    const imports = (await db.query<{ id: string; source: string; digest: string; summary: { assignments: { opened: number } } }>('SELECT id::text AS id, source, digest, summary FROM org_imports')).rows;
    expect(imports).toHaveLength(1);
    expect(Number(imports[0].id)).toBe(s.importId);
    expect(imports[0].source).toBe('org-small.yaml');
    expect(imports[0].digest).toMatch(/^[0-9a-f]{64}$/);
    expect(imports[0].summary.assignments.opened).toBe(total);

    const at = hourAfter(T0);
    expect(await getUnitChain(db, 'cs', at)).toEqual({
      directResponsible: 'p-liu-yang',
      firstResponsible: 'p-zhang-wei',
      supervisingLeader: 'p-zhou-wenbin',
      cybersecurityLeader: 'p-zhao-hongyu',
      partySecretary: 'p-wang-jianguo',
      principal: 'p-qian-hao',
    });
    // Vacancy: lib has no direct responsible person.
    expect((await getUnitChain(db, 'lib', at)).directResponsible).toBeNull();
    expect(await getUnitRoleHolders(db, 'lib', 'direct_responsible', at)).toEqual([]);
    expect(await getUnitRoleHolders(db, 'lib', 'leadership_member', at)).toEqual([]);
    // Before the first import nobody held anything.
    expect(await getUnitChain(db, 'cs', hourBefore(T0))).toEqual({
      directResponsible: null,
      firstResponsible: null,
      supervisingLeader: null,
      cybersecurityLeader: null,
      partySecretary: null,
      principal: null,
    });

    expect(await getUnitRoleHolders(db, 'cs', 'leadership_member', at)).toEqual(['p-liu-wei', 'p-xu-jing']);
    expect(await getUniversityRoleHolders(db, 'office', at)).toEqual(['p-chen-jing', 'p-lin-tao']);
    expect(await getUniversityRoleHolders(db, 'audit_office')).toEqual(['p-ma-xiaodong']);

    // A message's audience in one statement: the entries' order, each role's holders in order, each
    // person once (p-liu-yang is both a listed id and cs's direct responsible), unknown ids dropped;
    // the same people the per-role lookups name.
    const audience = [
      { personIds: ['p-liu-yang', 'p-nobody'] },
      { unitId: 'cs', unitRoles: ['leadership_member' as const, 'direct_responsible' as const] },
      { universityRoles: ['office' as const, 'audit_office' as const] },
      { unitId: 'lib', unitRoles: ['direct_responsible' as const] },
    ];
    const expected = ['p-liu-yang', 'p-liu-wei', 'p-xu-jing', 'p-chen-jing', 'p-lin-tao', 'p-ma-xiaodong'];
    expect((await getAudience(db, audience, at)).map((p) => p.id)).toEqual(expected);
    expect(await getAudience(db, audience, at)).toEqual(await getPeople(db, expected));
    expect((await getAudience(db, audience, hourBefore(T0))).map((p) => p.id)).toEqual(['p-liu-yang']);
    expect((await getAudience(db, [{ personIds: ['p-ma-xiaodong', 'p-liu-yang', 'p-ma-xiaodong'] }])).map((p) => p.id)).toEqual(['p-ma-xiaodong', 'p-liu-yang']);
    expect(await getAudience(db, [])).toEqual([]);
    expect(await getAudience(db, [{ unitId: 'cs', unitRoles: [] }, { personIds: [] }])).toEqual([]);

    expect(await getPersonRoles(db, 'p-wang-jianguo', at)).toEqual({
      person: { id: 'p-wang-jianguo', name: '王建国', email: 'wangjianguo@example.edu.cn', phone: '13800000001', locale: 'zh-CN', active: true },
      university: ['party_secretary'],
      units: [{ unitId: 'lib', role: 'supervising_leader' }],
    });
    expect((await getPersonRoles(db, 'p-lin-tao')).person?.locale).toBe('en');
    expect(await getPersonRoles(db, 'p-nobody')).toEqual({ person: null, university: [], units: [] });

    expect(await listUnits(db)).toEqual([
      { id: 'cs', name: '计算机科学与技术学院', nameEn: 'School of Computer Science and Technology', kind: 'college', active: true },
      { id: 'ito', name: '信息化处', nameEn: 'Information Technology Office', kind: 'department', active: true },
      { id: 'lib', name: '图书馆', nameEn: 'Library', kind: 'affiliated', active: true },
    ]);
    expect(await getUnit(db, 'ito')).toMatchObject({ name: '信息化处', kind: 'department' });
    expect(await getUnit(db, 'nope')).toBeNull();

    const csPeople = await listPeople(db, { unitId: 'cs' });
    expect(csPeople.map((p) => p.id)).toEqual(['p-li-na', 'p-liu-wei', 'p-liu-yang', 'p-qian-hao', 'p-xu-jing', 'p-zhang-wei', 'p-zhou-wenbin']);
    expect(csPeople.find((p) => p.id === 'p-li-na')!.roles).toEqual([{ role: 'liaison', unitId: 'cs' }]);
    const everyone = await listPeople(db);
    expect(everyone).toHaveLength(23);
    expect(everyone.find((p) => p.id === 'p-zhao-hongyu')!.roles).toEqual([
      { role: 'cybersecurity_leader', unitId: null },
      { role: 'supervising_leader', unitId: 'ito' },
    ]);
    expect(everyone.find((p) => p.id === 'p-yang-fan')!.roles).toEqual([]);

    expect((await getPeople(db, ['p-li-na', 'p-nobody', 'p-he-yun'])).map((p) => p.name)).toEqual(['李娜', '何芸']);
    expect(await getPeople(db, [])).toEqual([]);
  });

  it('re-importing an unchanged file changes nothing', async () => {
    const first = await importOrg(db, small(), { source: 'org-small.yaml', now: T0 });
    const before = (await db.query('SELECT * FROM role_assignments ORDER BY id')).rows;
    const unitsBefore = (await db.query('SELECT * FROM units ORDER BY id')).rows;
    const peopleBefore = (await db.query('SELECT * FROM people ORDER BY id')).rows;

    // The same organisation, re-serialised (keys in another order) and imported later.
    const reverseKeys = (_key: string, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v;
    const again = parseOrgFile(JSON.parse(JSON.stringify(small(), reverseKeys)));
    const s = await importOrg(db, again, { source: 'org-small.yaml', now: T1 });
    expect(s).toEqual({
      importId: first.importId,
      unchanged: true,
      units: { added: 0, updated: 0, deactivated: 0 },
      people: { added: 0, updated: 0, deactivated: 0 },
      assignments: { opened: 0, closed: 0, kept: first.assignments.opened },
    });
    expect((await db.query('SELECT * FROM role_assignments ORDER BY id')).rows).toEqual(before);
    expect((await db.query('SELECT * FROM units ORDER BY id')).rows).toEqual(unitsBefore);
    expect((await db.query('SELECT * FROM people ORDER BY id')).rows).toEqual(peopleBefore);
    expect(await count('org_imports')).toBe(1);
  });

  it('a changed file closes old assignments and opens new ones, keeping history', async () => {
    const first = await importOrg(db, small(), { source: 'v1', now: T1 });
    const changed = small();
    const cs = unitOf(changed, 'cs');
    cs.liaisons = ['p-yang-fan']; // p-li-na replaced
    cs.directResponsible = 'p-ma-jun'; // p-liu-yang replaced
    changed.people.find((p) => p.id === 'p-li-na')!.phone = '13900000000';
    const s = await importOrg(db, changed, { source: 'v2', now: T2 });
    const total = flattenAssignments(changed).length;
    expect(s).toEqual({
      importId: expect.any(Number),
      unchanged: false,
      units: { added: 0, updated: 0, deactivated: 0 },
      people: { added: 0, updated: 1, deactivated: 0 },
      assignments: { opened: 2, closed: 2, kept: total - 2 },
    });
    expect(s.importId).not.toBe(first.importId);

    // Who held the role at the time.
    expect((await getUnitChain(db, 'cs', hourAfter(T1))).directResponsible).toBe('p-liu-yang');
    expect((await getUnitChain(db, 'cs', hourBefore(T2))).directResponsible).toBe('p-liu-yang');
    expect((await getUnitChain(db, 'cs', T2)).directResponsible).toBe('p-ma-jun');
    expect((await getUnitChain(db, 'cs', hourAfter(T2))).directResponsible).toBe('p-ma-jun');
    expect((await getUnitChain(db, 'cs')).firstResponsible).toBe('p-zhang-wei');
    expect(await getUnitRoleHolders(db, 'cs', 'liaison', hourAfter(T1))).toEqual(['p-li-na']);
    expect(await getUnitRoleHolders(db, 'cs', 'liaison', hourAfter(T2))).toEqual(['p-yang-fan']);
    expect((await getPersonRoles(db, 'p-liu-yang', hourAfter(T1))).units).toEqual([{ unitId: 'cs', role: 'direct_responsible' }]);
    const later = await getPersonRoles(db, 'p-liu-yang', hourAfter(T2));
    expect(later.units).toEqual([]);
    expect(later.person?.active).toBe(true); // still in the file, just no longer in the role
    expect((await getPersonRoles(db, 'p-li-na')).person?.phone).toBe('13900000000');

    // History rows: the old ones closed by the second import, the new ones opened by it.
    const rows = (
      await db.query<{ person_id: string; role: string; valid_from: Date; valid_to: Date | null; opened: string; closed: string | null }>(
        `SELECT person_id, role, valid_from, valid_to, opened_by_import::text AS opened, closed_by_import::text AS closed
           FROM role_assignments WHERE unit_id = 'cs' AND role IN ('liaison', 'direct_responsible') ORDER BY valid_from, role`,
      )
    ).rows;
    expect(rows.map((r) => ({ ...r, valid_from: new Date(r.valid_from).toISOString(), valid_to: r.valid_to && new Date(r.valid_to).toISOString() }))).toEqual([
      { person_id: 'p-liu-yang', role: 'direct_responsible', valid_from: T1.toISOString(), valid_to: T2.toISOString(), opened: String(first.importId), closed: String(s.importId) },
      { person_id: 'p-li-na', role: 'liaison', valid_from: T1.toISOString(), valid_to: T2.toISOString(), opened: String(first.importId), closed: String(s.importId) },
      { person_id: 'p-ma-jun', role: 'direct_responsible', valid_from: T2.toISOString(), valid_to: null, opened: String(s.importId), closed: null },
      { person_id: 'p-yang-fan', role: 'liaison', valid_from: T2.toISOString(), valid_to: null, opened: String(s.importId), closed: null },
    ]);
    expect(await count('org_imports')).toBe(2);
    expect(await count('role_assignments')).toBe(total + 2);

    // Going back to v1 restores the old holders as new assignments; history still has all four.
    const back = await importOrg(db, small(), { source: 'v1 again', now: hourAfter(T2) });
    expect(back.assignments).toEqual({ opened: 2, closed: 2, kept: total - 2 });
    expect((await getUnitChain(db, 'cs', T2)).directResponsible).toBe('p-ma-jun');
    expect((await getUnitChain(db, 'cs')).directResponsible).toBe('p-liu-yang');
  });

  it('delegations are dated like assignments: unchanged re-import changes nothing, a changed one closes and opens', async () => {
    const v1 = small();
    v1.delegations = [{ delegate: 'p-liu-wei', for: 'p-liu-yang' }];
    const first = await importOrg(db, v1, { source: 'v1', now: T0 });
    expect(first.assignments.opened).toBe(flattenAssignments(small()).length + 1);
    expect(await getDelegates(db, 'p-liu-yang', hourAfter(T0))).toEqual(['p-liu-wei']);
    expect(await getDelegates(db, 'p-liu-yang', hourBefore(T0))).toEqual([]);
    expect(await getDelegates(db, 'p-liu-wei')).toEqual([]); // not the other way round
    // A delegation is not a role: role lists do not show it.
    expect((await listPeople(db)).find((p) => p.id === 'p-liu-wei')!.roles).toEqual([{ role: 'leadership_member', unitId: 'cs' }]);
    expect((await getPersonRoles(db, 'p-liu-wei')).university).toEqual([]);

    const before = (await db.query('SELECT * FROM role_assignments ORDER BY id')).rows;
    const same = await importOrg(db, parseOrgFile(JSON.parse(JSON.stringify(v1))), { source: 'v1 again', now: T1 });
    expect(same).toMatchObject({ importId: first.importId, unchanged: true, assignments: { opened: 0, closed: 0 } });
    expect((await db.query('SELECT * FROM role_assignments ORDER BY id')).rows).toEqual(before);

    const v2 = small();
    v2.delegations = [{ delegate: 'p-xu-jing', for: 'p-liu-yang' }];
    const s = await importOrg(db, v2, { source: 'v2', now: T2 });
    expect(s.assignments).toEqual({ opened: 1, closed: 1, kept: flattenAssignments(small()).length });
    expect(await getDelegates(db, 'p-liu-yang', hourAfter(T1))).toEqual(['p-liu-wei']);
    expect(await getDelegates(db, 'p-liu-yang', hourAfter(T2))).toEqual(['p-xu-jing']);
    const rows = (
      await db.query<{ person_id: string; valid_from: Date; valid_to: Date | null; opened: string; closed: string | null }>(
        `SELECT person_id, valid_from, valid_to, opened_by_import::text AS opened, closed_by_import::text AS closed
           FROM role_assignments WHERE role = 'delegate' AND for_person_id = 'p-liu-yang' ORDER BY valid_from`,
      )
    ).rows;
    expect(rows.map((r) => ({ ...r, valid_from: new Date(r.valid_from).toISOString(), valid_to: r.valid_to && new Date(r.valid_to).toISOString() }))).toEqual([
      { person_id: 'p-liu-wei', valid_from: T0.toISOString(), valid_to: T2.toISOString(), opened: String(first.importId), closed: String(s.importId) },
      { person_id: 'p-xu-jing', valid_from: T2.toISOString(), valid_to: null, opened: String(s.importId), closed: null },
    ]);

    // Dropping every delegation closes them; the file then has the digest it had before delegations existed.
    const none = await importOrg(db, small(), { source: 'v3', now: hourAfter(T2) });
    expect(none.assignments).toMatchObject({ opened: 0, closed: 1 });
    expect(await getDelegates(db, 'p-liu-yang')).toEqual([]);
    expect(orgDigest(small())).toBe(orgDigest(parseOrgFile({ ...JSON.parse(JSON.stringify(small())), delegations: null })));
  });

  it('vacancies are null, and filling or vacating a role is dated', async () => {
    await importOrg(db, small(), { source: 'v1', now: T1 });
    expect((await getUnitChain(db, 'lib')).directResponsible).toBeNull();

    const filled = small();
    unitOf(filled, 'lib').directResponsible = 'p-ma-jun';
    unitOf(filled, 'cs').liaisons = [];
    filled.university.partySecretary = null;
    const s = await importOrg(db, filled, { source: 'v2', now: T2 });
    expect(s.assignments).toMatchObject({ opened: 1, closed: 2 });

    expect((await getUnitChain(db, 'lib', hourAfter(T1))).directResponsible).toBeNull();
    expect((await getUnitChain(db, 'lib', hourAfter(T2))).directResponsible).toBe('p-ma-jun');
    expect(await getUnitRoleHolders(db, 'cs', 'liaison', hourAfter(T2))).toEqual([]);
    expect((await getUnitChain(db, 'cs', hourAfter(T2))).partySecretary).toBeNull();
    expect((await getUnitChain(db, 'cs', hourAfter(T1))).partySecretary).toBe('p-wang-jianguo');
    expect(await getUniversityRoleHolders(db, 'party_secretary', hourAfter(T2))).toEqual([]);
  });

  it('a unit or person removed from the file becomes inactive, never deleted', async () => {
    await importOrg(db, small(), { source: 'v1', now: T1 });
    const without = small();
    without.units = without.units.filter((u) => u.id !== 'lib');
    without.people = without.people.filter((p) => !['p-ye-ting', 'p-he-bin'].includes(p.id)); // lib's own people
    const s = await importOrg(db, without, { source: 'v2', now: T2 });
    expect(s.units).toEqual({ added: 0, updated: 0, deactivated: 1 });
    expect(s.people).toEqual({ added: 0, updated: 0, deactivated: 2 });
    expect(s.assignments.closed).toBe(3); // lib's supervising leader, first responsible, liaison
    expect(await getUnit(db, 'lib')).toMatchObject({ id: 'lib', active: false });
    expect((await listUnits(db)).map((u) => [u.id, u.active])).toEqual([
      ['cs', true],
      ['ito', true],
      ['lib', false],
    ]);
    expect((await getPersonRoles(db, 'p-he-bin')).person).toMatchObject({ name: '何斌', active: false });
    expect(await getUnitChain(db, 'lib', hourAfter(T2))).toMatchObject({ firstResponsible: null, supervisingLeader: null });
    expect((await getUnitChain(db, 'lib', hourAfter(T1))).firstResponsible).toBe('p-ye-ting');
    expect(await listPeople(db, { unitId: 'lib' })).toEqual([]);
    expect(await count('units')).toBe(3);
    expect(await count('people')).toBe(23);

    // Brought back: reactivated, counted as updated.
    const back = await importOrg(db, small(), { source: 'v3', now: hourAfter(T2) });
    expect(back.units).toEqual({ added: 0, updated: 1, deactivated: 0 });
    expect(back.people).toEqual({ added: 0, updated: 2, deactivated: 0 });
    expect((await getUnit(db, 'lib'))!.active).toBe(true);
  });

  it('refuses an import dated before the last recorded change, and rolls back', async () => {
    await importOrg(db, small(), { source: 'v1', now: T2 });
    const changed = small();
    unitOf(changed, 'cs').liaisons = ['p-yang-fan'];
    await expect(importOrg(db, changed, { source: 'old', now: T1 })).rejects.toThrow(/time order/);
    expect(await count('org_imports')).toBe(1);
    expect(await getUnitRoleHolders(db, 'cs', 'liaison')).toEqual(['p-li-na']);
  });

  it('imports the demo organisation with every chain complete', async () => {
    const demo = loadOrgFile(DEMO);
    const s = await importOrg(db, demo, { source: 'config/demo-org.yaml' });
    expect(s.units.added).toBe(demo.units.length);
    expect(s.people.added).toBe(demo.people.length);
    for (const u of demo.units) {
      const chain = await getUnitChain(db, u.id);
      expect(Object.values(chain).every((v) => typeof v === 'string')).toBe(true);
    }
    expect(await getUnitChain(db, 'cs')).toEqual({
      directResponsible: 'p-liu-yang',
      firstResponsible: 'p-zhang-wei',
      supervisingLeader: 'p-zhou-wenbin',
      cybersecurityLeader: 'p-zhao-hongyu',
      partySecretary: 'p-wang-jianguo',
      principal: 'p-qian-hao',
    });
    expect((await getPersonRoles(db, 'p-li-na')).units).toEqual([{ unitId: 'cs', role: 'liaison' }]);
    expect((await getPersonRoles(db, 'p-chen-jing')).university).toEqual(['office']);
    expect((await importOrg(db, loadOrgFile(DEMO), { source: 'config/demo-org.yaml' })).unchanged).toBe(true);
  });
});

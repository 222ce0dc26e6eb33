/**
 * The organisation in the database: units, people, and effective-dated role assignments.
 *
 * Imports never delete: units and people missing from a new file become inactive, and role
 * assignments are closed (`valid_to`) rather than removed, so "who held which role when" stays
 * answerable (accountability looks at who was responsible at the time of the facts, Art. 3, 6, 7).
 * Every read of roles takes a time `at` and answers as things were then.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Db, Queryable } from './client';
import { iso, isoOrNull } from './rows';
import {
  assignmentKey,
  canonicalOrgJson,
  DELEGATE_ROLE,
  flattenAssignments,
  isUniversityRole,
  isUnitRole,
  OrgFileError,
  parseOrgFile,
  UNIT_KINDS,
  UNIT_ROLES,
  UNIVERSITY_ROLES,
  type Audience,
  type FlatAssignment,
  type Locale,
  type OrgFile,
  type Role,
  type UnitKind,
  type UnitRole,
  type UniversityRole,
} from '../domain/org';

// ---------------------------------------------------------------------------------------------
// Loading the file
// ---------------------------------------------------------------------------------------------

/**
 * Reads and validates an organisation file, YAML (`.yaml`, `.yml`) or JSON (`.json`). Errors name
 * the file and the place in it (`units[3].liaisons[1]`, with the line for YAML).
 */
export function loadOrgFile(file: string): OrgFile {
  const ext = path.extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new Error(`${file}: unsupported organisation file type "${ext}" (use .yaml, .yml or .json)`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read organisation file: ${(err as Error).message}`);
  }

  if (ext === '.json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: JSON syntax error: ${(err as Error).message}`);
    }
    return parseOrgFile(data, file);
  }

  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(`${file}: YAML syntax error: ${doc.errors.map((e) => e.message).join('\n')}`);
  }
  const data: unknown = doc.toJS();
  try {
    return parseOrgFile(data, file);
  } catch (err) {
    if (!(err instanceof OrgFileError)) throw err;
    // Add the line of each problem: the node at the path, or the nearest enclosing one.
    const issues = err.issues.map((issue) => {
      for (let n = issue.segments.length; n >= 0; n--) {
        const node = doc.getIn(issue.segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) {
          return { ...issue, line: lineCounter.linePos(node.range[0]).line };
        }
      }
      return issue;
    });
    throw new OrgFileError(file, issues);
  }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

export interface ImportSummary {
  /** The `org_imports` row; for an unchanged file, the earlier import whose state is current. */
  importId: number;
  /** Nothing changed: same units, people and assignments, and the same file as the last import. */
  unchanged: boolean;
  units: { added: number; updated: number; deactivated: number };
  people: { added: number; updated: number; deactivated: number };
  assignments: { opened: number; closed: number; kept: number };
}

interface UnitRow {
  id: string;
  name: string;
  name_en: string | null;
  kind: UnitKind;
  active: boolean;
}

interface PersonRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  locale: string;
  active: boolean;
  staff_no?: string | null;
}

interface OpenAssignmentRow {
  id: string;
  person_id: string;
  role: string;
  unit_id: string | null;
  for_person_id: string | null;
}

/** Lock key serialising concurrent imports on PostgreSQL. */
const IMPORT_LOCK = 724502;

/**
 * Brings the database in line with `file`, in one transaction: upserts units and people
 * (deactivating those no longer in the file), closes role assignments no longer in the file and
 * opens new ones at `now`, and records an `org_imports` row. An unchanged file changes nothing.
 */
export async function importOrg(db: Db, file: OrgFile, opts: { source: string; now?: Date }): Promise<ImportSummary> {
  const now = opts.now ?? new Date();
  const digest = orgDigest(file);
  return db.tx(async (q) => {
    if (db.kind === 'postgres') await q.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);

    // --- Units.
    const units = new Map(
      (await q.query<UnitRow>('SELECT id, name, name_en, kind, active FROM units')).rows.map((r) => [r.id, r]),
    );
    const unitAdds: OrgFile['units'] = [];
    const unitUpdates: OrgFile['units'] = [];
    for (const u of file.units) {
      const row = units.get(u.id);
      if (!row) unitAdds.push(u);
      else if (row.name !== u.name || row.name_en !== u.nameEn || row.kind !== u.kind || !row.active) unitUpdates.push(u);
    }
    const fileUnitIds = new Set(file.units.map((u) => u.id));
    const unitDeactivations = [...units.values()].filter((r) => r.active && !fileUnitIds.has(r.id)).map((r) => r.id);

    // --- People.
    const people = new Map(
      (await q.query<PersonRow>('SELECT id, name, email, phone, locale, active, staff_no FROM people')).rows.map((r) => [r.id, r]),
    );
    const personAdds: OrgFile['people'] = [];
    const personUpdates: OrgFile['people'] = [];
    for (const p of file.people) {
      const row = people.get(p.id);
      if (!row) personAdds.push(p);
      else if (
        row.name !== p.name ||
        row.email !== p.email ||
        row.phone !== p.phone ||
        row.locale !== p.locale ||
        (row.staff_no ?? null) !== p.staffNo ||
        !row.active
      ) {
        personUpdates.push(p);
      }
    }
    const filePersonIds = new Set(file.people.map((p) => p.id));
    const personDeactivations = [...people.values()].filter((r) => r.active && !filePersonIds.has(r.id)).map((r) => r.id);

    // --- Role assignments: diff the open ones against the file.
    const open = (
      await q.query<OpenAssignmentRow>(
        `SELECT id::text AS id, person_id, role, unit_id, for_person_id FROM role_assignments
          WHERE valid_to IS NULL ORDER BY valid_from, id`,
      )
    ).rows;
    const wanted = new Map<string, FlatAssignment>(flattenAssignments(file).map((a) => [assignmentKey(a), a]));
    const keptKeys = new Set<string>();
    const toClose: string[] = [];
    for (const row of open) {
      const key = assignmentKey({
        personId: row.person_id,
        role: row.role as FlatAssignment['role'],
        unitId: row.unit_id,
        ...(row.for_person_id ? { forPersonId: row.for_person_id } : {}),
      });
      // Keep the earliest open row of each wanted assignment; close the rest (and any duplicates).
      if (wanted.has(key) && !keptKeys.has(key)) keptKeys.add(key);
      else toClose.push(row.id);
    }
    const toOpen = [...wanted.entries()].filter(([key]) => !keptKeys.has(key)).map(([, a]) => a);

    const counts = {
      units: { added: unitAdds.length, updated: unitUpdates.length, deactivated: unitDeactivations.length },
      people: { added: personAdds.length, updated: personUpdates.length, deactivated: personDeactivations.length },
      assignments: { opened: toOpen.length, closed: toClose.length, kept: keptKeys.size },
    };
    const noChanges =
      counts.units.added + counts.units.updated + counts.units.deactivated === 0 &&
      counts.people.added + counts.people.updated + counts.people.deactivated === 0 &&
      counts.assignments.opened + counts.assignments.closed === 0;

    const last = (
      await q.query<{ id: string; digest: string }>('SELECT id::text AS id, digest FROM org_imports ORDER BY id DESC LIMIT 1')
    ).rows[0];
    if (noChanges && last && last.digest === digest) {
      return { importId: Number(last.id), unchanged: true, ...counts };
    }

    if (!noChanges) {
      const latest = (
        await q.query<{ latest: Date | string | null }>(
          `SELECT max(GREATEST(valid_from, COALESCE(valid_to, valid_from))) AS latest FROM role_assignments`,
        )
      ).rows[0]?.latest;
      if (latest != null && new Date(latest).getTime() > now.getTime()) {
        throw new Error(
          `Import time ${now.toISOString()} is before the latest recorded role change ${new Date(latest).toISOString()}: ` +
            'imports must be applied in time order',
        );
      }
    }

    const recorded = { unchanged: noChanges, ...counts };
    const importId = Number(
      (
        await q.query<{ id: string }>(
          `INSERT INTO org_imports (imported_at, source, digest, summary) VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text AS id`,
          [now, opts.source, digest, JSON.stringify(recorded)],
        )
      ).rows[0].id,
    );

    for (const u of unitAdds) {
      await q.query(
        `INSERT INTO units (id, name, name_en, kind, active, updated_at) VALUES ($1, $2, $3, $4, true, $5)`,
        [u.id, u.name, u.nameEn, u.kind, now],
      );
    }
    for (const u of unitUpdates) {
      await q.query(`UPDATE units SET name = $2, name_en = $3, kind = $4, active = true, updated_at = $5 WHERE id = $1`, [
        u.id,
        u.name,
        u.nameEn,
        u.kind,
        now,
      ]);
    }
    if (unitDeactivations.length > 0) {
      await q.query(`UPDATE units SET active = false, updated_at = $2 WHERE id = ANY($1::text[])`, [unitDeactivations, now]);
    }

    for (const p of personAdds) {
      await q.query(
        `INSERT INTO people (id, name, email, phone, locale, active, updated_at, staff_no) VALUES ($1, $2, $3, $4, $5, true, $6, $7)`,
        [p.id, p.name, p.email, p.phone, p.locale, now, p.staffNo],
      );
    }
    for (const p of personUpdates) {
      await q.query(
        `UPDATE people SET name = $2, email = $3, phone = $4, locale = $5, active = true, updated_at = $6, staff_no = $7 WHERE id = $1`,
        [p.id, p.name, p.email, p.phone, p.locale, now, p.staffNo],
      );
    }
    if (personDeactivations.length > 0) {
      await q.query(`UPDATE people SET active = false, updated_at = $2 WHERE id = ANY($1::text[])`, [personDeactivations, now]);
    }

    if (toClose.length > 0) {
      await q.query(
        `UPDATE role_assignments SET valid_to = $1, closed_by_import = $2 WHERE id = ANY($3::bigint[]) AND valid_to IS NULL`,
        [now, importId, toClose],
      );
    }
    if (toOpen.length > 0) {
      await q.query(
        `INSERT INTO role_assignments (person_id, role, unit_id, for_person_id, valid_from, opened_by_import)
         SELECT t.person_id, t.role, t.unit_id, t.for_person_id, $5, $6
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(person_id, role, unit_id, for_person_id)`,
        [
          toOpen.map((a) => a.personId),
          toOpen.map((a) => a.role),
          toOpen.map((a) => a.unitId),
          toOpen.map((a) => a.forPersonId ?? null),
          now,
          importId,
        ],
      );
    }

    return { importId, unchanged: noChanges, ...counts };
  });
}

/** SHA-256 (hex) of the canonical JSON of a validated organisation file. */
export function orgDigest(file: OrgFile): string {
  return createHash('sha256').update(canonicalOrgJson(file)).digest('hex');
}

/** True when no unit and no person has ever been imported. */
export async function isOrgEmpty(db: Queryable): Promise<boolean> {
  const r = await db.query<{ empty: boolean }>(
    `SELECT (NOT EXISTS (SELECT 1 FROM units) AND NOT EXISTS (SELECT 1 FROM people)) AS empty`,
  );
  return r.rows[0].empty;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

export interface Person {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  locale: Locale;
  active: boolean;
}

export interface Unit {
  id: string;
  name: string;
  nameEn: string | null;
  kind: UnitKind;
  active: boolean;
}

export interface PersonRoles {
  /** `null` when no such person was ever imported. */
  person: Person | null;
  university: UniversityRole[];
  units: Array<{ unitId: string; role: UnitRole }>;
}

/** The escalation chain of a unit at one time: person ids, `null` where the role was vacant. */
export interface UnitChain {
  directResponsible: string | null;
  firstResponsible: string | null;
  supervisingLeader: string | null;
  cybersecurityLeader: string | null;
  partySecretary: string | null;
  /** The unit's administrative head (院长/处长): not a level of the chain, one of its main leaders (Art. 8). */
  principal: string | null;
}

export interface PersonWithRoles extends Person {
  roles: Array<{ role: Role; unitId: string | null }>;
}

/** Assignments in force at `$n` (a timestamptz parameter). */
const inForceAt = (n: number) => `valid_from <= $${n} AND (valid_to IS NULL OR valid_to > $${n})`;

const PERSON_COLUMNS = 'id, name, email, phone, locale, active';
/** The same columns of `people p`, for joins. */
const PERSON_COLUMNS_P = PERSON_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ');

function toPerson(r: PersonRow): Person {
  return { id: r.id, name: r.name, email: r.email, phone: r.phone, locale: r.locale as Locale, active: r.active };
}

function toUnit(r: UnitRow): Unit {
  return { id: r.id, name: r.name, nameEn: r.name_en, kind: r.kind, active: r.active };
}

const ROLE_ORDER = new Map<string, number>([...UNIVERSITY_ROLES, ...UNIT_ROLES].map((r, i) => [r, i]));
const KIND_ORDER = new Map<string, number>(UNIT_KINDS.map((k, i) => [k, i]));

function compareRoles(a: { role: string; unitId: string | null }, b: { role: string; unitId: string | null }): number {
  if (a.unitId !== b.unitId) {
    if (a.unitId === null) return -1;
    if (b.unitId === null) return 1;
    return a.unitId < b.unitId ? -1 : 1;
  }
  return (ROLE_ORDER.get(a.role) ?? 99) - (ROLE_ORDER.get(b.role) ?? 99);
}

/** The roles a person held at `at` (university roles, and roles within units). */
export async function getPersonRoles(db: Queryable, personId: string, at: Date = new Date()): Promise<PersonRoles> {
  // One statement, one row per role (or one row with no role): every API request asks this.
  const found = (
    await db.query<PersonRow & { role: string | null; unit_id: string | null }>(
      `SELECT ${PERSON_COLUMNS_P}, r.role, r.unit_id
         FROM people p
         LEFT JOIN (SELECT DISTINCT role, unit_id FROM role_assignments WHERE person_id = $1 AND ${inForceAt(2)}) r ON true
        WHERE p.id = $1`,
      [personId, at],
    )
  ).rows;
  const rows = found
    .filter((r): r is typeof r & { role: string } => r.role !== null)
    .map((r) => ({ role: r.role, unitId: r.unit_id }))
    .sort(compareRoles);
  return {
    person: found[0] ? toPerson(found[0]) : null,
    university: rows.filter((r) => r.unitId === null && isUniversityRole(r.role)).map((r) => r.role as UniversityRole),
    units: rows
      .filter((r): r is { role: UnitRole; unitId: string } => r.unitId !== null && isUnitRole(r.role))
      .map((r) => ({ unitId: r.unitId, role: r.role })),
  };
}

/**
 * Who stood in the unit's escalation chain at `at`: direct responsible → first responsible →
 * supervising leader → cybersecurity leader → party secretary. Where several held one role, the
 * one holding it longest (earliest `valid_from`).
 */
export async function getUnitChain(db: Queryable, unitId: string, at: Date = new Date()): Promise<UnitChain> {
  const rows = (
    await db.query<{ role: string; person_id: string }>(
      `SELECT role, person_id FROM role_assignments
        WHERE ((unit_id = $1 AND role IN ('direct_responsible', 'first_responsible', 'supervising_leader', 'principal'))
               OR (unit_id IS NULL AND role IN ('cybersecurity_leader', 'party_secretary')))
          AND ${inForceAt(2)}
        ORDER BY valid_from, id`,
      [unitId, at],
    )
  ).rows;
  const first = (role: Role) => rows.find((r) => r.role === role)?.person_id ?? null;
  return {
    directResponsible: first('direct_responsible'),
    firstResponsible: first('first_responsible'),
    supervisingLeader: first('supervising_leader'),
    cybersecurityLeader: first('cybersecurity_leader'),
    partySecretary: first('party_secretary'),
    principal: first('principal'),
  };
}

/** Who held `role` in the unit at `at`, longest-serving first. */
export async function getUnitRoleHolders(
  db: Queryable,
  unitId: string,
  role: UnitRole,
  at: Date = new Date(),
): Promise<string[]> {
  const rows = (
    await db.query<{ person_id: string }>(
      `SELECT person_id FROM role_assignments WHERE unit_id = $1 AND role = $2 AND ${inForceAt(3)} ORDER BY valid_from, id`,
      [unitId, role, at],
    )
  ).rows;
  return [...new Set(rows.map((r) => r.person_id))];
}

/** Who held the university-level `role` at `at`, longest-serving first. */
export async function getUniversityRoleHolders(db: Queryable, role: UniversityRole, at: Date = new Date()): Promise<string[]> {
  const rows = (
    await db.query<{ person_id: string }>(
      `SELECT person_id FROM role_assignments WHERE unit_id IS NULL AND role = $1 AND ${inForceAt(2)} ORDER BY valid_from, id`,
      [role, at],
    )
  ).rows;
  return [...new Set(rows.map((r) => r.person_id))];
}

/**
 * Who could decide for `personId` at `at` (their delegates in the organisation file), longest
 * standing first. Whether a delegate may actually decide an escalation is the policy's call.
 */
export async function getDelegates(db: Queryable, personId: string, at: Date = new Date()): Promise<string[]> {
  const rows = (
    await db.query<{ person_id: string }>(
      `SELECT person_id FROM role_assignments WHERE role = $1 AND for_person_id = $2 AND ${inForceAt(3)} ORDER BY valid_from, id`,
      [DELEGATE_ROLE, personId, at],
    )
  ).rows;
  return [...new Set(rows.map((r) => r.person_id))];
}

/** All units ever imported (inactive ones too), colleges, then departments, then affiliated units. */
export async function listUnits(db: Queryable): Promise<Unit[]> {
  const rows = (await db.query<UnitRow>('SELECT id, name, name_en, kind, active FROM units ORDER BY id')).rows;
  return rows.map(toUnit).sort((a, b) => (KIND_ORDER.get(a.kind) ?? 9) - (KIND_ORDER.get(b.kind) ?? 9));
}

export async function getUnit(db: Queryable, id: string): Promise<Unit | null> {
  const row = (await db.query<UnitRow>('SELECT id, name, name_en, kind, active FROM units WHERE id = $1', [id])).rows[0];
  return row ? toUnit(row) : null;
}

/**
 * People with their roles at `at` (now by default); with `unitId`, only those holding a role in that
 * unit then (each still listed with all their roles then).
 */
export async function listPeople(db: Queryable, opts: { unitId?: string; at?: Date } = {}): Promise<PersonWithRoles[]> {
  const at = opts.at ?? new Date();
  const people = opts.unitId
    ? (
        await db.query<PersonRow>(
          `SELECT ${PERSON_COLUMNS} FROM people
            WHERE id IN (SELECT person_id FROM role_assignments WHERE unit_id = $1 AND ${inForceAt(2)})
            ORDER BY id`,
          [opts.unitId, at],
        )
      ).rows
    : (await db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people ORDER BY id`)).rows;
  if (people.length === 0) return [];
  const roles = (
    await db.query<{ person_id: string; role: string; unit_id: string | null }>(
      `SELECT DISTINCT person_id, role, unit_id FROM role_assignments
        WHERE person_id = ANY($1::text[]) AND role <> '${DELEGATE_ROLE}' AND ${inForceAt(2)}`,
      [people.map((p) => p.id), at],
    )
  ).rows;
  const byPerson = new Map<string, Array<{ role: Role; unitId: string | null }>>();
  for (const r of roles) {
    const list = byPerson.get(r.person_id) ?? [];
    list.push({ role: r.role as Role, unitId: r.unit_id });
    byPerson.set(r.person_id, list);
  }
  return people.map((p) => ({ ...toPerson(p), roles: (byPerson.get(p.id) ?? []).sort(compareRoles) }));
}

export interface RoleTenure {
  personId: string;
  personName: string;
  role: UnitRole;
  /** From when the role was held (the import that opened it). */
  validFrom: string;
  /** Until when; null while it is still held. */
  validTo: string | null;
}

/**
 * Every holder a unit's roles ever had, with the time each held it: role by role (in the glossary's
 * order), earliest first. Consecutive or overlapping rows of one person in one role are kept apart:
 * each is a tenure the organisation recorded.
 */
export async function getUnitRoleHistory(db: Queryable, unitId: string): Promise<RoleTenure[]> {
  const rows = (
    await db.query<{ person_id: string; name: string; role: string; valid_from: Date | string; valid_to: Date | string | null }>(
      `SELECT a.person_id, p.name, a.role, a.valid_from, a.valid_to FROM role_assignments a JOIN people p ON p.id = a.person_id
        WHERE a.unit_id = $1 ORDER BY a.valid_from, a.id`,
      [unitId],
    )
  ).rows;
  return rows
    .filter((r) => isUnitRole(r.role))
    .map((r) => ({ personId: r.person_id, personName: r.name, role: r.role as UnitRole, validFrom: iso(r.valid_from), validTo: isoOrNull(r.valid_to) }))
    .sort((a, b) => (ROLE_ORDER.get(a.role) ?? 99) - (ROLE_ORDER.get(b.role) ?? 99) || (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0));
}

/** The people with these ids, in the order asked; unknown ids are left out. */
export async function getPeople(db: Queryable, ids: readonly string[]): Promise<Person[]> {
  if (ids.length === 0) return [];
  const rows = (
    await db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = ANY($1::text[])`, [[...new Set(ids)]])
  ).rows;
  const byId = new Map(rows.map((r) => [r.id, toPerson(r)]));
  return [...new Set(ids)].flatMap((id) => {
    const p = byId.get(id);
    return p ? [p] : [];
  });
}

/**
 * The active person an identity provider's claim names: by person id, staff number (工号) or
 * email, as configured. Null when nobody matches (the token is then refused).
 */
export async function findPersonByClaim(db: Queryable, field: 'id' | 'staffNo' | 'email', value: string): Promise<string | null> {
  const column = { id: 'id', staffNo: 'staff_no', email: 'lower(email)' }[field];
  const v = field === 'email' ? value.toLowerCase() : value;
  const r = await db.query<{ id: string }>(`SELECT id FROM people WHERE ${column} = $1 AND active`, [v]);
  return r.rows.length === 1 ? r.rows[0].id : null;
}

/**
 * The people an activity's audience names, resolved from the organisation at `at` (now) in one
 * statement — it runs for every message of every step, so one round trip, not one per role and
 * one for the people. In the audience's order (an entry's roles in their order, each role's
 * holders longest standing first), each person once; ids no longer known are left out.
 */
export async function getAudience(db: Queryable, audience: Audience[], at: Date = new Date()): Promise<Person[]> {
  if (audience.length === 0) return [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // `at` only where a role is read: an unused parameter has no type PostgreSQL can infer.
  let atIndex = 0;
  const inForce = () => {
    if (!atIndex) {
      param(at);
      atIndex = params.length;
    }
    return inForceAt(atIndex);
  };
  const entries = audience.map((a, i) => {
    if ('personIds' in a) {
      return `SELECT ${i} AS e, t.o, t.id AS person_id FROM unnest(${param(a.personIds)}::text[]) WITH ORDINALITY AS t(id, o)`;
    }
    const roles = param('universityRoles' in a ? a.universityRoles : a.unitRoles);
    const scope = 'universityRoles' in a ? 'unit_id IS NULL' : `unit_id = ${param(a.unitId)}`;
    return `SELECT ${i} AS e, row_number() OVER (ORDER BY array_position(${roles}::text[], role), valid_from, id) AS o, person_id
              FROM role_assignments WHERE ${scope} AND role = ANY(${roles}::text[]) AND ${inForce()}`;
  });
  const rows = (
    await db.query<PersonRow>(
      `SELECT ${PERSON_COLUMNS_P} FROM (${entries.join(' UNION ALL ')}) a JOIN people p ON p.id = a.person_id ORDER BY a.e, a.o`,
      params,
    )
  ).rows;
  const people = new Map<string, Person>();
  for (const r of rows) if (!people.has(r.id)) people.set(r.id, toPerson(r));
  return [...people.values()];
}

/**
 * The organisation file: university-level roles, people, and units with their responsible persons
 * (regulation Art. 3, 6). Pure: parsing, validation, glossary and flattening into role assignments;
 * storage and effective dating live in db/org.ts.
 *
 * Every role may be vacant (a single role `null` or absent, a list `[]` or absent): vacancies are
 * real and matter for escalation, so they are recorded rather than rejected.
 */
import { z } from 'zod';
import { UNIT_KINDS, type Role, type UniversityRole, type UnitRole } from './glossary';
import { lineText, textProblem } from './text';

// Roles, unit kinds and their labels live in the glossary; re-exported for existing importers.
export {
  UNIVERSITY_ROLES,
  UNIT_ROLES,
  ROLES,
  ROLE_LABELS,
  UNIT_KINDS,
  UNIT_KIND_LABELS,
  isUniversityRole,
  isUnitRole,
  isRole,
} from './glossary';
export type { Role, UniversityRole, UnitRole, UnitKind } from './glossary';

// ---------------------------------------------------------------------------------------------
// Roles and glossary
// ---------------------------------------------------------------------------------------------



export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const idSchema = z.string({ error: (iss) => `expected an id (string), got ${describeInput(iss.input)}` }).regex(ID_PATTERN, {
  error: (iss) =>
    `bad id ${JSON.stringify(iss.input)}: ids are 1–64 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
});

/** A single role: a person id, or vacant (`null` / absent). */
const singleRole = idSchema.nullable().default(null);
/** A list role: person ids, or vacant (`[]`, `null` or absent). */
const listRole = z
  .array(idSchema)
  .nullish()
  .transform((v) => v ?? []);

/** Optional free text; `null`, absent and blank all mean "none". */
const optionalText = lineText({ max: 500, min: 0 })
  .nullish()
  .transform((v) => (v == null || v.trim() === '' ? null : v.trim()));

const universitySchema = z.strictObject({
  partySecretary: singleRole,
  cybersecurityLeader: singleRole,
  office: listRole,
  partyCommittee: listRole,
  disciplineCommittee: listRole,
  inspectionOffice: listRole,
  auditOffice: listRole,
});

const personSchema = z.strictObject({
  id: idSchema,
  name: lineText({ max: 200 }),
  email: z.email('not a valid email address').nullish().transform((v) => v ?? null),
  phone: z
    .string({
      error: (iss) =>
        typeof iss.input === 'number'
          ? 'phone must be a quoted string (e.g. "13800000000"): unquoted digits are read as a number and lose leading zeros'
          : `expected a string, got ${describeInput(iss.input)}`,
    })
    .trim()
    .max(64)
    .superRefine((v, ctx) => {
      const p = textProblem(v, 'line');
      if (p) ctx.addIssue({ code: 'custom', message: `${p.zh} / ${p.en}` });
    })
    .nullish()
    .transform((v) => (v ? v : null)),
  locale: z.enum(LOCALES, { error: () => `locale must be one of ${LOCALES.join(', ')}` }).default('zh-CN'),
  /** 工号: what the university's identity provider names the person by (see OIDC_PERSON_MATCH). */
  staffNo: lineText({ max: 64 }).nullish().transform((v) => v ?? null),
});

const unitSchema = z.strictObject({
  id: idSchema,
  name: lineText({ max: 200 }),
  nameEn: optionalText,
  kind: z.enum(UNIT_KINDS, { error: () => `kind must be one of ${UNIT_KINDS.join(', ')}` }),
  supervisingLeader: singleRole,
  firstResponsible: singleRole,
  directResponsible: singleRole,
  liaisons: listRole,
  leadershipMembers: listRole,
  /** 院长/处长: the unit's administrative head (optional; vacant when absent). */
  principal: singleRole,
});

/** A deputy who may decide escalations for a leader (where the policy allows delegates). */
const delegationSchema = z.strictObject({ delegate: idSchema, for: idSchema });

/** Single-role and list-role fields, with the role each stands for. */
const UNIVERSITY_FIELDS = {
  partySecretary: 'party_secretary',
  cybersecurityLeader: 'cybersecurity_leader',
  office: 'office',
  partyCommittee: 'party_committee',
  disciplineCommittee: 'discipline_committee',
  inspectionOffice: 'inspection_office',
  auditOffice: 'audit_office',
} as const satisfies Record<keyof z.output<typeof universitySchema>, UniversityRole>;

const UNIT_FIELDS = {
  supervisingLeader: 'supervising_leader',
  firstResponsible: 'first_responsible',
  directResponsible: 'direct_responsible',
  liaisons: 'liaison',
  leadershipMembers: 'leadership_member',
  principal: 'principal',
} as const satisfies Record<
  keyof Omit<z.output<typeof unitSchema>, 'id' | 'name' | 'nameEn' | 'kind'>,
  UnitRole
>;

export const orgFileSchema = z
  .strictObject({
    university: universitySchema,
    people: z.array(personSchema),
    units: z.array(unitSchema),
    delegations: z
      .array(delegationSchema)
      .nullish()
      .transform((v) => v ?? []),
  })
  .superRefine((file, ctx) => {
    const personIds = new Set<string>();
    file.people.forEach((p, i) => {
      if (personIds.has(p.id)) {
        ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `duplicate person id ${JSON.stringify(p.id)}` });
      }
      personIds.add(p.id);
    });
    const unitIds = new Set<string>();
    file.units.forEach((u, i) => {
      if (unitIds.has(u.id)) {
        ctx.addIssue({ code: 'custom', path: ['units', i, 'id'], message: `duplicate unit id ${JSON.stringify(u.id)}` });
      }
      unitIds.add(u.id);
    });

    const checkRefs = (base: (string | number)[], record: Record<string, unknown>, fields: Record<string, Role>) => {
      for (const field of Object.keys(fields)) {
        const value = record[field];
        if (typeof value === 'string') {
          if (!personIds.has(value)) {
            ctx.addIssue({ code: 'custom', path: [...base, field], message: `unknown person ${JSON.stringify(value)} (not in people)` });
          }
        } else if (Array.isArray(value)) {
          const seen = new Set<string>();
          value.forEach((v: string, j) => {
            if (!personIds.has(v)) {
              ctx.addIssue({ code: 'custom', path: [...base, field, j], message: `unknown person ${JSON.stringify(v)} (not in people)` });
            }
            if (seen.has(v)) {
              ctx.addIssue({ code: 'custom', path: [...base, field, j], message: `person ${JSON.stringify(v)} is listed twice` });
            }
            seen.add(v);
          });
        }
      }
    };
    checkRefs(['university'], file.university, UNIVERSITY_FIELDS);
    file.units.forEach((u, i) => checkRefs(['units', i], u, UNIT_FIELDS));

    const pairs = new Set<string>();
    file.delegations.forEach((d, i) => {
      for (const field of ['delegate', 'for'] as const) {
        if (!personIds.has(d[field])) {
          ctx.addIssue({ code: 'custom', path: ['delegations', i, field], message: `unknown person ${JSON.stringify(d[field])} (not in people)` });
        }
      }
      if (d.delegate === d.for) {
        ctx.addIssue({ code: 'custom', path: ['delegations', i, 'delegate'], message: `person ${JSON.stringify(d.delegate)} cannot be their own delegate` });
      }
      const pair = JSON.stringify([d.delegate, d.for]);
      if (pairs.has(pair)) {
        ctx.addIssue({ code: 'custom', path: ['delegations', i], message: `delegation of ${JSON.stringify(d.delegate)} for ${JSON.stringify(d.for)} is listed twice` });
      }
      pairs.add(pair);
    });
  });

/** The organisation file as written (roles may be absent). */
export type OrgFileInput = z.input<typeof orgFileSchema>;
/** The organisation file, validated and normalised (vacant single roles `null`, vacant lists `[]`). */
export type OrgFile = z.output<typeof orgFileSchema>;
export type OrgPerson = OrgFile['people'][number];
export type OrgUnit = OrgFile['units'][number];

export interface OrgIssue {
  /** Where in the file, e.g. `units[3].liaisons[1]`; empty for the whole file. */
  path: string;
  /** The same place as keys and indexes, e.g. `['units', 3, 'liaisons', 1]`. */
  segments: Array<string | number>;
  message: string;
  /** 1-based line in the source text, when known (YAML files). */
  line?: number;
}

export class OrgFileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: OrgIssue[],
  ) {
    super(
      `${source}: invalid organisation file:\n` +
        issues.map((i) => `  - ${i.path || '(file)'}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`).join('\n'),
    );
    this.name = 'OrgFileError';
  }
}

/** `['units', 3, 'liaisons', 1]` → `units[3].liaisons[1]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Validates parsed file content; throws `OrgFileError` naming `source` and each bad path. */
export function parseOrgFile(data: unknown, source = 'organisation file'): OrgFile {
  const r = orgFileSchema.safeParse(data);
  if (r.success) return r.data;
  throw new OrgFileError(
    source,
    r.error.issues.map((iss) => {
      const segments = iss.path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
      return { path: formatIssuePath(segments), segments, message: iss.message };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Flattening
// ---------------------------------------------------------------------------------------------

/** A delegation is stored as an assignment of this role, naming the leader in `forPersonId`. */
export const DELEGATE_ROLE = 'delegate';

export interface FlatAssignment {
  personId: string;
  role: Role | typeof DELEGATE_ROLE;
  /** `null` for university roles and delegations. */
  unitId: string | null;
  /** Delegations only: the leader the person may decide for. */
  forPersonId?: string;
}

/**
 * Every (person, role, unit) the file assigns, university roles first, in file order, without
 * duplicates; then the delegations (role `delegate`, with `forPersonId`).
 */
export function flattenAssignments(file: OrgFile): FlatAssignment[] {
  const out: FlatAssignment[] = [];
  const seen = new Set<string>();
  const add = (personId: string | null, role: Role, unitId: string | null) => {
    if (!personId) return;
    const key = assignmentKey({ personId, role, unitId });
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ personId, role, unitId });
  };
  const addField = (value: string | null | string[], role: Role, unitId: string | null) => {
    if (Array.isArray(value)) value.forEach((p) => add(p, role, unitId));
    else add(value, role, unitId);
  };
  for (const [field, role] of Object.entries(UNIVERSITY_FIELDS)) {
    addField(file.university[field as keyof typeof UNIVERSITY_FIELDS], role, null);
  }
  for (const unit of file.units) {
    for (const [field, role] of Object.entries(UNIT_FIELDS)) {
      addField(unit[field as keyof typeof UNIT_FIELDS], role, unit.id);
    }
  }
  // The schema refuses a delegation listed twice.
  for (const d of file.delegations) out.push({ personId: d.delegate, role: DELEGATE_ROLE, unitId: null, forPersonId: d.for });
  return out;
}

/** A stable key for one assignment (for diffing). */
export function assignmentKey(a: FlatAssignment): string {
  return JSON.stringify(a.forPersonId ? [a.personId, a.role, a.unitId, a.forPersonId] : [a.personId, a.role, a.unitId]);
}

/** Roles nobody holds: single roles that are `null` and lists that are empty. */
export function listVacancies(file: OrgFile): Array<{ role: Role; unitId: string | null }> {
  const out: Array<{ role: Role; unitId: string | null }> = [];
  const check = (value: string | null | string[], role: Role, unitId: string | null) => {
    if (value === null || (Array.isArray(value) && value.length === 0)) out.push({ role, unitId });
  };
  for (const [field, role] of Object.entries(UNIVERSITY_FIELDS)) {
    check(file.university[field as keyof typeof UNIVERSITY_FIELDS], role, null);
  }
  for (const unit of file.units) {
    for (const [field, role] of Object.entries(UNIT_FIELDS)) check(unit[field as keyof typeof UNIT_FIELDS], role, unit.id);
  }
  return out;
}

/**
 * The canonical JSON text of a validated file (object keys sorted, list order kept): the same
 * organisation written differently (YAML or JSON, key order, absent vs null) gives the same text.
 */
export function canonicalOrgJson(file: OrgFile): string {
  // No delegations is written as before they existed, so files of that time keep their digest.
  const { delegations, ...rest } = file;
  return JSON.stringify(sortKeys(delegations.length > 0 ? file : rest));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  return typeof input;
}

/** Who gets a message, by person or by role; resolved from the organisation when it is sent. */
export type Audience =
  | { unitId: string; unitRoles: UnitRole[] }
  | { universityRoles: UniversityRole[] }
  | { personIds: string[] };

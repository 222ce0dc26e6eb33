import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigFileError, loadPolicy, projectFile, readStructuredFile } from '../../config/files';
import { createPrcCalendar } from '../../domain/calendar';
import { computeDeadline } from '../../domain/deadlines';
import {
  DEFAULT_POLICY_YAML_PATH,
  PolicyError,
  SEVERITIES,
  parsePolicy,
  policyDeadline,
  reminderOffsetsMs,
  validatePolicy,
  type Policy,
} from '../../domain/policy';

const defaultFile = projectFile(DEFAULT_POLICY_YAML_PATH);
const H = 3_600_000;

type Tree = { [key: string]: unknown };
function defaultData(): Tree {
  return readStructuredFile(defaultFile) as Tree;
}

/** Sets (or with `undefined`, deletes) the value at a dotted path in parsed policy data. */
function set(data: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce((node, k) => node[k] as Tree, data);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

function expectPolicyError(fn: () => unknown, path: string, message: RegExp): PolicyError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PolicyError);
  const pe = err as PolicyError;
  expect(pe.message).toContain(`${path}: `);
  expect(pe.issues.map((i) => i.path)).toContain(path);
  expect(pe.issues.find((i) => i.path === path)!.message).toMatch(message);
  return pe;
}

describe('default policy file', () => {
  let policy: Policy;
  beforeAll(() => {
    policy = loadPolicy();
  });

  it('parses', () => {
    expect(DEFAULT_POLICY_YAML_PATH).toBe('config/policy.default.yaml');
    expect(policy.version).toBe(1);
    expect(policy.timeZone).toBe('Asia/Shanghai');
    expect(Object.keys(policy.severities)).toEqual([...SEVERITIES]);
    expect(policy.extension.maxPerNotice).toBe(3);
  });

  it('has the documented windows', () => {
    expect(policy.severities.critical.acknowledge).toEqual({ within: 'PT4H', workingDays: false, reminders: ['PT2H', 'PT30M'] });
    expect(policy.severities.critical.rectify).toEqual({ within: 'P3D', workingDays: false, reminders: ['P1D', 'PT4H'] });
    expect(policy.severities.high.acknowledge).toMatchObject({ within: 'P1D', workingDays: true });
    expect(policy.severities.high.rectify).toMatchObject({ within: 'P5D', workingDays: true });
    expect(policy.severities.medium.rectify).toMatchObject({ within: 'P10D', workingDays: true });
    expect(policy.severities.low.rectify).toMatchObject({ within: 'P20D', workingDays: true });
  });

  it('escalation decide windows shrink with severity', () => {
    const cal = createPrcCalendar();
    const from = new Date('2026-09-14T10:00:00+08:00'); // a Monday in an ordinary week
    const ends = SEVERITIES.map((s) => {
      const { decideWithin, workingDays } = policy.severities[s].escalation;
      return computeDeadline({ from, within: decideWithin, workingDays, calendar: cal }).at;
    });
    // critical 8h, high 1 working day, medium 2, low 3
    expect(ends).toEqual(['2026-09-14T10:00:00.000Z', '2026-09-15T16:00:00.000Z', '2026-09-16T16:00:00.000Z', '2026-09-17T16:00:00.000Z']);
  });

  it('the same text parses as YAML and, converted, as JSON', () => {
    const text = JSON.stringify(defaultData());
    expect(parsePolicy(text, 'json')).toEqual(policy);
  });

  it('gives a high-severity rectification deadline over National Day 2026', () => {
    const d = policyDeadline(policy, 'high', 'rectify', new Date('2026-09-30T16:00:00+08:00'), createPrcCalendar());
    expect(d.at).toBe('2026-10-13T16:00:00.000Z');
    expect(d.explanation.zh).toBe('按策略（高危·整改），自2026-09-30 16:00起5个工作日，截止于2026-10-13 24:00（北京时间）');
    expect(d.explanation.en).toBe(
      'Per policy (high, rectification): 5 working days from 2026-09-30 16:00, due 2026-10-13 24:00 (Beijing time)',
    );
  });

  it('critical acknowledgement is plain time', () => {
    const d = policyDeadline(policy, 'critical', 'acknowledge', new Date('2026-10-01T22:00:00+08:00'), createPrcCalendar());
    expect(d.at).toBe('2026-10-01T18:00:00.000Z');
  });

  it('reminder offsets in milliseconds, longest first', () => {
    expect(reminderOffsetsMs(policy.severities.critical.acknowledge.reminders)).toEqual([2 * H, 0.5 * H]);
    expect(reminderOffsetsMs(['PT4H', 'P1D'])).toEqual([24 * H, 4 * H]);
  });
});

describe('bad policies name the path', () => {
  it('a month duration in severities.high.rectify.within', () => {
    const data = defaultData();
    set(data, 'severities.high.rectify.within', 'P1M');
    const e = expectPolicyError(() => parsePolicy(stringifyYaml(data), 'yaml', 'my-policy.yaml'), 'severities.high.rectify.within', /months/);
    expect(e.message).toMatch(/^策略配置无效 \/ Invalid policy \(my-policy\.yaml\):\n {2}- severities\.high\.rectify\.within: /);
  });

  it('a reminder not shorter than its window', () => {
    const data = defaultData();
    set(data, 'severities.critical.acknowledge.reminders', ['PT2H', 'PT4H']);
    expectPolicyError(
      () => validatePolicy(data),
      'severities.critical.acknowledge.reminders.1',
      /must be shorter than the window within=PT4H/,
    );
  });

  it('an escalation reminder not shorter than decideWithin', () => {
    const data = defaultData();
    set(data, 'severities.low.escalation.reminders', ['P4D']);
    expectPolicyError(() => validatePolicy(data), 'severities.low.escalation.reminders.0', /decideWithin=P3D/);
  });

  it('a duplicate reminder', () => {
    const data = defaultData();
    set(data, 'severities.medium.rectify.reminders', ['P1D', 'PT24H']);
    expectPolicyError(() => validatePolicy(data), 'severities.medium.rectify.reminders.1', /Duplicate/);
  });

  it('a zero window', () => {
    const data = defaultData();
    set(data, 'severities.medium.acknowledge.within', 'PT0S');
    set(data, 'severities.medium.acknowledge.reminders', []);
    expectPolicyError(() => validatePolicy(data), 'severities.medium.acknowledge.within', /longer than zero/);
  });

  it('a missing severity', () => {
    const data = defaultData();
    set(data, 'severities.low', undefined);
    expectPolicyError(() => validatePolicy(data), 'severities.low', /./);
  });

  it('a misspelt key', () => {
    const data = defaultData();
    set(data, 'severities.high.rectify.withn', 'P5D');
    expectPolicyError(() => validatePolicy(data), 'severities.high.rectify', /withn/);
  });

  it('another time zone', () => {
    const data = defaultData();
    set(data, 'timeZone', 'Europe/Berlin');
    expectPolicyError(() => validatePolicy(data), 'timeZone', /Only Asia\/Shanghai/);
  });

  it('a negative extension count', () => {
    const data = defaultData();
    set(data, 'extension.maxPerNotice', -1);
    expectPolicyError(() => validatePolicy(data), 'extension.maxPerNotice', /./);
  });

  it('lists every problem', () => {
    const data = defaultData();
    set(data, 'severities.high.rectify.within', 'P1Y');
    set(data, 'severities.low.acknowledge.workingDays', 'yes');
    let err: PolicyError | undefined;
    try {
      validatePolicy(data);
    } catch (e) {
      err = e as PolicyError;
    }
    expect(err!.issues.map((i) => i.path).sort()).toEqual(['severities.high.rectify.within', 'severities.low.acknowledge.workingDays']);
  });

  it('syntax errors', () => {
    expect(() => parsePolicy('version: [1', 'yaml', 'x.yaml')).toThrow(/^策略文件无法解析 \/ Cannot parse the policy \(x\.yaml\) as YAML/);
    expect(() => parsePolicy('{', 'json')).toThrow(PolicyError);
    expect(() => parsePolicy('', 'yaml')).toThrow(PolicyError);
  });
});

describe('config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cyberduty-policy-'));

  it('loads a JSON policy by path', () => {
    const file = join(dir, 'p.json');
    writeFileSync(file, JSON.stringify(defaultData()));
    expect(loadPolicy(file)).toEqual(loadPolicy());
  });

  it('names the file on a bad policy', () => {
    const data = defaultData();
    set(data, 'severities.high.rectify.within', 'soon');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, stringifyYaml(data));
    const e = expectPolicyError(() => loadPolicy(file), 'severities.high.rectify.within', /must start with "P"/);
    expect(e.message).toContain(file);
  });

  it('names the file on a parse error, a missing file and an unknown extension', () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'a: [1\n');
    expect(() => readStructuredFile(file)).toThrow(ConfigFileError);
    expect(() => readStructuredFile(file)).toThrow(`Cannot parse ${file} as YAML`);
    const missing = join(dir, 'missing.yaml');
    expect(() => loadPolicy(missing)).toThrow(`Cannot read configuration file ${missing}`);
    expect(() => readStructuredFile(join(dir, 'policy.toml'))).toThrow(/Unsupported configuration file type "\.toml"/);
  });

  it('YAML dates and durations stay strings', () => {
    const file = join(dir, 'o.yaml');
    writeFileSync(file, 'years:\n  2027:\n    complete: true\n    holidays: [2027-01-01]\n');
    expect(readStructuredFile(file)).toEqual({ years: { '2027': { complete: true, holidays: ['2027-01-01'] } } });
    expect(parseYaml('a: PT4H')).toEqual({ a: 'PT4H' });
  });
});

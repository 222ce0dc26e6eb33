import {
  COLLECTIVE_MEASURES,
  COLLECTIVE_MEASURE_LABELS,
  INDIVIDUAL_MEASURES,
  INDIVIDUAL_MEASURE_LABELS,
  MAX_LATE_REMINDERS,
  TRIGGERS,
  TRIGGER_LABELS,
  approveProposal,
  checkApprove,
  checkDecide,
  checkEdit,
  checkProposalInput,
  checkRequestApproval,
  checkReturn,
  decideProposal,
  defaultAttribution,
  editProposal,
  initialProposalState,
  nextProposalTimer,
  outcomeRows,
  pendingHolders,
  plainDeadline,
  requestApproval,
  returnProposal,
  type ProposalActor,
  type ProposalInput,
  type ProposalState,
} from '../../domain/accountability';
import { RuleViolation } from '../../domain/notice';
import { loadPolicy, projectFile, readStructuredFile } from '../../config/files';
import { PolicyError, accountabilityTiming, validatePolicy } from '../../domain/policy';

const office: ProposalActor = { id: 'p-chen-jing', name: '陈静', capacity: 'office' };
const leader: ProposalActor = { id: 'p-zhao-hongyu', name: '赵宏宇', capacity: 'cybersecurity_leader' };
const party: ProposalActor = { id: 'p-liu-chang', name: '刘畅', capacity: 'party_committee' };
const discipline: ProposalActor = { id: 'p-he-yun', name: '何芸', capacity: 'discipline_committee' };

const T0 = Date.parse('2026-03-02T02:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function input(over: Partial<ProposalInput> = {}): ProposalInput {
  return {
    id: 'P2026-0001',
    unitId: 'cs',
    trigger: 'outage_6h',
    facts: '门户网站遭攻击中断8小时',
    factsAt: '2026-02-20T01:00:00Z',
    noticeIds: [],
    evidence: [],
    origin: { kind: 'office', by: office.id },
    attribution: defaultAttribution({ directResponsible: 'p-liu-yang', firstResponsible: 'p-zhang-wei' }, ['p-yang-fan']),
    createdAt: at(0),
    createdBy: { id: office.id, name: office.name },
    timing: { approveWithinMs: 10_000, decideWithinMs: 20_000, remindersMs: [4_000] },
    ...over,
  };
}

function expectRule(fn: () => unknown, code: RuleViolation['code'], zh?: RegExp): RuleViolation {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RuleViolation);
  const v = err as RuleViolation;
  expect(v.code).toBe(code);
  if (zh) expect(v.zh).toMatch(zh);
  expect(v.en).toBeTruthy();
  return v;
}

/** A draft with a measure for the party concerned, sent for approval and approved. */
function submitted(): ProposalState {
  const s = initialProposalState(input());
  editProposal(s, { individuals: [{ personId: 'p-yang-fan', measure: 'admonishment', reason: '未及时处置' }] });
  requestApproval(s, at(1000), plainDeadline(at(1000), 10_000, { zh: '审批', en: 'Approval' }));
  approveProposal(s, leader, '同意', at(2000), plainDeadline(at(2000), 20_000, { zh: '决定', en: 'Decision' }));
  return s;
}

describe('vocabulary', () => {
  it('has the eight situations of Art. 7 in order, and the measures of Art. 8 with labels', () => {
    expect(TRIGGERS).toHaveLength(8);
    expect(TRIGGERS.map((t) => TRIGGER_LABELS[t].item)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(TRIGGER_LABELS.outage_6h.zh).toContain('6小时');
    expect(INDIVIDUAL_MEASURES.map((m) => INDIVIDUAL_MEASURE_LABELS[m].zh)).toEqual(['批评教育', '通报批评', '诫勉', '组织调整或组织处理', '纪律处分']);
    expect(COLLECTIVE_MEASURES.map((m) => COLLECTIVE_MEASURE_LABELS[m].zh)).toEqual(['检查', '通报', '改组']);
    expect(INDIVIDUAL_MEASURE_LABELS.admonishment.en).toBe('admonishment');
  });
});

describe('defaultAttribution (Art. 7, traced level by level)', () => {
  it('lists parties concerned, then the cybersecurity responsible, then the principal responsible person', () => {
    const a = defaultAttribution({ directResponsible: 'p-liu-yang', firstResponsible: 'p-zhang-wei' }, ['p-yang-fan', 'p-ma-jun']);
    expect(a.individuals.map((r) => [r.personId, r.responsibility])).toEqual([
      ['p-yang-fan', 'party_concerned'],
      ['p-ma-jun', 'party_concerned'],
      ['p-liu-yang', 'cybersecurity_responsible'],
      ['p-zhang-wei', 'principal_responsible'],
    ]);
    expect(a.individuals.every((r) => r.measure === null && r.reason === '')).toBe(true);
    expect(a.collective).toEqual({ mainLeadership: ['p-zhang-wei', 'p-liu-yang'], importantLeadership: [], measures: [] });
  });

  it('skips vacant roles, and lists a person once', () => {
    const vacant = defaultAttribution({ directResponsible: null, firstResponsible: 'p-ye-ting' }, []);
    expect(vacant.individuals.map((r) => r.responsibility)).toEqual(['principal_responsible']);
    expect(vacant.collective!.mainLeadership).toEqual(['p-ye-ting']);

    const same = defaultAttribution({ directResponsible: 'p-x', firstResponsible: 'p-x' }, ['p-x', 'p-x', 'p-y']);
    expect(same.individuals.map((r) => [r.personId, r.responsibility])).toEqual([
      ['p-y', 'party_concerned'],
      ['p-x', 'cybersecurity_responsible'],
    ]);
    expect(same.collective!.mainLeadership).toEqual(['p-x']);
  });
});

describe('new proposals', () => {
  it('start as drafts; facts in the future or missing are refused', () => {
    const s = initialProposalState(input());
    expect(s.status).toBe('draft');
    expect(s.version).toBe(0);
    expect(() => checkProposalInput(input(), T0)).not.toThrow();
    expectRule(() => checkProposalInput(input({ factsAt: at(60_000) }), T0), 'invalid_input', /不能晚于当前时间/);
    expectRule(() => checkProposalInput(input({ facts: '  ' }), T0), 'invalid_input', /事实/);
  });
});

describe('editing', () => {
  it('only the office edits; parties concerned are recomputed, kept ones keep their measure', () => {
    const s = initialProposalState(input());
    expectRule(() => checkEdit(s, leader, { facts: 'x' }), 'forbidden');
    expectRule(() => checkEdit(s, office, {}), 'invalid_input', /没有要修改/);

    editProposal(s, { individuals: [{ personId: 'p-yang-fan', measure: 'criticism_education', reason: '操作失误' }] });
    const e = { partiesConcerned: ['p-yang-fan', 'p-ma-jun', 'p-liu-yang'] };
    checkEdit(s, office, e);
    expect(editProposal(s, e)).toEqual(['partiesConcerned']);
    expect(s.attribution.individuals.map((r) => [r.personId, r.responsibility, r.measure])).toEqual([
      ['p-yang-fan', 'party_concerned', 'criticism_education'],
      ['p-ma-jun', 'party_concerned', null],
      // Already in the chain at the time of the facts: stays there, once.
      ['p-liu-yang', 'cybersecurity_responsible', null],
      ['p-zhang-wei', 'principal_responsible', null],
    ]);

    editProposal(s, { partiesConcerned: ['p-ma-jun'] });
    expect(s.attribution.individuals.map((r) => r.personId)).toEqual(['p-ma-jun', 'p-liu-yang', 'p-zhang-wei']);
  });

  it('refuses unknown persons, bad collective lists and duplicates', () => {
    const s = initialProposalState(input());
    expectRule(() => checkEdit(s, office, { individuals: [{ personId: 'p-nobody', measure: 'admonishment' }] }), 'invalid_input', /不在本建议/);
    // A person added as party concerned in the same edit may get a measure at once.
    expect(() =>
      checkEdit(s, office, { partiesConcerned: ['p-ma-jun'], individuals: [{ personId: 'p-ma-jun', measure: 'admonishment' }] }),
    ).not.toThrow();
    expectRule(() => checkEdit(s, office, { collective: { importantLeadership: ['p-liu-yang'] } }), 'invalid_input', /主要领导责任/);
    expectRule(() => checkEdit(s, office, { partiesConcerned: ['p-a', 'p-a'] }), 'invalid_input', /重复/);
    expectRule(
      () => checkEdit(s, office, { collective: { measures: [{ measure: 'reorganisation', reason: 'a' }, { measure: 'reorganisation', reason: 'b' }] } }),
      'invalid_input',
    );
    const none = initialProposalState(input({ attribution: { individuals: [], collective: null } }));
    expectRule(() => checkEdit(none, office, { collective: { importantLeadership: [] } }), 'invalid_state', /集体责任/);
  });
});

describe('approval', () => {
  it('needs at least one recommended measure with a reason', () => {
    const s = initialProposalState(input());
    expectRule(() => checkRequestApproval(s, office, undefined, T0), 'invalid_input', /至少建议一项/);
    editProposal(s, { individuals: [{ personId: 'p-liu-yang', measure: 'admonishment' }] });
    expectRule(() => checkRequestApproval(s, office, undefined, T0), 'invalid_input', /理由/);
    editProposal(s, { individuals: [{ personId: 'p-liu-yang', measure: 'admonishment', reason: '未落实整改' }] });
    expectRule(() => checkRequestApproval(s, leader, undefined, T0), 'forbidden');
    expectRule(() => checkRequestApproval(s, office, plainDeadline(at(-5000), 1000, { zh: '审批', en: 'Approval' }), T0), 'invalid_input');
    expect(() => checkRequestApproval(s, office, undefined, T0)).not.toThrow();
  });

  it('collective measures count too', () => {
    const s = initialProposalState(input());
    editProposal(s, { collective: { importantLeadership: ['p-liu-wei'], measures: [{ measure: 'self_examination', reason: '班子集体决策失误' }] } });
    expect(() => checkRequestApproval(s, office, undefined, T0)).not.toThrow();
  });

  it('the cybersecurity leader returns with a reason or approves; a return makes it editable again', () => {
    const s = initialProposalState(input());
    editProposal(s, { individuals: [{ personId: 'p-yang-fan', measure: 'admonishment', reason: '未及时处置' }] });
    requestApproval(s, at(1000), plainDeadline(at(1000), 10_000, { zh: '审批', en: 'Approval' }));
    expect(s.status).toBe('awaiting_approval');
    expect(pendingHolders(s)).toEqual(['cybersecurity_leader']);
    expectRule(() => checkEdit(s, office, { facts: '改' }), 'invalid_state', /待审批/);
    expectRule(() => checkApprove(s, office, undefined, T0), 'forbidden', /校领导/);
    expectRule(() => checkReturn(s, leader, ' '), 'invalid_input', /理由/);

    checkReturn(s, leader, '事实不清');
    returnProposal(s, leader, '事实不清', at(2000));
    expect(s.status).toBe('returned');
    expect(s.approveBy).toBeUndefined();
    expect(s.returns).toEqual([{ by: leader.id, at: at(2000), reason: '事实不清' }]);
    expect(() => checkEdit(s, office, { facts: '补充事实' })).not.toThrow();
    expectRule(() => checkApprove(s, leader, undefined, T0), 'invalid_state', /已退回/);

    requestApproval(s, at(3000), plainDeadline(at(3000), 10_000, { zh: '审批', en: 'Approval' }));
    checkApprove(s, leader, undefined, T0);
    approveProposal(s, leader, '同意提交', at(4000), plainDeadline(at(4000), 20_000, { zh: '决定', en: 'Decision' }));
    expect(s.status).toBe('submitted');
    expect(s.approval).toEqual({ by: leader.id, at: at(4000), comment: '同意提交' });
    expect(pendingHolders(s)).toEqual(['party_committee', 'discipline_committee']);
  });
});

describe('decisions', () => {
  it('nothing changes after submission except by a decision of each body, once', () => {
    const s = submitted();
    expectRule(() => checkEdit(s, office, { facts: '改' }), 'invalid_state', /已提交党委和纪委/);
    expectRule(() => checkRequestApproval(s, office, undefined, T0), 'invalid_state');
    expectRule(() => checkDecide(s, leader, { body: 'party_committee', decision: 'accepted' }), 'forbidden');
    expectRule(() => checkDecide(s, party, { body: 'discipline_committee', decision: 'accepted' }), 'forbidden', /纪委/);
    expectRule(() => checkDecide(s, party, { body: 'party_committee', decision: 'declined' }), 'invalid_input', /理由/);
    expectRule(() => checkDecide(s, party, { body: 'party_committee', decision: 'accepted', reviewOpened: true }), 'invalid_input', /立案审查/);
    expectRule(() => checkDecide(s, party, { body: 'party_committee', decision: 'modified', reason: '调整' }), 'invalid_input', /问责方式/);
    expectRule(
      () => checkDecide(s, party, { body: 'party_committee', decision: 'accepted', measures: { collective: ['reorganisation'] } }),
      'invalid_input',
    );

    checkDecide(s, party, { body: 'party_committee', decision: 'accepted' });
    decideProposal(s, party, { body: 'party_committee', decision: 'accepted' }, at(5000));
    expect(s.status).toBe('submitted');
    expect(pendingHolders(s)).toEqual(['discipline_committee']);
    expectRule(() => checkDecide(s, party, { body: 'party_committee', decision: 'accepted' }), 'invalid_state', /已对本建议作出决定/);
    expect(outcomeRows(s)).toEqual([]);
  });

  it('closes when both have decided, with the outcome per person and for the unit', () => {
    const s = submitted();
    decideProposal(s, party, { body: 'party_committee', decision: 'accepted' }, at(5000));
    const modified = {
      body: 'discipline_committee' as const,
      decision: 'modified' as const,
      reason: '情节较重',
      reviewOpened: true,
      measures: { individuals: [{ personId: 'p-yang-fan', measure: 'disciplinary_sanction' as const }], collective: ['circulated_notice' as const] },
    };
    expectRule(
      () => checkDecide(s, discipline, { ...modified, measures: { individuals: [{ personId: 'p-nobody', measure: null }] } }),
      'invalid_input',
    );
    checkDecide(s, discipline, modified);
    const d = decideProposal(s, discipline, modified, at(6000));
    expect(d.reviewOpened).toBe(true);
    expect(s.status).toBe('closed');
    expect(s.closedAt).toBe(at(6000));
    expect(s.decideBy).toBeUndefined();
    expect(s.outcome!.reviewOpened).toBe(true);
    expect(s.outcome!.individuals[0]).toEqual({
      personId: 'p-yang-fan',
      responsibility: 'party_concerned',
      proposed: 'admonishment',
      decided: {
        party_committee: { decision: 'accepted', measure: 'admonishment' },
        discipline_committee: { decision: 'modified', measure: 'disciplinary_sanction' },
      },
    });
    expect(s.outcome!.unit.decided.discipline_committee).toEqual({ decision: 'modified', measures: ['circulated_notice'] });

    const rows = outcomeRows(s);
    // Three persons and the unit, for each of the two bodies.
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.personId === null).map((r) => [r.body, r.responsibility, r.measures])).toEqual([
      ['party_committee', 'collective', []],
      ['discipline_committee', 'collective', ['circulated_notice']],
    ]);
    expect(rows.find((r) => r.personId === 'p-liu-yang' && r.body === 'discipline_committee')).toMatchObject({ decision: 'modified', measures: [] });
    expectRule(() => checkDecide(s, discipline, modified), 'invalid_state', /已办结/);
  });
});

describe('reminders', () => {
  it('go out before the deadline, at it, then once per window a bounded number of times', () => {
    const s = initialProposalState(input());
    expect(nextProposalTimer(s, T0)).toBeNull();
    editProposal(s, { individuals: [{ personId: 'p-yang-fan', measure: 'admonishment', reason: 'r' }] });
    const due = plainDeadline(at(0), 10_000, { zh: '审批', en: 'Approval' });
    requestApproval(s, at(0), due);

    const fired: Array<[number, boolean]> = [];
    let now = T0;
    for (let i = 0; i < 20; i++) {
      const t = nextProposalTimer(s, now);
      if (!t) break;
      now = Math.max(now, t.at);
      fired.push([t.at - T0, t.late]);
      s.remindersSent.push(...t.keys);
    }
    expect(fired).toEqual([
      [6_000, false],
      [10_000, true],
      [20_000, true],
      [30_000, true],
      [40_000, true],
      [50_000, true],
    ]);
    expect(fired.filter(([, late]) => late)).toHaveLength(MAX_LATE_REMINDERS);
  });

  it('collapse reminders missed while nobody was watching into one', () => {
    const s = initialProposalState(input());
    requestApproval(s, at(0), plainDeadline(at(0), 10_000, { zh: '审批', en: 'Approval' }));
    const t = nextProposalTimer(s, T0 + 25_000)!;
    expect(t.at - T0).toBe(20_000);
    expect(t.keys).toHaveLength(3);
    s.remindersSent.push(...t.keys);
    expect(nextProposalTimer(s, T0 + 25_000)!.at - T0).toBe(30_000);
  });

  it('while submitted, remind the bodies that have not decided', () => {
    const s = submitted();
    const t = nextProposalTimer(s, T0 + 2000)!;
    expect(t.stage).toBe('decide');
    expect(t.at - T0).toBe(2000 + 20_000 - 4_000);
    decideProposal(s, discipline, { body: 'discipline_committee', decision: 'declined', reason: '证据不足' }, at(3000));
    expect(pendingHolders(s)).toEqual(['party_committee']);
  });
});

describe('policy: the accountability section', () => {
  const data = () => readStructuredFile(projectFile('config/policy.default.yaml')) as Record<string, unknown>;

  it('is in the default file, and optional: older files get the defaults', () => {
    expect(loadPolicy().accountability).toEqual({ approveWithin: 'P3D', decideWithin: 'P10D', workingDays: true, reminders: ['P1D'] });
    const { accountability: _drop, ...older } = data();
    expect(validatePolicy(older).accountability).toEqual(loadPolicy().accountability);
    expect(accountabilityTiming(loadPolicy())).toEqual({ approveWithinMs: 3 * 86400000, decideWithinMs: 10 * 86400000, remindersMs: [86400000] });
  });

  it('refuses a reminder longer than the shorter window', () => {
    const bad = { ...data(), accountability: { approveWithin: 'PT2H', decideWithin: 'P1D', workingDays: false, reminders: ['PT3H'] } };
    expect(() => validatePolicy(bad)).toThrow(PolicyError);
    try {
      validatePolicy(bad);
    } catch (e) {
      expect((e as PolicyError).issues.map((i) => i.path)).toEqual(['accountability.reminders.0']);
    }
  });
});

/**
 * A workflow's logic under test without the stack: the run's Temporal dev server (jest
 * globalSetup) through @temporalio/testing's TestWorkflowEnvironment, the run's workflow bundle,
 * and a worker on a task queue of its own whose activities run in memory — no database, API,
 * dispatcher or visibility between the test and the workflow. These in-memory activities keep what the workflow
 * recorded and sent; a test awaits the exact step it is about (`memory.next(...)`), which arrives
 * the moment the workflow records it, instead of polling the database on a timeout.
 *
 * (The time-skipping test server would need a download this machine cannot make: timers run in
 * real time, so tests use second-scale windows.)
 */
import crypto from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import type { NoticeActivities, NotifyRequest, ProposalActivities } from '../../activities/types';
import { defaultAttribution } from '../../domain/accountability';
import { createPrcCalendar } from '../../domain/calendar';
import { computeDeadline } from '../../domain/deadlines';
import { levelsFrom, type ChainRole } from '../../domain/escalation';
import type { NoticeEvent, ProposalEvent } from '../../domain/events';
import type { NoticeState } from '../../domain/notice';

export interface WorkflowEnv {
  client: Client;
  taskQueue: string;
  /** Stops the worker and closes the environment's connections (the server is the run's). */
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

export async function startWorkflowEnv(activities: object): Promise<WorkflowEnv> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const codePath = process.env.TEMPORAL_TEST_BUNDLE;
  if (!address || !codePath) throw new Error('The Temporal test server is not running (jest globalSetup)');
  if (!runtimeInstalled) {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // Installed already in this process.
    }
    runtimeInstalled = true;
  }
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
  const taskQueue = `logic-${crypto.randomBytes(6).toString('hex')}`;
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: { codePath }, activities });
  const running = worker.run();
  return {
    client: env.client,
    taskQueue,
    async shutdown() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** What a notice workflow recorded, as its in-memory activities saw it. */
export interface Step {
  noticeId: string;
  event: NoticeEvent;
  state: NoticeState;
}

type Waiter = { match: (s: Step) => boolean; resolve: (s: Step) => void };

/**
 * The leadership chain the in-memory activities resolve (level → person; null for a vacancy), as the small test
 * organisation's cs unit has it by default.
 */
export type Chain = Partial<Record<ChainRole, string | null>>;

export const CS_CHAIN: Chain = {
  direct_responsible: 'p-liu-yang',
  first_responsible: 'p-zhang-wei',
  supervising_leader: 'p-zhou-wenbin',
  cybersecurity_leader: 'p-zhao-hongyu',
  party_secretary: 'p-wang-jianguo',
};

/**
 * In-memory activities of the notice workflow (a deliberate test double, issue 8) (and of the proposal workflow it may start as a child):
 * every record and message kept in order, the leadership chain from `chains`, a leader's decision
 * window computed as the real activity does (plain hours here).
 */
export class InMemoryNoticeActivities {
  readonly steps: Step[] = [];
  readonly messages: NotifyRequest[] = [];
  readonly proposals: Array<{ id: string; event: ProposalEvent }> = [];
  private waiters: Waiter[] = [];
  /** Holds a message's activity until the promise it returns settles (a race a test sets up). */
  hold?: (req: NotifyRequest) => Promise<void> | undefined;
  private proposalCount = 0;
  private readonly calendar = createPrcCalendar();

  constructor(readonly chains: Record<string, Chain> = { cs: CS_CHAIN }) {}

  /** The notice's recorded event types, in order (with the deadline for reminders and overdues). */
  types(noticeId: string): string[] {
    return this.steps.filter((s) => s.noticeId === noticeId).map((s) => (s.event.data.deadline ? `${s.event.type}:${s.event.data.deadline as string}` : s.event.type));
  }

  /** The last state the notice recorded. */
  state(noticeId: string): NoticeState {
    const mine = this.steps.filter((s) => s.noticeId === noticeId);
    if (mine.length === 0) throw new Error(`${noticeId} recorded nothing`);
    return mine[mine.length - 1].state;
  }

  /** The message kinds sent about the notice, in order. */
  kinds(noticeId: string): string[] {
    return this.messages.filter((m) => m.noticeId === noticeId).map((m) => m.kind);
  }

  /**
   * The first step of the notice (already recorded or still to come) that matches, as soon as it is
   * recorded. `after` skips the steps up to that sequence number.
   */
  next(noticeId: string, match: (e: NoticeEvent, state: NoticeState) => boolean, what: string, opts: { after?: number; timeoutMs?: number } = {}): Promise<Step> {
    const m = (s: Step) => s.noticeId === noticeId && s.event.seq > (opts.after ?? 0) && match(s.event, s.state);
    const seen = this.steps.find(m);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match: m, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`Timed out waiting for ${what}; ${noticeId} recorded: ${this.types(noticeId).join(', ')}`));
      }, opts.timeoutMs ?? 30000);
      timer.unref();
      waiter.resolve = (s) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.waiters.push(waiter);
    });
  }

  private push(state: NoticeState, event: NoticeEvent): void {
    if (this.steps.some((s) => s.noticeId === state.id && s.event.seq === event.seq)) return; // a retry: once, as in the database
    const step = { noticeId: state.id, event, state };
    this.steps.push(step);
    const due = this.waiters.filter((w) => w.match(step));
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve(step);
  }

  // They answer at once: plain functions returning settled promises.
  readonly activities: NoticeActivities & ProposalActivities = {
    recordNoticeEvent: ({ state, event }) => Promise.resolve(this.push(state, event)),
    recordNotIssued: ({ state, event }) => Promise.resolve(this.push(state, event)),
    recordAndNotify: ({ state, event, notify }) => {
      // One transaction in the real activity: the record and its messages land together, so a held
      // message holds the record too.
      const requests = Array.isArray(notify) ? notify : [notify];
      const held = requests.map((r) => this.hold?.(r)).find((h): h is Promise<void> => h !== undefined);
      const write = () => {
        this.messages.push(...requests);
        this.push(state, event);
        return { recipients: requests.length };
      };
      return held ? held.then(write) : Promise.resolve(write());
    },
    notify: (req) => {
      const held = this.hold?.(req);
      const send = () => {
        this.messages.push(req);
        return { recipients: 1 };
      };
      return held ? held.then(send) : Promise.resolve(send());
    },
    planEscalation: ({ unitId, fromLevel, decideWithin, workingDays }) => {
      const chain = this.chains[unitId] ?? {};
      const resolved = levelsFrom(fromLevel).map((l) => ({ ...l, assigneeId: chain[l.role] ?? null }));
      const decideBy = computeDeadline({ from: new Date(), within: decideWithin, workingDays, calendar: this.calendar, label: { zh: '领导决定期限', en: "leader's decision deadline" } });
      return Promise.resolve({ resolved, decideBy });
    },
    prepareProposal: ({ unitId }) => {
      const chain = this.chains[unitId] ?? {};
      this.proposalCount += 1;
      const id = `P2026-${String(this.proposalCount).padStart(4, '0')}-${crypto.randomBytes(3).toString('hex')}`;
      return Promise.resolve({ id, attribution: defaultAttribution({ directResponsible: chain.direct_responsible ?? null, firstResponsible: chain.first_responsible ?? null }, []) });
    },
    recordProposalEvent: ({ state, event }) => Promise.resolve(void this.proposals.push({ id: state.id, event })),
    recordProposalNotCreated: ({ state, event }) => Promise.resolve(void this.proposals.push({ id: state.id, event })),
    recordProposalOutcome: () => Promise.resolve({ rows: 0 }),
    notifyProposal: () => Promise.resolve({ recipients: 1 }),
  };
}

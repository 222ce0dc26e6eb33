/**
 * Builds the Temporal worker: the workflow bundle plus activities bound to a database.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createNoticeActivities } from '../activities/notices';
import { createProposalActivities } from '../activities/proposals';
import { classifyingFailures } from '../activities/failures';
import { createIncidentActivities } from '../activities/incidents';
import type { Db } from '../db/client';
import type { WorkCalendar } from '../domain/calendar';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  publicUrl: string;
  calendar: WorkCalendar;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tuning (cache size, slots), for benchmarks and operators. */
  options?: Partial<WorkerOptions>;
  /** How long activities in flight may finish on shutdown (SHUTDOWN_GRACE_MS; default 10 s). */
  shutdownGraceMs?: number;
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows'), interceptors: { workflowModules: [require.resolve('../workflows/interceptors')] } }),
    // Errors no retry can cure (bad data, broken constraints, invalid input) become non-retryable.
    activities: classifyingFailures({
      ...createNoticeActivities({ db: deps.db, publicUrl: deps.publicUrl, calendar: deps.calendar }),
      ...createProposalActivities({ db: deps.db, publicUrl: deps.publicUrl }),
      ...createIncidentActivities({ db: deps.db, publicUrl: deps.publicUrl }),
    }),
    // Let in-flight activities finish on Ctrl-C; anything cut short is retried on the next start.
    shutdownGraceTime: deps.shutdownGraceMs ?? 10000,
    ...deps.options,
  });
}

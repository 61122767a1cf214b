// The background workers: one BullMQ worker per queue, dispatching on the job's type to its
// handler, and the job schedulers that make the periodic sweeps. Any number of worker processes
// may run: a scheduled tick is one job, taken by one of them; schedulers are upserted by each at
// start (the same id is one scheduler), and those no longer wanted are removed. Redis may lose them
// (FLUSHALL, a failover to an empty replica): each worker puts back the missing ones every sweep
// interval and at once when its Redis connection comes back.
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Config } from '../config/env';
import { observeWorker, schedulersRecreated } from '../observability/metrics';
import { assertJobsComplete, JOB_HANDLERS, type JobContext } from './job-handlers';
import { JOB_TYPES, QUEUE_NAMES, producerConnection, scheduledJobOptions, workerConnection, type JobType, type QueueName } from './jobs';

export interface Schedule {
  /** The scheduler's id, stable across deployments. */
  id: string;
  type: JobType;
  everyMs: number;
}

/** The periodic jobs this configuration wants (Stripe work only with Stripe configured). */
export function schedulesFor(config: Config): Schedule[] {
  const every = config.sweepIntervalMs;
  const out: Schedule[] = [
    { id: 'expire-holds', type: 'expire-holds', everyMs: every },
    { id: 'close-periods', type: 'close-periods', everyMs: every },
    { id: 'enqueue-pending-erasures', type: 'enqueue-pending-erasures', everyMs: Math.max(1000, every) },
    { id: 'verify-ledgers', type: 'verify-ledgers', everyMs: config.ledgerVerifyIntervalMs },
    { id: 'refresh-usage-rollups', type: 'refresh-usage-rollups', everyMs: every },
  ];
  if (config.stripe) {
    out.push(
      { id: 'enqueue-stuck-events', type: 'enqueue-stuck-events', everyMs: Math.max(1000, every) },
      { id: 'reconcile-stripe', type: 'reconcile-stripe', everyMs: config.reconcileIntervalMs },
    );
  }
  return out;
}

export function createQueues(config: Config): Record<QueueName, Queue> {
  const queues = {} as Record<QueueName, Queue>;
  for (const name of QUEUE_NAMES)
    queues[name] = new Queue(name, { connection: producerConnection(config.redisUrl, config.redisTls), prefix: config.queuePrefix });
  return queues;
}

export interface Workers {
  schedules: Schedule[];
  /** The wanted schedulers Redis does not hold now (e.g. it lost its data); asks Redis. */
  missingSchedulers(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startWorkers(ctx: JobContext): Promise<Workers> {
  assertJobsComplete();
  const log = ctx.logger.child({ component: 'workers' });
  const { config } = ctx;
  const workers: Worker[] = [];
  for (const queue of QUEUE_NAMES) {
    const types = (Object.keys(JOB_TYPES) as JobType[]).filter((t) => JOB_TYPES[t] === queue);
    if (types.length === 0) continue;
    const isWebhooks = queue === 'stripe-webhooks';
    const worker = new Worker(
      queue,
      async (job) => {
        const handler = JOB_HANDLERS[job.name as JobType];
        if (!handler || JOB_TYPES[job.name as JobType] !== queue) throw new UnrecoverableError(`no handler for job type ${job.name} on queue ${queue}`);
        return handler(job, { ...ctx, logger: log.child({ queue, job: job.name, jobId: job.id }) });
      },
      {
        connection: workerConnection(config.redisUrl, config.redisTls),
        prefix: config.queuePrefix,
        concurrency: isWebhooks ? config.webhookConcurrency : 1,
        // a job whose worker died is taken up again once its lock lapses
        lockDuration: config.webhookJobLockMs,
        stalledInterval: Math.max(500, Math.floor(config.webhookJobLockMs / 2)),
      },
    );
    worker.on('failed', (job, err) => log.warn({ queue, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    worker.on('error', (err) => log.warn({ queue, err: err.message }, 'worker error'));
    observeWorker(worker);
    workers.push(worker);
  }

  const schedules = schedulesFor(config);
  try {
    for (const queue of QUEUE_NAMES) {
      const wanted = schedules.filter((s) => JOB_TYPES[s.type] === queue);
      for (const s of wanted) {
        await ctx.queues[queue].upsertJobScheduler(s.id, { every: s.everyMs }, { name: s.type, data: {}, opts: scheduledJobOptions });
      }
      // e.g. Stripe was configured before and is not now
      for (const old of await ctx.queues[queue].getJobSchedulers()) {
        if (!wanted.some((s) => s.id === old.key)) await ctx.queues[queue].removeJobScheduler(old.key);
      }
    }
  } catch (err) {
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }

  const missingSchedulers = async (): Promise<Schedule[]> => {
    const missing: Schedule[] = [];
    for (const queue of QUEUE_NAMES) {
      const wanted = schedules.filter((s) => JOB_TYPES[s.type] === queue);
      if (wanted.length === 0) continue;
      const held = new Set((await ctx.queues[queue].getJobSchedulers()).map((j) => j.key));
      for (const s of wanted) if (!held.has(s.id)) missing.push(s);
    }
    return missing;
  };
  // Redis may lose its data (FLUSHALL, failover to an empty replica) and with it the schedulers:
  // a timer (not a BullMQ job — BullMQ is what was lost) puts back the missing ones every sweep
  // interval. Upserting the same id is one scheduler, so any number of worker processes may do this.
  let repairing: Promise<void> | null = null;
  const repair = (why: string): Promise<void> => {
    repairing ??= (async () => {
      try {
        const missing = await missingSchedulers();
        if (missing.length === 0) return;
        for (const s of missing) {
          await ctx.queues[JOB_TYPES[s.type]].upsertJobScheduler(s.id, { every: s.everyMs }, { name: s.type, data: {}, opts: scheduledJobOptions });
        }
        schedulersRecreated.inc(missing.length);
        log.warn({ why, recreated: missing.map((s) => s.id), count: missing.length }, 'job schedulers missing from Redis, re-created');
      } catch (err) {
        log.warn({ why, err: (err as Error).message }, 'could not check the job schedulers');
      } finally {
        repairing = null;
      }
    })();
    return repairing;
  };
  const timer = setInterval(
    () => {
      void repair('periodic check');
    },
    Math.max(100, config.sweepIntervalMs),
  );
  timer.unref();
  // a failover to an empty replica shows itself as a reconnect: check at once, not a sweep later
  // (every queue has its own connection; repair runs once however many come back together)
  let stopped = false;
  const onReconnect = () => {
    if (!stopped) void repair('redis reconnected');
  };
  const clients = await Promise.all(QUEUE_NAMES.map((q) => ctx.queues[q].backend.client));
  for (const c of clients) c.on('ready', onReconnect);

  log.info({ queues: workers.map((w) => w.name), schedules: schedules.map((s) => `${s.id}/${s.everyMs}ms`) }, 'workers started');

  return {
    schedules,
    missingSchedulers: async () => (await missingSchedulers()).map((s) => s.id),
    // close() lets active jobs finish; no new ones are taken
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const c of clients) c.off('ready', onReconnect);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

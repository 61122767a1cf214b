// The ErasureJobs port on BullMQ: one job per user on the maintenance queue. Enqueueing answers
// fast whatever Redis does; the request row is stored already and the sweep enqueues it later.
import type { Queue } from 'bullmq';
import type { ErasureJobs } from '../domain/ports';
import type { Logger } from '../observability/logger';
import { enqueue, type QueueName } from './jobs';
import { withTimeout } from '../shared/time';

const ENQUEUE_TIMEOUT_MS = 1000;

export function bullErasureJobs(queues: Record<QueueName, Queue>, logger: Logger): ErasureJobs {
  return {
    async enqueue(userId) {
      try {
        await withTimeout(enqueue(queues, { name: 'erase-user', data: { userId } }), ENQUEUE_TIMEOUT_MS, 'enqueue timed out');
      } catch (err) {
        logger.warn({ userId, err: (err as Error).message }, 'erasure stored but not enqueued; the sweep will');
      }
    },
  };
}

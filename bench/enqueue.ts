/**
 * The cost of queueing delivery jobs, alone against the local Redis: one BullMQ `add` per job,
 * `addBulk` (one MULTI per batch) and the gateway's enqueue (src/publisher/queue.ts, which picks
 * between them by batch size), as client and Redis CPU per job and jobs per second, for the batch
 * sizes the publisher and the worker send.
 * Not part of `npm run bench`: no targets, no JSON.
 *
 *   npx tsx bench/enqueue.ts [--seconds 3]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { bullJob, createDeliveryQueue, type DeliveryJob } from '../src/publisher/queue.ts';
import { REDIS_URL } from './lib/environment.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = `benchenqueue${randomUUID().slice(0, 8)}`;
const queue = createDeliveryQueue({ connection: redis, prefix });
await queue.queue.waitUntilReady();

/** Redis server CPU so far (user + system), in microseconds (`INFO cpu`; the server is shared, so keep the machine quiet). */
async function redisCpuUs(): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

const newJob = (): DeliveryJob => ({ deliveryId: randomUUID(), series: 1, attempt: 1, endpointId: randomUUID() });

async function measure(label: string, batch: number, send: (jobs: DeliveryJob[]) => Promise<unknown>): Promise<void> {
  const batchOf = () => Array.from({ length: batch }, newJob);
  for (let i = 0; i < Math.ceil(1_000 / batch); i++) await send(batchOf()); // warm-up: JIT, script cache
  const redisBefore = await redisCpuUs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let jobs = 0;
  while (performance.now() - started < seconds * 1000) {
    await send(batchOf());
    jobs += batch;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  const redisUs = (await redisCpuUs()) - redisBefore;
  console.log(
    `${label.padEnd(20)} batch ${String(batch).padStart(3)}: ${((cpu.user + cpu.system) / jobs).toFixed(1).padStart(6)} us client CPU + ${(redisUs / jobs).toFixed(1).padStart(5)} us Redis CPU per job, ${Math.round(jobs / elapsed)} jobs/s`,
  );
}

try {
  for (const batch of [1, 3, 10, 20, 100]) {
    await measure('one add per job', batch, (jobs) => Promise.all(jobs.map((data) => bullJob(data)).map((job) => queue.queue.add(job.name, job.data, job.opts))));
    await measure('addBulk (one MULTI)', batch, (jobs) => queue.queue.addBulk(jobs.map((data) => bullJob(data))));
    await measure('gateway enqueue', batch, (jobs) => queue.enqueue(jobs));
  }
} finally {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
}

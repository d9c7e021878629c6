/**
 * The cost of one signed POST on the client side, alone against a local receiver process: the
 * gateway's sender (src/publisher/http-sender.ts: undici's dispatch interface, one timer as the
 * deadline) beside undici's `request()` with a cockatiel timeout policy around it (how the sender
 * worked before) and bare `request()` with no deadline, as client CPU per POST and POSTs per second
 * at the worker's concurrency. Rounds alternate, so a change of the machine's speed lands on all three.
 * Not part of `npm run bench`: no targets, no JSON.
 *
 *   npx tsx bench/http-client.ts [--count 20000] [--concurrency 200] [--rounds 3]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { timeout, TimeoutStrategy } from 'cockatiel';
import { Agent, request } from 'undici';
import { systemClock } from '../src/clock.ts';
import { createHttpSender, createTargetGuard } from '../src/publisher/index.ts';
import { closedLoop, signedRequest } from './lib/load.ts';
import { startReceiverProcess } from './lib/receiver-process.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } } });
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const TIMEOUT_MS = 30_000;

type Client = { post(sequence: number): Promise<void>; close(): Promise<unknown> };
const secret = randomBytes(32);

async function readBody(body: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of body);
}

const clients: Record<string, (url: string) => Client> = {
  'gateway sender': (url) => {
    const sender = createHttpSender({ timeoutMs: TIMEOUT_MS, responseBodyLimit: 1024, clock: systemClock, guard: createTargetGuard({ allowPrivateTargets: true }) });
    return {
      async post(sequence) {
        const outcome = await sender.send({ url, ...signedRequest(secret, sequence) });
        if (!outcome.ok) throw new Error(`POST failed: ${outcome.message}`);
      },
      close: () => sender.close(),
    };
  },
  'request + cockatiel timeout': (url) => {
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    const deadline = timeout(TIMEOUT_MS, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    return {
      post: (sequence) =>
        deadline.execute(async ({ signal }) => {
          const response = await request(url, { method: 'POST', ...signedRequest(secret, sequence), dispatcher: agent, signal });
          await readBody(response.body);
        }),
      close: () => agent.close(),
    };
  },
  'bare request, no deadline': (url) => {
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    return {
      async post(sequence) {
        const response = await request(url, { method: 'POST', ...signedRequest(secret, sequence), dispatcher: agent });
        await readBody(response.body);
      },
      close: () => agent.close(),
    };
  },
};

const receiver = await startReceiverProcess();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [name, create] of Object.entries(clients)) {
      const client = create(receiver.urls[0]!);
      await closedLoop(Math.min(1_000, count), concurrency, (sequence) => client.post(sequence)); // warm-up: connections, JIT
      const cpu = process.cpuUsage();
      const started = performance.now();
      await closedLoop(count, concurrency, (sequence) => client.post(sequence));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      console.log(`round ${round} ${name.padEnd(27)} ${((used.user + used.system) / count).toFixed(0).padStart(4)} us client CPU per POST, ${Math.round(count / seconds)} POSTs/s`);
      await client.close();
    }
  }
} finally {
  await receiver.stop();
}

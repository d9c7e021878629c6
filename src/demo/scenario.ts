import { randomBytes } from 'node:crypto';
import { createApiClient, type ApiClient } from '../cli/index.ts';
import { loadConfig, type Config } from '../config.ts';
import { startGateway, type Gateway } from '../gateway.ts';
import { createLogger } from '../logger.ts';
import { databaseUrl, deleteQueueKeys, dropDatabase } from './demo-database.ts';
import { createMonitor, type Activity, type PublishedEvent, type Snapshot } from './monitor.ts';
import { startDemoReceiver, type DemoReceiver } from './receivers.ts';
import { narrate, timeline, type Phase } from './story.ts';

/** Settings that make one minute tell the story; the environment may override each. */
export const DEMO_DEFAULTS: Record<string, string> = {
  RETRY_SCHEDULE: '1s,2s,3s',
  BREAKER_FAILURES: '3',
  BREAKER_OPEN_FOR: '5s',
  BREAKER_SUCCESSES: '2',
  DELIVERY_TIMEOUT: '2s',
  RECONCILE_INTERVAL: '1s',
  RECONCILE_GRACE: '2s',
};

export type DemoOptions = {
  durationMs: number;
  eventsPerSecond: number;
  database: string;
  keep: boolean;
  env: Record<string, string | undefined>;
};

/** What the view is told as the demo runs. */
export type DemoListener = {
  started(info: { apiUrl: string; token: string; config: Config; receivers: DemoReceiver[] }): void;
  tick(state: { elapsedMs: number; story: string; published: number; snapshot: Snapshot | undefined; activity: Activity[] }): void;
};

export type DemoResult = { published: number; deliveries: number; snapshot: Snapshot; redelivered: number; elapsedMs: number };

const EVENT_TYPES = ['order.created', 'customer.updated', 'order.paid'] as const;

/**
 * Runs the demo: a gateway on its own database and queue prefix, two receivers (billing healthy,
 * crm down then recovering), a stream of events, a bulk redelivery at the end; then cleans up.
 */
export async function runDemo(options: DemoOptions, listener: DemoListener, signal: AbortSignal): Promise<DemoResult> {
  const baseDatabaseUrl = options.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/webhooks';
  const token = `demo-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    ...DEMO_DEFAULTS,
    ...options.env,
    DATABASE_URL: databaseUrl(baseDatabaseUrl, options.database),
    QUEUE_PREFIX: `whgw-demo-${randomBytes(4).toString('hex')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: token,
    ALLOW_PRIVATE_TARGETS: 'true',
    SECRETS_KEY: randomBytes(32).toString('base64'),
    REPLAY_ON_RECOVERY: 'false',
    DLQ_FILE: undefined,
    LOG_LEVEL: 'silent',
  });
  const billing = await startDemoReceiver('billing', { down: false, latencyMs: [5, 40] });
  const crm = await startDemoReceiver('crm', { down: true, latencyMs: [5, 40] });
  let gateway: Gateway | undefined;
  try {
    await dropDatabase(baseDatabaseUrl, options.database);
    gateway = await startGateway({ config, role: 'all', logger: createLogger('silent') });
    const api = createApiClient({ baseUrl: gateway.url ?? '', token });
    const endpoints = [];
    for (const [receiver, eventTypes] of [[billing, ['order.*']], [crm, ['order.created', 'customer.*']]] as const) {
      const created = await api.request<{ id: string; secret: string }>('POST', '/v1/endpoints', {
        body: { url: receiver.url, eventTypes, description: `demo receiver ${receiver.name}` },
      });
      receiver.secret = created.secret;
      endpoints.push({ name: receiver.name, id: created.id, eventTypes: [...eventTypes] });
    }
    listener.started({ apiUrl: api.baseUrl, token, config, receivers: [billing, crm] });
    return await play({ api, config, options, receivers: { billing, crm }, endpoints, listener, signal });
  } finally {
    await gateway?.close();
    await Promise.all([billing.close(), crm.close()]);
    await deleteQueueKeys(config.redisUrl, config.queuePrefix).catch(() => {});
    if (!options.keep) await dropDatabase(baseDatabaseUrl, options.database).catch(() => {});
  }
}

type PlayInput = {
  api: ApiClient;
  config: Config;
  options: DemoOptions;
  receivers: { billing: DemoReceiver; crm: DemoReceiver };
  endpoints: { name: string; id: string; eventTypes: string[] }[];
  listener: DemoListener;
  signal: AbortSignal;
};

async function play({ api, config, options, receivers, endpoints, listener, signal }: PlayInput): Promise<DemoResult> {
  const startedAt = Date.now();
  const plan = timeline(options.durationMs);
  const events = new Map<string, PublishedEvent>();
  const monitor = createMonitor({ api, endpoints, events, startedAt });
  const crmId = endpoints.find((endpoint) => endpoint.name === 'crm')?.id ?? '';
  let phase: Phase = 'outage';
  let published = 0;
  let deliveries = 0;
  let redelivered = 0;
  let snapshot: Snapshot | undefined;
  const pending: Activity[] = [{ atMs: 0, kind: 'story', text: 'crm receiver goes DOWN: it answers 503 to every webhook' }];

  const publishDue = async (elapsedMs: number) => {
    const due = Math.min(Math.floor((elapsedMs / 1000) * options.eventsPerSecond) + 1, Math.ceil((plan.stopPublishingAtMs / 1000) * options.eventsPerSecond));
    while (published < due) {
      const seq = published + 1;
      const type = EVENT_TYPES[published % EVENT_TYPES.length] ?? 'order.created';
      const payload = type.startsWith('order') ? { orderId: 1000 + seq, amount: Math.round(Math.random() * 20_000) / 100 } : { customerId: `cus_${seq}`, plan: 'pro' };
      const event = await api.request<{ id: string; deliveries: number }>('POST', '/v1/events', { body: { type, payload, idempotencyKey: `demo-${seq}` } });
      events.set(event.id, { seq, type });
      deliveries += event.deliveries;
      published = seq;
    }
  };

  for (;;) {
    const elapsedMs = Date.now() - startedAt;
    if (elapsedMs >= options.durationMs || signal.aborted) break;
    if (receivers.crm.down && elapsedMs >= plan.recoverAtMs) {
      receivers.crm.down = false;
      phase = 'recovering';
      pending.push({ atMs: elapsedMs, kind: 'story', text: 'crm receiver is back UP (verifies signatures, answers 200)' });
    }
    await publishDue(elapsedMs);
    const crmBreaker = snapshot?.endpoints.find((endpoint) => endpoint.id === crmId)?.breaker.state;
    if (phase === 'recovering' && ((elapsedMs >= plan.redeliverAtMs && crmBreaker === 'closed') || elapsedMs >= plan.redeliverLatestAtMs)) {
      const result = await api.request<{ count: number }>('POST', '/v1/dead-letters/redeliver', { body: { endpointId: crmId } });
      redelivered = result.count;
      phase = 'redelivered';
      pending.push({ atMs: elapsedMs, kind: 'story', text: `bulk redelivery: ${result.count} dead letters of crm queued again (same webhook-id)` });
    }
    snapshot = await monitor.poll();
    const activity = [...pending.splice(0), ...snapshot.activity].sort((a, b) => a.atMs - b.atMs);
    const publishing = elapsedMs < plan.stopPublishingAtMs;
    listener.tick({ elapsedMs, story: narrate(phase, config, publishing), published, snapshot, activity });
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  snapshot = await monitor.poll();
  const elapsedMs = Date.now() - startedAt;
  listener.tick({ elapsedMs, story: 'The demo is over.', published, snapshot, activity: [...pending.splice(0), ...snapshot.activity] });
  return { published, deliveries, snapshot, redelivered, elapsedMs };
}

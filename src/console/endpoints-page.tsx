import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { createBreaker, createPostgresBreakerStore, effectiveState } from '../breaker/index.ts';
import { endpointHealth, endpointService, type EndpointHealth, type EndpointView } from '../publisher/index.ts';
import { CONSOLE_SCOPE, noticeFrom, pageContext, type ConsoleDeps } from './context.ts';
import type { ConsoleEnv } from './guard.ts';
import { Badge, CsrfField, formatTime, Layout, link, type PageContext } from './layout.tsx';

/** The window for "recent" success rates. */
export const RECENT_WINDOW_MS = 60 * 60_000;
const PAGE_SIZE = 200;

type Row = { endpoint: EndpointView; health: EndpointHealth | undefined; state: string; openedAt: string | null; reopensAt: string | null };

/** `/admin`: every endpoint with its breaker state, recent success rate and open dead letters; breaker reset. */
export function endpointPages({ db, clock, secretBox, config }: ConsoleDeps) {
  const endpoints = endpointService({ db, clock, secretBox });
  const breaker = createBreaker({ store: createPostgresBreakerStore(db), clock, newId: randomUUID });
  const devMode = config.adminToken === undefined;

  return new Hono<ConsoleEnv>()
    .get('/', async (c) => {
      const after = c.req.query('after');
      const list = await endpoints.list(CONSOLE_SCOPE, { limit: PAGE_SIZE, after: after || undefined });
      const now = clock.now();
      const health = await endpointHealth(db, CONSOLE_SCOPE, list.map((endpoint) => endpoint.id), new Date(now - RECENT_WINDOW_MS));
      const rows: Row[] = list.map((endpoint) => {
        const found = health.get(endpoint.id);
        const thresholds = {
          failureThreshold: endpoint.breaker.failures ?? config.breaker.failures,
          openForMs: endpoint.breaker.openForMs ?? config.breaker.openForMs,
          successThreshold: endpoint.breaker.successes ?? config.breaker.successes,
          trialLeaseMs: 0,
        };
        const stored = found?.breaker.state;
        const state = !config.breaker.enabled ? 'off' : stored ? effectiveState(stored, now, thresholds) : 'closed';
        const openedAt = stored?.state === 'open' ? new Date(stored.openedAt).toISOString() : null;
        const reopensAt = stored?.state === 'open' ? new Date(stored.openedAt + thresholds.openForMs).toISOString() : null;
        return { endpoint, health: found, state, openedAt, reopensAt };
      });
      const next = list.length === PAGE_SIZE ? list[list.length - 1]?.id : undefined;
      return c.html(
        '<!DOCTYPE html>' +
          (await (
            <EndpointsPage rows={rows} page={pageContext(c, devMode)} notice={noticeFrom(c.req.query())} next={next} />
          )),
      );
    })
    .post('/endpoints/:id/breaker/reset', async (c) => {
      const endpoint = await endpoints.find(CONSOLE_SCOPE, c.req.param('id'));
      await breaker.reset(endpoint.id);
      return c.redirect(link('/admin', { notice: 'breaker_reset' }), 303);
    });
}

function successRate(health: EndpointHealth | undefined) {
  if (!health || health.recent.attempts === 0) return <span class="muted">no attempts</span>;
  const rate = (100 * health.recent.succeeded) / health.recent.attempts;
  return (
    <span title={`${health.recent.succeeded} of ${health.recent.attempts} attempts succeeded`}>
      {rate.toFixed(rate === 100 || rate === 0 ? 0 : 1)}% <span class="muted">of {health.recent.attempts}</span>
    </span>
  );
}

function EndpointsPage(props: { rows: Row[]; page: PageContext; notice: ReturnType<typeof noticeFrom>; next: string | undefined }) {
  return (
    <Layout title="Endpoints" active="endpoints" page={props.page} notice={props.notice}>
      <h1>Endpoints</h1>
      {props.rows.length === 0 ? (
        <p class="muted">No endpoints registered yet (POST /v1/endpoints).</p>
      ) : (
        <table id="endpoints">
          <thead>
            <tr>
              <th>URL</th>
              <th>Tenant</th>
              <th>Event types</th>
              <th>Status</th>
              <th>Breaker</th>
              <th class="num">Success, last hour</th>
              <th class="num">Open dead letters</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map(({ endpoint, health, state, openedAt, reopensAt }) => (
              <tr data-endpoint-id={endpoint.id}>
                <td>
                  <span class="mono">{endpoint.url}</span>
                  {endpoint.description && <div class="muted">{endpoint.description}</div>}
                  <div class="muted mono" title="endpoint id">
                    {endpoint.id}
                  </div>
                  {Object.keys(endpoint.headers).length > 0 && (
                    <div class="muted">custom headers: {Object.keys(endpoint.headers).join(', ')}</div>
                  )}
                </td>
                <td class="tenant" title={health?.tenant.id}>
                  {health?.tenant.name ?? '—'}
                </td>
                <td class="mono">{endpoint.eventTypes.length === 0 ? '*' : endpoint.eventTypes.join(', ')}</td>
                <td>
                  <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} />
                  {endpoint.disabledReason && <div class="muted">{endpoint.disabledReason}</div>}
                </td>
                <td class="breaker">
                  <Badge value={state} />
                  {health && health.breaker.state.failures > 0 && <div class="muted">{health.breaker.state.failures} consecutive failures</div>}
                  {openedAt && <div class="muted">opened {formatTime(openedAt)}</div>}
                  {state === 'open' && reopensAt && <div class="muted">trial after {formatTime(reopensAt)}</div>}
                </td>
                <td class="num">{successRate(health)}</td>
                <td class="num">
                  <a href={link('/admin/dead-letters', { endpointId: endpoint.id })}>{health?.openDeadLetters ?? 0}</a>
                </td>
                <td>
                  <div class="row-actions">
                    <a href={link('/admin/search', { endpointId: endpoint.id })}>Deliveries</a>
                    {state !== 'off' && (state !== 'closed' || (health?.breaker.state.failures ?? 0) > 0) && (
                      <form method="post" action={`/admin/endpoints/${endpoint.id}/breaker/reset`}>
                        <CsrfField token={props.page.csrfToken} />
                        <button type="submit" class="secondary">
                          Reset breaker
                        </button>
                      </form>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.next && (
        <p>
          <a href={link('/admin', { after: props.next })}>More endpoints →</a>
        </p>
      )}
    </Layout>
  );
}

import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { breakerTransitions, createBreaker, createPostgresBreakerStore } from '../breaker/index.ts';
import { endpointHealth, endpointService, type EndpointHealth, type EndpointView } from '../publisher/index.ts';
import { CONSOLE_SCOPE, noticeFrom, pageContext, type ConsoleDeps } from './context.ts';
import { summarizeBreaker, type BreakerSummary } from './breaker-view.ts';
import { field, type ConsoleEnv } from './guard.ts';
import { BreakerCell, EndpointPage, ResetButton } from './endpoint-page.tsx';
import { Badge, Layout, link, type PageContext } from './layout.tsx';

/** The window for "recent" success rates. */
export const RECENT_WINDOW_MS = 60 * 60_000;
const PAGE_SIZE = 200;

type Row = { endpoint: EndpointView; health: EndpointHealth | undefined; breaker: BreakerSummary };

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
        return { endpoint, health: found, breaker: summarizeBreaker(found?.breaker, endpoint, config.breaker, now) };
      });
      const next = list.length === PAGE_SIZE ? list[list.length - 1]?.id : undefined;
      return c.html(
        '<!DOCTYPE html>' +
          (await (
            <EndpointsPage rows={rows} page={pageContext(c, devMode)} notice={noticeFrom(c.req.query())} next={next} />
          )),
      );
    })
    .get('/endpoints/:id', async (c) => {
      const endpoint = await endpoints.get(CONSOLE_SCOPE, c.req.param('id'));
      const now = clock.now();
      const health = (await endpointHealth(db, CONSOLE_SCOPE, [endpoint.id], new Date(now - RECENT_WINDOW_MS))).get(endpoint.id);
      const transitions = await breakerTransitions(db, endpoint.id, 20);
      return c.html(
        '<!DOCTYPE html>' +
          (await (
            <EndpointPage
              page={pageContext(c, devMode)}
              notice={noticeFrom(c.req.query())}
              endpoint={endpoint}
              health={health}
              breaker={summarizeBreaker(health?.breaker, endpoint, config.breaker, now)}
              transitions={transitions}
            />
          )),
      );
    })
    .post('/endpoints/:id/breaker/reset', async (c) => {
      const endpoint = await endpoints.find(CONSOLE_SCOPE, c.req.param('id'));
      await breaker.reset(endpoint.id);
      const target = field(c.var.form, 'from') === 'endpoint' ? `/admin/endpoints/${endpoint.id}` : '/admin';
      return c.redirect(link(target, { notice: 'breaker_reset' }), 303);
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
            {props.rows.map(({ endpoint, health, breaker }) => (
              <tr data-endpoint-id={endpoint.id}>
                <td>
                  <a class="mono" href={`/admin/endpoints/${endpoint.id}`}>
                    {endpoint.url}
                  </a>
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
                  <BreakerCell breaker={breaker} />
                </td>
                <td class="num">{successRate(health)}</td>
                <td class="num">
                  <a href={link('/admin/dead-letters', { endpointId: endpoint.id })}>{health?.openDeadLetters ?? 0}</a>
                </td>
                <td>
                  <div class="row-actions">
                    <a href={link('/admin/search', { endpointId: endpoint.id })}>Deliveries</a>
                    <ResetButton endpointId={endpoint.id} breaker={breaker} csrfToken={props.page.csrfToken} />
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

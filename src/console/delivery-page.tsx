import { Hono } from 'hono';
import { endpointService, type AttemptView, type DeliveryView, type EndpointView, type EventView } from '../publisher/index.ts';
import { CONSOLE_SCOPE, noticeFrom, pageContext, type ConsoleDeps } from './context.ts';
import type { ConsoleEnv } from './guard.ts';
import { Badge, CsrfField, formatDuration, formatTime, Layout, link, type Notice, type PageContext } from './layout.tsx';
import { DeliveriesTable, endpointDirectory } from './search-page.tsx';

/** `/admin/deliveries/:id` (every attempt, redeliver) and `/admin/events/:id` (payload and deliveries). */
export function deliveryPages({ db, clock, secretBox, history, redelivery, config }: ConsoleDeps) {
  const endpoints = endpointService({ db, clock, secretBox });
  const devMode = config.adminToken === undefined;

  return new Hono<ConsoleEnv>()
    .get('/deliveries/:id', async (c) => {
      const delivery = await history.delivery(CONSOLE_SCOPE, c.req.param('id'));
      const endpoint = await endpoints.get(CONSOLE_SCOPE, delivery.endpointId);
      const event = await history.event(CONSOLE_SCOPE, delivery.eventId);
      return c.html(
        '<!DOCTYPE html>' +
          (await (
            <DeliveryPage page={pageContext(c, devMode)} notice={noticeFrom(c.req.query())} delivery={delivery} endpoint={endpoint} event={event} />
          )),
      );
    })
    .post('/deliveries/:id/redeliver', async (c) => {
      const result = await redelivery.redeliver(CONSOLE_SCOPE, c.req.param('id'));
      return c.redirect(link(`/admin/deliveries/${result.id}`, { notice: 'delivery_redelivered', count: result.series }), 303);
    })
    .get('/events/:id', async (c) => {
      const event = await history.event(CONSOLE_SCOPE, c.req.param('id'));
      const directory = await endpointDirectory(endpoints);
      return c.html('<!DOCTYPE html>' + (await (<EventPage page={pageContext(c, devMode)} event={event} directory={directory} />)));
    });
}

type DeliveryProps = {
  page: PageContext;
  notice: Notice | undefined;
  delivery: DeliveryView & { attempts: AttemptView[] };
  endpoint: EndpointView;
  event: EventView;
};

function DeliveryPage({ page, notice, delivery, endpoint, event }: DeliveryProps) {
  return (
    <Layout title={`Delivery ${delivery.id}`} active="search" page={page} notice={notice}>
      <h1>
        Delivery <span class="mono">{delivery.id}</span>
      </h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Badge value={delivery.status} />
        </dd>
        <dt>Event</dt>
        <dd>
          <a class="mono" href={`/admin/events/${event.id}`}>
            {event.type}
          </a>{' '}
          <span class="muted mono">{event.id}</span>
        </dd>
        <dt>Endpoint</dt>
        <dd class="mono">{endpoint.url}</dd>
        <dt>Correlation id</dt>
        <dd class="mono">{event.correlationId}</dd>
        <dt>Attempt series</dt>
        <dd>
          {delivery.series} (attempts in this series: {delivery.attemptCount})
        </dd>
        <dt>Next attempt</dt>
        <dd>{formatTime(delivery.nextAttemptAt)}</dd>
      </dl>
      <div class="actions">
        <form method="post" action={`/admin/deliveries/${delivery.id}/redeliver`}>
          <CsrfField token={page.csrfToken} />
          <button type="submit">Redeliver</button>
        </form>
        <span class="muted">A redelivery starts a new attempt series with the same webhook id, so the receiver can deduplicate it.</span>
      </div>
      <h2>Attempts</h2>
      {delivery.attempts.length === 0 ? (
        <p class="muted">No attempt yet.</p>
      ) : (
        <table id="attempts">
          <thead>
            <tr>
              <th class="num">Series</th>
              <th class="num">#</th>
              <th>Trigger</th>
              <th>Started</th>
              <th>Outcome</th>
              <th class="num">HTTP status</th>
              <th class="num">Duration</th>
              <th>Response (excerpt)</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {delivery.attempts.map((attempt) => (
              <tr data-attempt={`${attempt.series}.${attempt.attemptNumber}`}>
                <td class="num">{attempt.series}</td>
                <td class="num">{attempt.attemptNumber}</td>
                <td>
                  <Badge value={attempt.trigger} />
                </td>
                <td>{formatTime(attempt.startedAt)}</td>
                <td>
                  <Badge value={attempt.outcome} />
                </td>
                <td class="num mono">{attempt.statusCode ?? '—'}</td>
                <td class="num">{formatDuration(attempt.durationMs)}</td>
                <td>{attempt.responseBody ? <pre>{attempt.responseBody}</pre> : <span class="muted">—</span>}</td>
                <td>
                  {attempt.errorCode && <div class="mono">{attempt.errorCode}</div>}
                  {attempt.error && <div class="muted">{attempt.error}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function EventPage({ page, event, directory }: { page: PageContext; event: EventView & { deliveries: DeliveryView[] }; directory: Map<string, EndpointView> }) {
  return (
    <Layout title={`Event ${event.id}`} active="search" page={page}>
      <h1>
        Event <span class="mono">{event.type}</span>
      </h1>
      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{event.id}</dd>
        <dt>Created</dt>
        <dd>{formatTime(event.createdAt)}</dd>
        <dt>Idempotency key</dt>
        <dd class="mono">{event.idempotencyKey ?? '—'}</dd>
        <dt>Correlation id</dt>
        <dd class="mono">{event.correlationId}</dd>
        <dt>Payload</dt>
        <dd>
          <pre>{JSON.stringify(event.payload, null, 2)}</pre>
        </dd>
      </dl>
      <h2>Deliveries</h2>
      <DeliveriesTable deliveries={event.deliveries} directory={directory} />
    </Layout>
  );
}

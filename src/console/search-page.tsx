import { Hono } from 'hono';
import { z } from 'zod';
import { GatewayError } from '../errors.ts';
import { endpointService, type DeliveryView, type EndpointView, type EventView } from '../publisher/index.ts';
import { CONSOLE_SCOPE, noticeFrom, pageContext, type ConsoleDeps } from './context.ts';
import type { ConsoleEnv } from './guard.ts';
import { Badge, formatTime, Layout, link, ShortId, type Notice, type PageContext } from './layout.tsx';

const PAGE_SIZE = 50;
const STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;

const searchQuery = z.object({
  q: z.string().trim().max(200).optional(),
  type: z.string().trim().max(200).optional(),
  status: z.enum(STATUSES).or(z.literal('')).optional(),
  endpointId: z.string().trim().max(100).optional(),
  before: z.string().max(100).optional(),
});

/** Endpoints by id, for showing URLs next to deliveries and for the endpoint filter. */
export async function endpointDirectory(endpoints: ReturnType<typeof endpointService>): Promise<Map<string, EndpointView>> {
  const list = await endpoints.list(CONSOLE_SCOPE, { limit: 1000 });
  return new Map(list.map((endpoint) => [endpoint.id, endpoint]));
}

/** Runs `read`, answering undefined when it is not found. */
async function orNone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GatewayError && error.kind === 'not_found') return undefined;
    throw error;
  }
}

/** `/admin/search`: find an event, delivery or dead letter by id, or list deliveries by event type, status and endpoint. */
export function searchPages({ db, clock, secretBox, history, config }: ConsoleDeps) {
  const endpoints = endpointService({ db, clock, secretBox });
  const devMode = config.adminToken === undefined;

  return new Hono<ConsoleEnv>().get('/search', async (c) => {
    const parsed = searchQuery.safeParse(c.req.query());
    const query = parsed.success ? parsed.data : {};
    let notice: Notice | undefined = parsed.success ? noticeFrom(c.req.query()) : { kind: 'error', text: 'Some search fields were not valid and were ignored.' };
    if (query.q) {
      const id = query.q;
      if (await orNone(() => history.delivery(CONSOLE_SCOPE, id))) return c.redirect(`/admin/deliveries/${id}`, 303);
      if (await orNone(() => history.event(CONSOLE_SCOPE, id))) return c.redirect(`/admin/events/${id}`, 303);
      const deadLetter = await orNone(() => history.deadLetter(CONSOLE_SCOPE, id));
      if (deadLetter) return c.redirect(`/admin/deliveries/${deadLetter.deliveryId}`, 303);
      notice = { kind: 'error', text: 'No event, delivery or dead letter has this id.' };
    }
    const filter = { eventType: query.type || undefined, status: query.status || undefined, endpointId: query.endpointId || undefined };
    const directory = await endpointDirectory(endpoints);
    const deliveries = await orNone(() => history.deliveries(CONSOLE_SCOPE, filter, { limit: PAGE_SIZE, before: query.before || undefined }));
    const showEvents = !filter.status && !filter.endpointId && !query.before;
    const events = showEvents ? await history.events(CONSOLE_SCOPE, { type: filter.eventType }, { limit: 20 }) : [];
    const last = deliveries && deliveries.length === PAGE_SIZE ? deliveries[deliveries.length - 1]?.id : undefined;
    return c.html(
      '<!DOCTYPE html>' +
        (await (
          <SearchPage
            page={pageContext(c, devMode)}
            notice={notice}
            query={{ q: query.q ?? '', type: query.type ?? '', status: query.status ?? '', endpointId: query.endpointId ?? '' }}
            directory={directory}
            deliveries={deliveries ?? []}
            events={events}
            showEvents={showEvents}
            olderLink={last ? link('/admin/search', { type: filter.eventType, status: filter.status, endpointId: filter.endpointId, before: last }) : undefined}
          />
        )),
    );
  });
}

/** Deliveries with their endpoint, status and last result. */
export function DeliveriesTable({ deliveries, directory }: { deliveries: DeliveryView[]; directory: Map<string, EndpointView> }) {
  if (deliveries.length === 0) return <p class="muted">No deliveries match.</p>;
  return (
    <table id="deliveries">
      <thead>
        <tr>
          <th>Delivery (webhook id)</th>
          <th>Event</th>
          <th>Endpoint</th>
          <th>Status</th>
          <th class="num">Series / attempts</th>
          <th>Last result</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr data-delivery-id={delivery.id}>
            <td>
              <ShortId id={delivery.id} href={`/admin/deliveries/${delivery.id}`} />
            </td>
            <td>
              <ShortId id={delivery.eventId} href={`/admin/events/${delivery.eventId}`} />
            </td>
            <td class="mono">{directory.get(delivery.endpointId)?.url ?? delivery.endpointId}</td>
            <td>
              <Badge value={delivery.status} />
            </td>
            <td class="num">
              {delivery.series} / {delivery.attemptCount}
            </td>
            <td>
              {delivery.lastStatusCode !== null && <span class="mono">HTTP {delivery.lastStatusCode} </span>}
              {delivery.lastError && <span class="muted">{delivery.lastError}</span>}
            </td>
            <td>{formatTime(delivery.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type SearchProps = {
  page: PageContext;
  notice: Notice | undefined;
  query: { q: string; type: string; status: string; endpointId: string };
  directory: Map<string, EndpointView>;
  deliveries: DeliveryView[];
  events: EventView[];
  showEvents: boolean;
  olderLink: string | undefined;
};

function SearchPage(props: SearchProps) {
  return (
    <Layout title="Events and deliveries" active="search" page={props.page} notice={props.notice}>
      <h1>Events and deliveries</h1>
      <form class="filters" method="get" action="/admin/search" role="search">
        <label>
          Id (event, delivery or dead letter)
          <input type="text" name="q" value={props.query.q} placeholder="0190…" />
        </label>
        <label>
          Event type
          <input type="text" name="type" value={props.query.type} placeholder="order.created" />
        </label>
        <label>
          Status
          <select name="status">
            <option value="">any</option>
            {STATUSES.map((status) => (
              <option value={status} selected={props.query.status === status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Endpoint
          <select name="endpointId">
            <option value="">any</option>
            {[...props.directory.values()].map((endpoint) => (
              <option value={endpoint.id} selected={props.query.endpointId === endpoint.id}>
                {endpoint.url}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <h2>Deliveries</h2>
      <DeliveriesTable deliveries={props.deliveries} directory={props.directory} />
      {props.olderLink && (
        <p>
          <a href={props.olderLink}>Older deliveries →</a>
        </p>
      )}
      {props.showEvents && (
        <>
          <h2>Recent events</h2>
          {props.events.length === 0 ? (
            <p class="muted">No events match.</p>
          ) : (
            <table id="events">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Type</th>
                  <th>Idempotency key</th>
                  <th>Correlation id</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {props.events.map((event) => (
                  <tr>
                    <td>
                      <ShortId id={event.id} href={`/admin/events/${event.id}`} />
                    </td>
                    <td class="mono">{event.type}</td>
                    <td class="mono">{event.idempotencyKey ?? '—'}</td>
                    <td class="mono">{event.correlationId}</td>
                    <td>{formatTime(event.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Layout>
  );
}

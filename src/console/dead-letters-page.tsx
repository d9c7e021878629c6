import { Hono } from 'hono';
import { z } from 'zod';
import { endpointService, type DeadLetterView, type EndpointView } from '../publisher/index.ts';
import { CONSOLE_SCOPE, noticeFrom, pageContext, type ConsoleDeps } from './context.ts';
import { field, fields, type ConsoleEnv } from './guard.ts';
import { Badge, CsrfField, formatTime, Layout, link, ShortId, type Notice, type PageContext } from './layout.tsx';
import { endpointDirectory } from './search-page.tsx';

const PAGE_SIZE = 100;
const STATUSES = ['open', 'redelivered', 'dismissed', 'all'] as const;
const listQuery = z.object({
  endpointId: z.string().trim().max(100).optional(),
  status: z.enum(STATUSES).catch('open').default('open'),
  before: z.string().max(100).optional(),
});

/** `/admin/dead-letters`: list and filter; redeliver one, the selected ones, or all of an endpoint; dismiss. */
export function deadLetterPages({ db, clock, secretBox, history, redelivery, config }: ConsoleDeps) {
  const endpoints = endpointService({ db, clock, secretBox });
  const devMode = config.adminToken === undefined;
  const back = (endpointId: string | undefined, notice: Record<string, string | number>) =>
    link('/admin/dead-letters', { endpointId: endpointId && endpointId.length <= 100 ? endpointId : undefined, ...notice });

  return new Hono<ConsoleEnv>()
    .get('/dead-letters', async (c) => {
      const query = listQuery.parse(c.req.query());
      const endpointId = query.endpointId || undefined;
      const rows = await history.deadLetters(
        CONSOLE_SCOPE,
        { endpointId, status: query.status === 'all' ? undefined : query.status },
        { limit: PAGE_SIZE, before: query.before || undefined },
      );
      const directory = await endpointDirectory(endpoints);
      const last = rows.length === PAGE_SIZE ? rows[rows.length - 1]?.id : undefined;
      return c.html(
        '<!DOCTYPE html>' +
          (await (
            <DeadLettersPage
              page={pageContext(c, devMode)}
              notice={noticeFrom(c.req.query())}
              rows={rows}
              directory={directory}
              endpointId={endpointId}
              status={query.status}
              olderLink={last ? link('/admin/dead-letters', { endpointId, status: query.status, before: last }) : undefined}
            />
          )),
      );
    })
    .post('/dead-letters/redeliver', async (c) => {
      const form = c.var.form;
      const endpointId = field(form, 'endpointId') || undefined;
      if (field(form, 'mode') === 'endpoint') {
        // All of one endpoint: never "everything", which an empty endpoint field would otherwise mean.
        if (!endpointId) return c.redirect(back(undefined, { notice: 'nothing_selected' }), 303);
        const result = await redelivery.redeliverDeadLetters(CONSOLE_SCOPE, { endpointId });
        return c.redirect(back(endpointId, { notice: 'redelivered', count: result.count, skipped: result.skipped }), 303);
      }
      const ids = fields(form, 'ids').slice(0, 1000);
      if (ids.length === 0) return c.redirect(back(endpointId, { notice: 'nothing_selected' }), 303);
      const result = await redelivery.redeliverDeadLetters(CONSOLE_SCOPE, { ids });
      return c.redirect(back(endpointId, { notice: 'redelivered', count: result.count, skipped: result.skipped }), 303);
    })
    .post('/dead-letters/:id/redeliver', async (c) => {
      const deadLetter = await history.deadLetter(CONSOLE_SCOPE, c.req.param('id'));
      const result = await redelivery.redeliverDeadLetters(CONSOLE_SCOPE, { ids: [deadLetter.id] });
      return c.redirect(back(field(c.var.form, 'endpointId'), { notice: 'redelivered', count: result.count, skipped: result.skipped }), 303);
    })
    .post('/dead-letters/:id/dismiss', async (c) => {
      await redelivery.dismiss(CONSOLE_SCOPE, c.req.param('id'));
      return c.redirect(back(field(c.var.form, 'endpointId'), { notice: 'dismissed' }), 303);
    });
}

type Props = {
  page: PageContext;
  notice: Notice | undefined;
  rows: DeadLetterView[];
  directory: Map<string, EndpointView>;
  endpointId: string | undefined;
  status: (typeof STATUSES)[number];
  olderLink: string | undefined;
};

function DeadLettersPage(props: Props) {
  const endpoint = props.endpointId ? props.directory.get(props.endpointId) : undefined;
  return (
    <Layout title="Dead letters" active="dead-letters" page={props.page} notice={props.notice}>
      <h1>Dead letters{endpoint && <span class="muted"> of {endpoint.url}</span>}</h1>
      <form class="filters" method="get" action="/admin/dead-letters">
        <label>
          Endpoint
          <select name="endpointId">
            <option value="">any</option>
            {[...props.directory.values()].map((item) => (
              <option value={item.id} selected={props.endpointId === item.id}>
                {item.url}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status">
            {STATUSES.map((status) => (
              <option value={status} selected={props.status === status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <form method="post" action="/admin/dead-letters/redeliver" id="dead-letters-form">
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="endpointId" value={props.endpointId ?? ''} />
        {props.rows.length === 0 ? (
          <p class="muted">No dead letters match.</p>
        ) : (
          <table id="dead-letters">
            <thead>
              <tr>
                <th>Select</th>
                <th>Delivery</th>
                <th>Event type</th>
                <th>Endpoint</th>
                <th>Reason</th>
                <th>Last result</th>
                <th class="num">Attempts</th>
                <th>Failed</th>
                <th>Status</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-dead-letter-id={row.id}>
                  <td>{row.status === 'open' && <input type="checkbox" name="ids" value={row.id} aria-label={`select ${row.id}`} />}</td>
                  <td>
                    <ShortId id={row.deliveryId} href={`/admin/deliveries/${row.deliveryId}`} />
                  </td>
                  <td class="mono">{row.eventType}</td>
                  <td class="mono">{props.directory.get(row.endpointId)?.url ?? row.endpointId}</td>
                  <td class="mono">{row.reason}</td>
                  <td>
                    {row.lastStatusCode !== null && <span class="mono">HTTP {row.lastStatusCode} </span>}
                    {row.lastError && <span class="muted">{row.lastError}</span>}
                  </td>
                  <td class="num">{row.attempts}</td>
                  <td>{formatTime(row.failedAt)}</td>
                  <td>
                    <Badge value={row.status} />
                  </td>
                  <td>
                    {row.status === 'open' && (
                      <div class="row-actions">
                        <button type="submit" formaction={`/admin/dead-letters/${row.id}/redeliver`} class="secondary">
                          Redeliver
                        </button>
                        <button type="submit" formaction={`/admin/dead-letters/${row.id}/dismiss`} class="danger">
                          Dismiss
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="actions">
          {props.rows.some((row) => row.status === 'open') && (
            <button type="submit" name="mode" value="selected">
              Redeliver selected
            </button>
          )}
          {endpoint && (
            <button type="submit" name="mode" value="endpoint" class="secondary">
              Redeliver all open dead letters of this endpoint
            </button>
          )}
        </div>
      </form>
      {props.olderLink && (
        <p>
          <a href={props.olderLink}>Older dead letters →</a>
        </p>
      )}
    </Layout>
  );
}

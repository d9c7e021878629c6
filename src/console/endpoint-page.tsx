import type { CircuitBreakerTransition } from '../db/index.ts';
import type { EndpointHealth, EndpointView } from '../publisher/index.ts';
import type { BreakerSummary } from './breaker-view.ts';
import { Badge, CsrfField, formatDuration, formatTime, Layout, link, type Notice, type PageContext } from './layout.tsx';

/** A breaker's state with its failure streak and timers. */
export function BreakerCell({ breaker }: { breaker: BreakerSummary }) {
  return (
    <>
      <Badge value={breaker.state} />
      {breaker.failures > 0 && <div class="muted">{breaker.failures} consecutive failures</div>}
      {breaker.openedAt && <div class="muted">opened {formatTime(breaker.openedAt)}</div>}
      {breaker.state === 'open' && breaker.trialAfter && <div class="muted">trial after {formatTime(breaker.trialAfter)}</div>}
    </>
  );
}

/** Offered when there is something to reset: not closed, or closed with a failure streak. */
export function ResetButton({ endpointId, breaker, csrfToken, from }: { endpointId: string; breaker: BreakerSummary; csrfToken: string; from?: 'endpoint' }) {
  if (breaker.state === 'off' || (breaker.state === 'closed' && breaker.failures === 0)) return null;
  return (
    <form method="post" action={`/admin/endpoints/${endpointId}/breaker/reset`}>
      <CsrfField token={csrfToken} />
      {from && <input type="hidden" name="from" value={from} />}
      <button type="submit" class="secondary">
        Reset breaker
      </button>
    </form>
  );
}

type EndpointProps = {
  page: PageContext;
  notice: Notice | undefined;
  endpoint: EndpointView;
  health: EndpointHealth | undefined;
  breaker: BreakerSummary;
  transitions: CircuitBreakerTransition[];
};

/** One endpoint: its settings (custom headers by name only), breaker with thresholds, recent success, and breaker transitions. */
export function EndpointPage({ page, notice, endpoint, health, breaker, transitions }: EndpointProps) {
  return (
    <Layout title={`Endpoint ${endpoint.url}`} active="endpoints" page={page} notice={notice}>
      <h1>
        Endpoint <span class="mono">{endpoint.url}</span>
      </h1>
      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{endpoint.id}</dd>
        <dt>Tenant</dt>
        <dd>{health?.tenant.name ?? '—'}</dd>
        <dt>Description</dt>
        <dd>{endpoint.description || '—'}</dd>
        <dt>Event types</dt>
        <dd class="mono">{endpoint.eventTypes.length === 0 ? '*' : endpoint.eventTypes.join(', ')}</dd>
        <dt>Status</dt>
        <dd>
          <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} /> {endpoint.disabledReason}
        </dd>
        <dt>Custom headers</dt>
        <dd>{Object.keys(endpoint.headers).join(', ') || '—'}</dd>
        <dt>Breaker</dt>
        <dd class="breaker">
          <BreakerCell breaker={breaker} />
          <div class="muted">
            opens after {breaker.thresholds.failureThreshold} consecutive failures, stays open {formatDuration(breaker.thresholds.openForMs)}, closes
            after {breaker.thresholds.successThreshold} trial successes
          </div>
        </dd>
        <dt>Success, last hour</dt>
        <dd>{health && health.recent.attempts > 0 ? `${health.recent.succeeded} of ${health.recent.attempts} attempts` : 'no attempts'}</dd>
      </dl>
      <div class="actions">
        <ResetButton endpointId={endpoint.id} breaker={breaker} csrfToken={page.csrfToken} from="endpoint" />
        <a href={link('/admin/search', { endpointId: endpoint.id })}>Deliveries</a>
        <a href={link('/admin/dead-letters', { endpointId: endpoint.id })}>Dead letters ({health?.openDeadLetters ?? 0} open)</a>
      </div>
      <h2>Breaker transitions</h2>
      {transitions.length === 0 ? (
        <p class="muted">No transition recorded.</p>
      ) : (
        <table id="transitions">
          <thead>
            <tr>
              <th>At</th>
              <th>From</th>
              <th>To</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {transitions.map((transition) => (
              <tr>
                <td>{formatTime(transition.at.toISOString())}</td>
                <td>
                  <Badge value={transition.fromState} />
                </td>
                <td>
                  <Badge value={transition.toState} />
                </td>
                <td class="mono">{transition.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

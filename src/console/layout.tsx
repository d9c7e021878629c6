import type { Child, FC } from 'hono/jsx';

/** What every page needs from the request: the session's CSRF token and whether the console runs without an admin token. */
export type PageContext = { csrfToken: string; devMode: boolean };

export type Notice = { kind: 'info' | 'error'; text: string };

const NAV = [
  { href: '/admin', label: 'Endpoints', key: 'endpoints' },
  { href: '/admin/search', label: 'Events and deliveries', key: 'search' },
  { href: '/admin/dead-letters', label: 'Dead letters', key: 'dead-letters' },
] as const;

export type NavKey = (typeof NAV)[number]['key'];

/** The hidden field every form carries; checked on every POST. */
export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

/** The page frame: navigation, logout, development-mode banner, one notice. */
export const Layout: FC<{ title: string; active?: NavKey; page?: PageContext; notice?: Notice | undefined; children?: Child }> = (props) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>{props.title} · webhook gateway</title>
      <link rel="stylesheet" href="/admin/assets/console.css" />
    </head>
    <body>
      <header>
        <span class="brand">webhook gateway</span>
        {props.page && (
          <>
            <nav>
              {NAV.map((item) => (
                <a href={item.href} class={item.key === props.active ? 'active' : undefined}>
                  {item.label}
                </a>
              ))}
            </nav>
            <form method="post" action="/admin/logout">
              <CsrfField token={props.page.csrfToken} />
              <button type="submit">Log out</button>
            </form>
          </>
        )}
      </header>
      <main>
        {props.page?.devMode && (
          <p class="notice dev">Development mode: no ADMIN_TOKEN is set, so anyone who can reach this address may use the console.</p>
        )}
        {props.notice && (
          <p class={props.notice.kind === 'error' ? 'notice error' : 'notice'} role="status">
            {props.notice.text}
          </p>
        )}
        {props.children}
      </main>
    </body>
  </html>
);

/** A coloured state label (breaker state, delivery status, dead-letter status...). */
export const Badge: FC<{ value: string; label?: string }> = ({ value, label }) => (
  <span class={`badge ${value}`} data-state={value}>
    {label ?? value.replace('_', ' ')}
  </span>
);

/** A time in UTC, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** Milliseconds in a short human form. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The first block of a UUID: enough to tell rows apart on a page; the full id is in the link. */
export const ShortId: FC<{ id: string; href?: string }> = ({ id, href }) =>
  href ? (
    <a href={href} class="mono" title={id}>
      {id.slice(0, 8)}…{id.slice(-4)}
    </a>
  ) : (
    <span class="mono" title={id}>
      {id.slice(0, 8)}…{id.slice(-4)}
    </span>
  );

/** Builds `/admin/...?a=b` from the given parameters, leaving out empty ones. */
export function link(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

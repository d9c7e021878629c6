import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sameSecret, type ConsoleSessionStore, type ConsoleSessionView } from './sessions.ts';

/** Form fields of a POST, repeated names as arrays. */
export type FormFields = Record<string, string | string[]>;

export type ConsoleEnv = { Variables: { session: ConsoleSessionView; form: FormFields } };

export const SESSION_COOKIE = 'whgw_console';
export const LOGIN_COOKIE = 'whgw_console_login';

const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers on every console response: no scripts at all, no framing, no caching, no referrer leaving the site. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('Content-Security-Policy', CSP);
  c.res.headers.set('X-Frame-Options', 'DENY');
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Referrer-Policy', 'same-origin');
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
};

/** True when the request came over HTTPS (directly or, per `X-Forwarded-Proto`, through a proxy): cookies are then `Secure`. */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

/**
 * Whether a POST may come from this site. A browser names the page's origin in `Origin` (always on
 * a form POST in current browsers); its host must be this request's `Host` or, behind a proxy that
 * rewrites `Host`, its `X-Forwarded-Host` (a cross-site form cannot set either). Without `Origin`,
 * `Sec-Fetch-Site` (if sent) must be `same-origin`. Requests with neither (not from a browser) rely
 * on the CSRF token alone.
 */
export function fromSameSite(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    if (origin === 'null') return false;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    const forwarded = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
    return host === c.req.header('host') || (forwarded !== undefined && host === forwarded);
  }
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** Reads a urlencoded or multipart form (repeated names become arrays); anything else reads as empty. */
export async function readForm(c: Context): Promise<FormFields> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return {};
  const body = await c.req.parseBody({ all: true });
  const form: FormFields = {};
  for (const [key, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
    form[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return form;
}

/** One value of a form field (the first when repeated). */
export function field(form: FormFields, name: string): string | undefined {
  const value = form[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a form field. */
export function fields(form: FormFields, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Requires a live session. Without one, a page request is redirected to the login page (remembering
 * where it was going) and a POST is refused with 403. Every POST must also come from this site and
 * carry the session's CSRF token in `_csrf`; otherwise 403 and nothing happens.
 */
export function requireSession(sessions: ConsoleSessionStore, forbidden: (c: Context, reason: string) => Response | Promise<Response>): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = await sessions.find(getCookie(c, SESSION_COOKIE));
    const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (!session) {
      if (isRead) return c.redirect(`/admin/login?next=${encodeURIComponent(new URL(c.req.url).pathname + new URL(c.req.url).search)}`, 303);
      return forbidden(c, 'Your session has ended. Log in again.');
    }
    if (!isRead) {
      if (!fromSameSite(c)) return forbidden(c, 'This form was sent from another site.');
      const form = await readForm(c);
      const token = field(form, '_csrf');
      if (!token || !sameSecret(token, session.csrfToken)) return forbidden(c, 'This form is missing its security token or the token is stale. Reload the page and try again.');
      c.set('form', form);
    }
    c.set('session', session);
    return next();
  };
}

/** Where to go after logging in: only a console path on this site (never `//host` or another scheme). */
export function safeNext(next: string | undefined): string {
  if (!next || !/^\/admin(?:[/?]|$)/.test(next) || next.includes('\\') || /[\r\n]/.test(next)) return '/admin';
  if (next.startsWith('/admin/login') || next.startsWith('/admin/logout')) return '/admin';
  return next;
}

import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_STATUS, GatewayError, isDatabaseUnavailable } from '../errors.ts';
import { noticeFrom, type ConsoleDeps } from './context.ts';
import { deadLetterPages } from './dead-letters-page.tsx';
import { deliveryPages } from './delivery-page.tsx';
import { endpointPages } from './endpoints-page.tsx';
import { field, fromSameSite, isHttps, LOGIN_COOKIE, readForm, requireSession, safeNext, securityHeaders, SESSION_COOKIE, type ConsoleEnv } from './guard.ts';
import { Layout, type Notice } from './layout.tsx';
import { LoginPage } from './login-page.tsx';
import { clientAddress, createLoginThrottle } from './login-throttle.ts';
import { searchPages } from './search-page.tsx';
import { consoleSessionStore, sameSecret } from './sessions.ts';
import { CONSOLE_CSS } from './styles.ts';

const LOGIN_FORM_TTL_S = 15 * 60;

async function messagePage(c: Context, status: ContentfulStatusCode, title: string, text: string) {
  return c.html(
    '<!DOCTYPE html>' +
      (await (
        <Layout title={title} notice={{ kind: 'error', text }}>
          <h1>{title}</h1>
          <p>
            <a href="/admin">Back to the console</a>
          </p>
        </Layout>
      )),
    status,
  );
}

/**
 * The admin console app, mounted at `/admin`. Login (POST /admin/login) exchanges the admin token
 * for a session cookie; every other page needs that session, and every POST its CSRF token.
 */
export function createConsoleApp(deps: ConsoleDeps) {
  const { config, logger } = deps;
  const devMode = config.adminToken === undefined;
  const expected = config.adminToken;
  const sessions = consoleSessionStore({ db: deps.db, clock: deps.clock, ttlMs: config.adminSessionTtlMs, adminToken: config.adminToken });
  const forbidden = (c: Context, reason: string) => messagePage(c, 403, 'Forbidden', reason);
  const throttle = createLoginThrottle({ clock: deps.clock });

  async function loginForm(c: Context, next: string, notice: Notice | undefined, status: ContentfulStatusCode = 200) {
    const csrfToken = randomBytes(32).toString('base64url');
    setCookie(c, LOGIN_COOKIE, csrfToken, { path: '/admin/login', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: LOGIN_FORM_TTL_S });
    return c.html('<!DOCTYPE html>' + (await (<LoginPage csrfToken={csrfToken} next={next} devMode={devMode} notice={notice} />)), status);
  }

  const pages = new Hono<ConsoleEnv>()
    .use('*', requireSession(sessions, forbidden))
    .route('/', endpointPages(deps))
    .route('/', searchPages(deps))
    .route('/', deliveryPages(deps))
    .route('/', deadLetterPages(deps))
    .post('/logout', async (c) => {
      await sessions.close(c.var.session.id);
      deleteCookie(c, SESSION_COOKIE, { path: '/admin', secure: isHttps(c) });
      return c.redirect('/admin/login?notice=logged_out', 303);
    })
    .all('*', (c) => messagePage(c, 404, 'Not found', `Nothing at ${c.req.path}.`));

  return new Hono()
    .use('*', securityHeaders)
    .use('*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => messagePage(c, 413, 'Too large', 'The form is too large.') }))
    .get('/assets/console.css', (c) => {
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(CONSOLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' });
    })
    .get('/login', async (c) => {
      if (await sessions.find(getCookie(c, SESSION_COOKIE))) return c.redirect(safeNext(c.req.query('next')), 303);
      return loginForm(c, safeNext(c.req.query('next')), noticeFrom(c.req.query()));
    })
    .post('/login', async (c) => {
      const form = await readForm(c);
      const next = safeNext(field(form, 'next'));
      const formToken = field(form, '_csrf');
      const cookieToken = getCookie(c, LOGIN_COOKIE);
      if (!fromSameSite(c) || !formToken || !cookieToken || !sameSecret(formToken, cookieToken))
        return loginForm(c, next, { kind: 'error', text: 'The login form expired or came from another site. Try again.' }, 403);
      const client = clientAddress(c);
      const waitMs = throttle.blockedFor(client);
      if (waitMs > 0) {
        c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
        return loginForm(c, next, { kind: 'error', text: 'Too many failed logins from this address. Wait a minute and try again.' }, 429);
      }
      if (expected !== undefined && !sameSecret(field(form, 'token') ?? '', expected)) {
        throttle.failed(client);
        logger.warn({ client }, 'admin console: failed login');
        return loginForm(c, next, { kind: 'error', text: 'That is not the admin token.' }, 401);
      }
      throttle.succeeded(client);
      const { token, session } = await sessions.open();
      deleteCookie(c, LOGIN_COOKIE, { path: '/admin/login', secure: isHttps(c) });
      setCookie(c, SESSION_COOKIE, token, {
        path: '/admin',
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c),
        expires: session.expiresAt,
      });
      logger.info({ sessionId: session.id }, 'admin console: logged in');
      return c.redirect(next, 303);
    })
    .route('/', pages)
    .onError((error, c) => {
      if (error instanceof GatewayError) return messagePage(c, ERROR_STATUS[error.kind], error.kind === 'not_found' ? 'Not found' : 'Cannot do that', error.message);
      if (isDatabaseUnavailable(error)) return messagePage(c, 503, 'Unavailable', 'The database is unavailable; nothing was changed. Try again shortly.');
      logger.error({ err: error, path: c.req.path }, 'admin console error');
      return messagePage(c, 500, 'Error', 'Something went wrong; the error was logged.');
    });
}

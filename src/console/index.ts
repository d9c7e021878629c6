/**
 * The admin console: server-rendered HTML pages (hono/jsx, no client-side script) at `/admin` for
 * endpoints and their breakers, events, deliveries with their attempts, and dead letters.
 *
 * It is a thin layer over the services the HTTP API uses (history, redelivery, endpoints, breaker),
 * acting as the bootstrap admin. Security: logging in with `ADMIN_TOKEN` opens a session stored in
 * Postgres (so any API process honours it; logout ends it everywhere) whose random id travels in an
 * HttpOnly, SameSite=Strict cookie. Every POST must come from this site (`Origin`) and carry the
 * session's CSRF token; the login form has its own double-submit token. Pages send a CSP that
 * allows no script and no framing, and every value is escaped by hono/jsx. Without `ADMIN_TOKEN`
 * (development mode) the login asks for nothing, as the API does, and every page says so.
 */
export { createConsoleApp as adminConsole } from './console-app.tsx';
export type { ConsoleDeps } from './context.ts';

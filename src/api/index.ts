/** The HTTP API: a Hono app factory, bearer auth, and one error mapping for the whole surface. */
export { createApp, type App, type AppDeps } from './app.ts';
export { errorBody } from './errors.ts';

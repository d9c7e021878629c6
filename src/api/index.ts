/** The HTTP API: a Hono app factory, bearer auth, and one error mapping for the whole surface. */
export { createApp, createOpsApp, type App, type AppDeps } from './app.ts';
export { errorBody } from './errors.ts';
export { createReadinessCheck, type Readiness, type ReadinessCheck } from './readiness.ts';
export { metricsRoutes, type MetricsSource } from './routes/metrics.ts';
export { healthRoutes } from './routes/health.ts';
export { openApiApp } from './openapi.ts';

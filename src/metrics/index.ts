/**
 * Prometheus metrics of a gateway process.
 *
 * Each gateway owns a prom-client `Registry` (tests run several gateways in one process, so the
 * global default registry is never used). Counters and histograms (`messaging_published_total`,
 * `messaging_consumed_total`, `messaging_failed_total`, `messaging_processing_duration`, attempts
 * and their latency by endpoint) count what THIS process did: scrape every api and worker process
 * and `sum()` them. Gauges of gateway-wide state (`messaging_outbox_pending`, `messaging_queue_depth`,
 * dead letters, breakers) are read from Postgres and BullMQ when scraped, so every process reports
 * the same value: aggregate them with `max()`. The `endpoint` label is capped (`METRICS_ENDPOINT_LABELS`).
 */
export { metricsAccess, type MetricsSource } from './access.ts';
export { OTHER_ENDPOINTS } from './endpoint-labels.ts';
export { createGatewayMetrics, type GatewayMetrics, type GatewayMetricsOptions } from './gateway-metrics.ts';
export { createOpsApp } from './ops-server.ts';

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { notFound } from '../../errors.ts';
import { json, openApiApp } from '../openapi.ts';
import packageJson from '../../../package.json' with { type: 'json' };

/** The Swagger UI files served under `/docs/` (from the installed swagger-ui-dist package; no CDN). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// Relative URLs, so the page also works behind a proxy that mounts the gateway under a path.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>webhook-gateway API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });
  </script>
</body>
</html>
`;

const document = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['operations'],
  summary: 'This OpenAPI 3.1 document',
  responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
});
const page = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['operations'],
  summary: 'Interactive API documentation (Swagger UI)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
});
const asset = createRoute({
  method: 'get',
  path: '/docs/{file}',
  tags: ['operations'],
  summary: "Swagger UI's static files",
  request: { params: z.object({ file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'swagger-ui.css' }) }) },
  responses: { 200: { description: 'The file' }, 404: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'No such file') },
});

/**
 * `/openapi.json` (generated from the route schemas of `root`, once) and `/docs` (Swagger UI).
 * Public: the document describes the API, not its data.
 */
export function docsRoutes<E extends Env>(root: OpenAPIHono<E>) {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
  const { version } = packageJson;
  const files = new Map<string, Promise<Buffer>>();
  let generated: Record<string, unknown> | undefined;
  const app = openApiApp();
  app.openapi(document, (c) => {
    generated ??= root.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'webhook-gateway',
        version,
        description:
          'Publish events; the gateway signs them (Standard Webhooks, HMAC-SHA256) and delivers them to subscribed endpoints with retries, a per-endpoint circuit breaker and a dead-letter store. Errors are `{"error": {"code", "message"}}`.',
      },
      tags: [
        { name: 'endpoints', description: 'Subscriber endpoints and their signing secrets' },
        { name: 'events', description: 'Publishing (outbox: 202 after the commit) and reading events' },
        { name: 'deliveries', description: 'One event to one endpoint; its id is the `webhook-id`' },
        { name: 'dead letters', description: 'Deliveries that exhausted their retries or failed permanently' },
        { name: 'breaker', description: 'The per-endpoint circuit breaker' },
        { name: 'tenants', description: 'Tenants and API tokens' },
        { name: 'operations', description: 'Health, readiness, metrics and these docs' },
      ],
    }) as unknown as Record<string, unknown>;
    return c.json(generated, 200);
  });
  app.openapi(page, (c) => c.html(PAGE, 200));
  app.openapi(asset, async (c) => {
    const { file } = c.req.valid('param');
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw notFound('file');
    let body = files.get(file);
    if (!body) {
      body = readFile(join(dir, file));
      files.set(file, body);
    }
    return c.body(new Uint8Array(await body), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return app;
}

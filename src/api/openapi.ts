/**
 * The OpenAPI document, generated from the zod schemas that validate requests and type
 * responses, and the pages that serve it: `GET /openapi.json` and a Swagger UI at
 * `GET /docs` whose assets come from the `swagger-ui-dist` package (nothing from a CDN).
 *
 * The rule: every route module exports `register<Module>Paths(registry)` describing its
 * routes with `documentRoute` (src/api/openapi-kit.ts); adding a route is one
 * `documentRoute` call beside it, and adding a module is one line in REGISTRARS below.
 * test/api/openapi.test.ts fails when an express route is missing from the document.
 */
import path from 'node:path';
import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { Router } from 'express';
import { z } from 'zod';
import { registerHealthPaths } from './health/routes';
import { AUTH, documentRoute, jsonResponse } from './openapi-kit';
import { registerQueuePaths } from './ops/queue-routes';
import { registerOpsPaths } from './ops/routes';
import { registerOrderActionPaths } from './orders/actions';
import { registerOrderPaths } from './orders/routes';
import { registerLoyaltyPaths } from './loyalty/openapi';
import { registerPaymentPaths } from './payments/routes';
import { registerSyncPaths } from './sync/routes';
import { registerProviderWebhookPaths } from './providers/webhooks';

const REGISTRARS: ((registry: OpenAPIRegistry) => void)[] = [
  registerOrderPaths,
  registerOrderActionPaths,
  registerProviderWebhookPaths,
  registerOpsPaths,
  registerQueuePaths,
  registerPaymentPaths,
  registerSyncPaths,
  registerLoyaltyPaths,
  registerHealthPaths,
  registerDocsPaths,
];

function registerSecuritySchemes(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'operatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An operator token from OPERATOR_TOKENS.',
  });
  registry.registerComponent('securitySchemes', 'deviceToken', {
    type: 'http',
    scheme: 'bearer',
    description: "A point-of-sale device's token from DEVICE_TOKENS; the device id is the token's name.",
  });
  registry.registerComponent('securitySchemes', 'customerId', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Customer-Id',
    description: 'The customer, set by the gateway in front of this service after it authenticated them.',
  });
  registry.registerComponent('securitySchemes', 'loyaltyToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token returned by register/login in the Authorization header (loyalty API).',
  });
  registry.registerComponent('securitySchemes', 'loyaltyCookie', { type: 'apiKey', in: 'cookie', name: 'token' });
  registry.registerComponent('securitySchemes', 'providerSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: "`sha256=<hex HMAC-SHA256 of the raw body with the provider's webhookSecret>`.",
  });
}

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export function openApiDocument() {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registerSecuritySchemes(registry);
  for (const register of REGISTRARS) register(registry);
  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'durable-orders',
      version: '0.1.0',
      description:
        'Order orchestration where every order is a durable Temporal workflow. Every error is JSON: `{"error": {"code", "message", "details"?}}`.',
    },
  });
  return cached;
}

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

// External scripts only: the Content-Security-Policy (helmet) allows no inline script.
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>durable-orders API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true });\n`;

export function docsRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('js').send(DOCS_INIT);
  });
  router.use('/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, fallthrough: true }));
  return router;
}

function registerDocsPaths(registry: OpenAPIRegistry): void {
  const meta = { tags: ['documentation'], security: AUTH.none };
  documentRoute(registry, {
    ...meta,
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: jsonResponse('OpenAPI 3.1', z.record(z.string(), z.unknown())) },
  });
  documentRoute(registry, {
    ...meta,
    method: 'get',
    path: '/docs',
    summary: 'The API reference (Swagger UI, served from this service)',
    responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: z.string() } } } },
  });
  documentRoute(registry, {
    ...meta,
    method: 'get',
    path: '/docs/init.js',
    summary: "The reference page's start-up script (assets under /docs/assets/)",
    responses: { 200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } } },
  });
}

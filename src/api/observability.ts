/**
 * What every inbound request gets before any route: a request id (the caller's
 * `X-Request-Id` when sane, else a new one; echoed in the response), one log line when
 * it finishes (method, route pattern, status, duration), the HTTP metrics, and the route
 * pattern on the request's trace span. Route patterns, never raw URLs, label metrics and
 * spans, so ids in paths cannot explode their cardinality.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, trace, type Context } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SANE_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/**
 * The express route pattern that matched (`/orders/:id`), or `unmatched`. A request
 * answered before routing (malformed JSON, wrong content type, rate limit) is labelled
 * with the route it was sent to, so its 4xx count under that route.
 */
export function routePattern(req: IncomingMessage): string {
  const { route, baseUrl, app, method, path } = req as Request;
  if (route?.path !== undefined) return `${baseUrl ?? ''}${String(route.path)}`;
  const stack = (app as unknown as { router?: RouterLike } | undefined)?.router?.stack;
  return (stack && path !== undefined && routeFor(stack, method.toLowerCase(), path)) || 'unmatched';
}

/** Just enough of express's router (package `router` 2.x) to find which route a path and method would reach. */
interface LayerLike {
  match(path: string): { path: string } | false;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: Partial<RouterLike>;
}
interface RouterLike {
  stack: LayerLike[];
}

function routeFor(stack: LayerLike[], method: string, path: string): string | undefined {
  for (const layer of stack) {
    const match = layer.match(path);
    if (!match) continue;
    const { route, handle } = layer;
    if (route) {
      const { methods } = route;
      if (methods[method] || methods._all || (method === 'head' && methods.get)) return String(route.path);
    } else if (Array.isArray(handle?.stack)) {
      // A mounted router: its routes are relative to where it is mounted.
      const inner = routeFor(handle.stack, method, path.slice(match.path.length) || '/');
      if (inner) return `${match.path}${inner}`;
    }
  }
  return undefined;
}

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const logFieldsOf = Symbol('fields a route added to its request log');

/**
 * For a route that learns what the request is about (POST /orders: the new order's id):
 * the fields go on the request's completion line and on `req.log` from now on.
 * Routes under /orders/:id get `orderId` without asking.
 */
export function addRequestLogFields(req: Request, res: ServerResponse, fields: Record<string, string>): void {
  const holder = res as ServerResponse & { [logFieldsOf]?: Record<string, string> };
  holder[logFieldsOf] = { ...holder[logFieldsOf], ...fields };
  if (req.log) req.log = req.log.child(fields);
}

function requestLogFields(req: IncomingMessage, res: ServerResponse, route: string): Record<string, string> {
  const id = (req as Request).params?.id;
  const implied: Record<string, string> = route.startsWith('/orders/:id') && typeof id === 'string' && UUID.test(id) ? { orderId: id } : {};
  return { ...implied, ...(res as ServerResponse & { [logFieldsOf]?: Record<string, string> })[logFieldsOf] };
}

/** The completion line's fields. No headers, bodies or query strings: they are where secrets live. */
function requestSummary(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  const traceId = requestSpan(req)?.spanContext().traceId;
  const route = routePattern(req);
  return {
    method: req.method,
    route,
    path: (req as Request).path ?? req.url?.split('?')[0],
    statusCode: res.statusCode,
    durationMs,
    ...requestLogFields(req, res, route),
    ...(traceId ? { traceId } : {}),
  };
}

/** The trace context current when the request entered express (the HTTP server span when tracing is on). */
const requestContext = Symbol('trace context of the request');
function requestSpan(req: IncomingMessage) {
  const ctx = (req as IncomingMessage & { [requestContext]?: Context })[requestContext];
  return ctx && trace.getSpan(ctx);
}

export function observeRequests(logger: Logger, metrics: Metrics): RequestHandler[] {
  const http = pinoHttp({
    logger,
    genReqId: requestId,
    // req.log is a child carrying only reqId; the request itself is summarised once, when it ends.
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routePattern(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routePattern(req)} ${res.statusCode}`,
    customSuccessObject: (req, res, value) => requestSummary(req, res, value.responseTime),
    customErrorObject: (req, res, _error, value) => requestSummary(req, res, value.responseTime),
  });

  const measure: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    (req as IncomingMessage & { [requestContext]?: Context })[requestContext] = context.active();
    res.once('finish', () => {
      const route = routePattern(req);
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      metrics.http.serverRequests.inc(labels);
      metrics.http.serverDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      // The HTTP instrumentation names server spans by method only; it cannot know express's routes.
      const span = requestSpan(req);
      if (span && route !== 'unmatched') {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
    });
    next();
  };

  return [measure, http];
}

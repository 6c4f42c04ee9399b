/** The routes an express app really serves, read from its router stack (so nothing can be forgotten). */
import type express from 'express';
import { createApp } from '../../src/api/app';
import type { ApiContext } from '../../src/api/context';
import { DEFAULT_QUEUE_POLICY } from '../../src/domain/ops/queue';
import { createLogger } from '../../src/infra/logger';
import { createMetrics } from '../../src/infra/metrics';

export interface ServedRoute {
  method: string;
  /** express pattern, e.g. `/orders/:id` */
  path: string;
}

interface Layer {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function walk(stack: Layer[], prefix: string, out: ServedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: `${prefix}${String(layer.route.path)}` });
      }
    } else if (layer.handle?.stack) {
      if (!layer.slash && typeof layer.rawPath !== 'string') throw new Error(`cannot read the mount path of a router: ${String(layer.rawPath)}`);
      walk(layer.handle.stack, layer.slash ? prefix : `${prefix}${String(layer.rawPath)}`, out);
    }
  }
}

export function servedRoutes(app: express.Express): ServedRoute[] {
  const out: ServedRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  return out;
}

/**
 * The app over a context whose clients are never called: enough to list routes and to
 * serve the pages that need no Temporal or database (documentation, headers, limits).
 * Overriding `prisma`/`temporal` gives it real ones (e.g. a Temporal client with a fault).
 */
export function appWithoutBackends(overrides: Partial<ApiContext> = {}): express.Express {
  const unused = new Proxy({}, { get: (_target, name) => { throw new Error(`this test app has no backends (touched ${String(name)})`); } });
  return createApp({
    prisma: unused as ApiContext['prisma'],
    temporal: unused as ApiContext['temporal'],
    logger: createLogger('silent', 'test'),
    metrics: createMetrics(),
    taskQueue: 'unused',
    temporalUiUrl: 'http://temporal-ui.test',
    providers: new Map(),
    operators: new Map([['test-operator-token-0123456789', 'test-operator']]),
    orderPolicy: { deadlineMs: 1, confirmationTimeoutMs: 1 },
    queuePolicy: DEFAULT_QUEUE_POLICY,
    ...overrides,
  });
}

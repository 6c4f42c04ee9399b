/**
 * Liveness and readiness. `/healthz` says the process serves HTTP (restart it if not);
 * `/readyz` says it can do its job: Temporal and PostgreSQL both answer within a short
 * timeout (take it out of the load balancer if not).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { AUTH, documentRoute, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';

const checkSchema = z.union([z.object({ status: z.literal('up') }), z.object({ status: z.literal('down'), error: z.string() })]);
export const livenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });
export const readinessSchema = z
  .object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ temporal: checkSchema, database: checkSchema }) })
  .meta({ id: 'Readiness' });

export const READINESS_TIMEOUT_MS = 2_000;

type Check = z.infer<typeof checkSchema>;

export function healthRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    const answer: z.infer<typeof livenessSchema> = { status: 'ok' };
    res.json(answer);
  });

  router.get('/readyz', async (req, res) => {
    const [temporal, database] = await Promise.all([
      probe(() => ctx.temporal.workflowService.getSystemInfo({})),
      probe(() => ctx.prisma.$queryRaw`SELECT 1`),
    ]);
    const checks = { temporal, database };
    const ready = Object.values(checks).every((check) => check.status === 'up');
    if (!ready) req.log?.warn({ checks }, 'not ready');
    const answer: z.infer<typeof readinessSchema> = { status: ready ? 'ready' : 'not_ready', checks };
    res.status(ready ? 200 : 503).json(answer);
  });

  return router;
}

async function probe(check: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: firstLine(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** One line saying why: the first non-blank line of the message (Prisma's start with a newline), else the error's name or code. */
function firstLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const line = error.message.split('\n').map((text) => text.trim()).find(Boolean);
  return line ?? ((error as { code?: string }).code || error.name);
}

export function registerHealthPaths(registry: OpenAPIRegistry): void {
  const probe = { tags: ['health'], security: AUTH.none, rateLimited: false };
  documentRoute(registry, {
    ...probe,
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process serves HTTP',
    responses: { 200: jsonResponse('alive', livenessSchema) },
  });
  documentRoute(registry, {
    ...probe,
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal and PostgreSQL answer within 2 s',
    responses: { 200: jsonResponse('ready', readinessSchema), 503: jsonResponse('a dependency is down (named in `checks`)', readinessSchema) },
  });
  documentRoute(registry, {
    ...probe,
    method: 'get',
    path: '/metrics', // served by app.ts (the shared registry), documented with the other probes
    summary: 'Prometheus metrics (text exposition format)',
    responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } } },
  });
}

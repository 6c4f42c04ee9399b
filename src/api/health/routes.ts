/**
 * Liveness and readiness. `/healthz` says the process serves HTTP (restart it if not);
 * `/readyz` says it can do its job: Temporal and PostgreSQL both answer within a short
 * timeout (take it out of the load balancer if not).
 */
import { Router } from 'express';
import type { ApiContext } from '../context';

export const READINESS_TIMEOUT_MS = 2_000;

type Check = { status: 'up' } | { status: 'down'; error: string };

export function healthRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (req, res) => {
    const [temporal, database] = await Promise.all([
      probe(() => ctx.temporal.workflowService.getSystemInfo({})),
      probe(() => ctx.prisma.$queryRaw`SELECT 1`),
    ]);
    const checks = { temporal, database };
    const ready = Object.values(checks).every((check) => check.status === 'up');
    if (!ready) req.log?.warn({ checks }, 'not ready');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
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
    return { status: 'down', error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The REST API as an express app (no listening here: tests and entry points decide where). */
import express from 'express';
import helmet from 'helmet';
import { metricsEndpoint } from '../infra/metrics';
import type { ApiContext } from './context';
import { ApiError, errorHandler } from './errors';
import { healthRouter } from './health/routes';
import { consoleRouter } from './console/routes';
import { DEFAULT_LIMITS, jsonBodies, rateLimiter, requireJsonBodies } from './limits';
import { observeRequests } from './observability';
import { docsRouter } from './openapi';
import { queueRouter } from './ops/queue-routes';
import { readModelCounter } from './ops/read-model-metrics';
import { opsRouter } from './ops/routes';
import { orderActionsRouter } from './orders/actions';
import { exactJsonContentType, LOYALTY_PREFIX, loyaltyRouter } from './loyalty/routes';
import { ordersRouter } from './orders/routes';
import { paymentsRouter } from './payments/routes';
import { providerWebhooksRouter } from './providers/webhooks';
import { syncRouter } from './sync/routes';

export function createApp(ctx: ApiContext): express.Express {
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const app = express();
  app.disable('x-powered-by');
  if (ctx.trustProxy !== undefined) app.set('trust proxy', ctx.trustProxy);
  app.use(observeRequests(ctx.logger, ctx.metrics));
  app.use(LOYALTY_PREFIX, exactJsonContentType);
  // helmet's defaults (CSP with scripts from 'self' only, nosniff, frame-ancestors 'none'...), except
  // upgrade-insecure-requests: the service is served over plain HTTP behind its gateway.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(rateLimiter(ctx, limits));
  app.use(requireJsonBodies, jsonBodies(limits));
  app.use(healthRouter(ctx));
  // orders_by_status / orders_stuck / orders_lost are counted from the read model on each scrape.
  ctx.metrics.readModel.observe(readModelCounter(ctx.prisma, ctx.queuePolicy.stuck, ctx.logger));
  app.get('/metrics', metricsEndpoint(ctx.metrics.registry));
  app.use(docsRouter());
  app.use(ordersRouter(ctx));
  app.use(orderActionsRouter(ctx));
  app.use(paymentsRouter(ctx));
  app.use(syncRouter(ctx));
  app.use(providerWebhooksRouter(ctx));
  app.use(opsRouter(ctx));
  app.use(queueRouter(ctx));
  app.use(loyaltyRouter(ctx));
  app.use(consoleRouter());
  app.use((req, _res, next) => next(new ApiError(404, 'route_not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(ctx.logger));
  return app;
}

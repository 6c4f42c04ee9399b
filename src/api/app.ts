/** The REST API as an express app (no listening here: tests and entry points decide where). */
import express from 'express';
import { metricsEndpoint } from '../infra/metrics';
import type { ApiContext } from './context';
import { ApiError, errorHandler } from './errors';
import { healthRouter } from './health/routes';
import { opsRouter } from './ops/routes';
import { observeRequests } from './observability';
import { orderActionsRouter } from './orders/actions';
import { loyaltyRouter } from './loyalty/routes';
import { ordersRouter } from './orders/routes';
import { paymentsRouter } from './payments/routes';
import { providerWebhooksRouter } from './providers/webhooks';
import { syncRouter } from './sync/routes';

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(observeRequests(ctx.logger, ctx.metrics));
  // The raw body is kept for webhook signatures, which are computed over the exact bytes.
  app.use(
    express.json({
      limit: '256kb',
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use(healthRouter(ctx));
  app.get('/metrics', metricsEndpoint(ctx.metrics.registry));
  app.use(ordersRouter(ctx));
  app.use(orderActionsRouter(ctx));
  app.use(paymentsRouter(ctx));
  app.use(syncRouter(ctx));
  app.use(providerWebhooksRouter(ctx));
  app.use(opsRouter(ctx));
  app.use(loyaltyRouter(ctx));
  app.use((req, _res, next) => next(new ApiError(404, 'route_not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(ctx.logger));
  return app;
}

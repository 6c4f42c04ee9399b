/** The REST API as an express app (no listening here: tests and entry points decide where). */
import express from 'express';
import type { ApiContext } from './context';
import { ApiError, errorHandler } from './errors';
import { loyaltyRouter } from './loyalty/routes';
import { ordersRouter } from './orders/routes';

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(ordersRouter(ctx));
  app.use(loyaltyRouter(ctx));
  app.use((req, _res, next) => next(new ApiError(404, 'route_not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(ctx.logger));
  return app;
}

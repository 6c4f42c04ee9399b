/** An API process's body: Temporal client, database, express app, listening socket. */
import { createApp } from '../api/app';
import type { TokenOptions } from '../api/loyalty/auth';
import { listen } from '../api/server';
import { createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { connectClient } from '../infra/temporal';

export interface ApiProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  databaseUrl: string;
  host: string;
  port: number;
  logger: Logger;
  /** Loyalty token settings (LOYALTY_TOKEN_SECRET, LOYALTY_TOKEN_TTL_SECONDS). */
  loyalty?: TokenOptions;
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApi(options: ApiProcessOptions): Promise<RunningApi> {
  const temporal = await connectClient(options.temporalAddress, options.namespace);
  const prisma = createPrisma(options.databaseUrl);
  const app = createApp({
    prisma,
    temporal,
    logger: options.logger,
    taskQueue: options.taskQueue,
    temporalUiUrl: options.temporalUiUrl,
    ...(options.loyalty ? { loyalty: options.loyalty } : {}),
  });
  const server = await listen(app, options.host, options.port);
  return {
    url: server.url,
    async stop() {
      await server.close();
      await prisma.$disconnect();
      await temporal.connection.close();
    },
  };
}

/** An API process's body: Temporal client, database, express app, listening socket. */
import { createApp } from '../api/app';
import type { ApiContext } from '../api/context';
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
  providers: ApiContext['providers'];
  operators: ApiContext['operators'];
  orderPolicy: ApiContext['orderPolicy'];
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
    providers: options.providers,
    operators: options.operators,
    orderPolicy: options.orderPolicy,
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

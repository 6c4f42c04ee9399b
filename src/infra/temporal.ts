/** Temporal connections, SDK logging and search-attribute registration for any cluster. */
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { allSearchAttributes } from '../workflows/search-attributes';
import type { Logger } from './logger';
import { withoutUnexportedTraceIds } from './tracing';

export async function connectClient(address: string, namespace: string, interceptors?: ClientInterceptors): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, ...(interceptors ? { interceptors } : {}) });
}

let runtimeInstalled = false;

export interface TemporalRuntimeOptions {
  /** Serve the SDK's own metrics (temporal_*, Prometheus text) on this port; off when undefined. */
  metricsPort?: number;
  metricsHost?: string;
}

/**
 * Routes the SDK's own logs (worker, workflow `log`, activity `log` — each with its
 * workflowId, runId, activity...) into our logger, and optionally starts the SDK's
 * Prometheus exporter. Once per process: later calls change nothing.
 */
export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as LogLevel[]).find(
    (l) => l.toLowerCase() === logger.level,
  ) ?? 'INFO';
  const sdkLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[l];
      sdkLogger[method](withoutUnexportedTraceIds(meta ?? {}), message);
    }),
    ...(options.metricsPort === undefined
      ? {}
      : {
          telemetryOptions: {
            metrics: {
              // Seconds, like every other duration we export (the SDK's default is milliseconds).
              prometheus: { bindAddress: `${options.metricsHost ?? '0.0.0.0'}:${options.metricsPort}`, useSecondsForDurations: true },
            },
          },
        }),
  });
}

/**
 * Registers any of our search attributes the namespace lacks (a fresh production
 * cluster), and returns once the namespace lists them all. Safe to run from every API
 * and worker replica at once: losing the race to another registrar is success. The dev
 * server registers them at launch, so this is then one read.
 */
export async function ensureSearchAttributes(client: Client, timeoutMs = 30_000): Promise<string[]> {
  const { namespace } = client.options;
  const operator = client.connection.operatorService;
  const missingNow = async () => {
    const existing = await operator.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    return allSearchAttributes.filter((key) => !known.has(key.name));
  };
  const missing = await missingNow();
  if (missing.length === 0) return [];
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
      ),
    });
  } catch (error) {
    // Another replica registered them first (or some of them): fine if they are all there now.
    if ((await missingNow()).length > 0) throw error;
  }
  const deadline = Date.now() + timeoutMs;
  for (let left = await missingNow(); left.length > 0; left = await missingNow()) {
    if (Date.now() > deadline) throw new Error(`search attributes ${left.map((key) => key.name).join(', ')} not listed ${timeoutMs} ms after registering them`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return missing.map((key) => key.name);
}

/**
 * Every setting the service reads, in one place. Each process parses only the
 * part it needs (`loadConfig(apiConfigSchema)`), so a missing or malformed
 * variable stops it at start-up with one line naming the variable.
 */
import { z } from 'zod';
import type { AccrualClientOptions } from '../activities/loyalty/accrual-client';
import type { TokenOptions } from '../api/loyalty/auth';
import { DEFAULT_QUEUE_POLICY, type QueuePolicy } from '../domain/ops/queue';
import { parseStuckThresholds } from '../domain/orders/stuck';
import { parseDatabaseUrl } from '../infra/database-url';
import type { AccrualRunSettings } from '../workflows/loyalty/types';

const port = z.coerce.number().int().min(0).max(65535);

/** `host:port` with a real port number; `emptyHost` allows `:port` (listen on every interface). */
function hostPort(example: string, emptyHost = false) {
  const shape = emptyHost ? /^([^\s/]*):(\d{1,5})$/ : /^([^\s:/]+):(\d{1,5})$/;
  return z.string().superRefine((text, ctx) => {
    const match = shape.exec(text);
    if (!match) ctx.addIssue({ code: 'custom', message: `expected host:port, e.g. ${example}` });
    else if (Number(match[2]) > 65535) ctx.addIssue({ code: 'custom', message: `port ${match[2]} is above 65535` });
  });
}

/** Checked the way every connection parses it (src/infra/database-url.ts): host, port, `?schema=`. */
const postgresUrl = z.string().superRefine((text, ctx) => {
  try {
    parseDatabaseUrl(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

export const loggingSchema = z.object({
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export const temporalSchema = z.object({
  TEMPORAL_ADDRESS: hostPort('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  /** Base URL of the Temporal Web UI, used to build links to each order's workflow. */
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
});

export const databaseSchema = z.object({
  DATABASE_URL: postgresUrl,
});

/** The provider registry (JSON; parsed and checked by src/config/providers.ts). */
export const providersSchema = z.object({
  PROVIDERS: z.string().optional(),
  PROVIDERS_FILE: z.string().optional(),
});

const seconds = z.coerce.number().positive();

/** Order rules the API stamps on each new order. */
export const orderPolicySchema = z.object({
  /** An order not finished this long after submission fails and is compensated. */
  ORDER_DEADLINE_SECONDS: seconds.default(2 * 60 * 60),
  /** How long a quoted order waits for the customer's confirmation. */
  CONFIRMATION_TIMEOUT_SECONDS: seconds.default(30 * 60),
  /** Continue an order's workflow as new past this many history events (default: when Temporal suggests). */
  ORDER_HISTORY_EVENT_LIMIT: z.coerce.number().int().min(20).optional(),
});

/** When an open order counts as stuck (src/domain/orders/stuck.ts): the list, the queue and the reconciler. */
export const stuckSchema = z.object({
  /** `STATUS:seconds,…` overriding the per-status stuck thresholds, e.g. `DISPATCHED:300,IN_PROGRESS:1800`. */
  STUCK_AFTER_SECONDS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseStuckThresholds(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

/** The reconciler (scheduled and POST /ops/reconcile) leaves orders younger than this alone: their workflow may still be starting. */
export const reconcileGraceSchema = z.object({
  RECONCILE_GRACE_SECONDS: z.coerce.number().min(0).default(60),
});

/** The operators' work queue (src/domain/ops/queue.ts), which also takes stuck orders. */
export const queuePolicySchema = z.object({
  ...stuckSchema.shape,
  QUEUE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(DEFAULT_QUEUE_POLICY.maxInFlight),
  QUEUE_LEASE_SECONDS: seconds.default(DEFAULT_QUEUE_POLICY.leaseMs / 1000),
  QUEUE_AWAITING_CONFIRMATION_SECONDS: seconds.default(DEFAULT_QUEUE_POLICY.awaitingConfirmationMs / 1000),
  QUEUE_REQUEUE_AFTER_DONE_SECONDS: seconds.default(DEFAULT_QUEUE_POLICY.requeueAfterDoneMs / 1000),
});

export function queuePolicyFrom(config: z.infer<typeof queuePolicySchema>): QueuePolicy {
  return {
    maxInFlight: config.QUEUE_MAX_IN_FLIGHT,
    leaseMs: config.QUEUE_LEASE_SECONDS * 1000,
    awaitingConfirmationMs: config.QUEUE_AWAITING_CONFIRMATION_SECONDS * 1000,
    requeueAfterDoneMs: config.QUEUE_REQUEUE_AFTER_DONE_SECONDS * 1000,
    stuck: config.STUCK_AFTER_SECONDS,
  };
}

/** `name:token,name:token` — bearer tokens that identify operators (OPERATOR_TOKENS) or devices (DEVICE_TOKENS: the name is the device id). */
const operatorTokens = z
  .string()
  .regex(/^[\w.@-]+:[^\s,:]{16,}(,[\w.@-]+:[^\s,:]{16,})*$/, 'expected name:token pairs separated by commas, tokens of 16+ characters')
  .transform((text) => new Map(text.split(',').map((pair) => pair.split(':').reverse() as [string, string])));

/** Tracing is off unless an OTLP endpoint is given (OpenTelemetry's own variable names). */
export const tracingSchema = z.object({
  /** OTLP/HTTP base URL, e.g. http://jaeger:4318; spans go to `<url>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

/** What the API accepts from one client: body size and request rate (see src/api/limits.ts). */
export const apiLimitsSchema = z.object({
  /** Largest JSON body accepted; bigger ones answer 413. */
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  /** Requests one client (customer, operator, else IP) may make per window; 0 turns rate limiting off. */
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(1200),
  RATE_LIMIT_WINDOW_SECONDS: seconds.default(60),
  /** express's `trust proxy`: hops (`1`), `true`, or addresses/subnets (`loopback,10.0.0.0/8`); the client IP comes from X-Forwarded-For through them. */
  API_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[\w.:/]+(,[\w.:/]+)*)$/, 'expected a hop count, true/false, or comma-separated addresses/subnets')
    .transform((text): boolean | number | string => (/^\d+$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text))
    .optional(),
});

export const workerRuntimeSchema = z.object({
  /** The Temporal SDK's own Prometheus exporter (temporal_* metrics); off when unset. */
  WORKER_METRICS_PORT: port.optional(),
  /** Our metrics (business + process) from a worker process; off when unset. */
  WORKER_BUSINESS_METRICS_PORT: port.optional(),
  /** On shutdown, how long in-flight activities may finish before they are cancelled. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
});

/**
 * The accrual system's base URL. Accepted as `http(s)://host:port[/path]` or bare
 * `host:port` (the Gophermart convention); normalised to a URL without trailing slash.
 */
export function normalizeAccrualAddress(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http(s) URL');
  return url.toString().replace(/\/+$/, '');
}

const accrualAddress = z.string().transform((value, ctx) => {
  try {
    return normalizeAccrualAddress(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected http://host:port or host:port' });
    return z.NEVER;
  }
});

const millis = z.coerce.number().int().min(0);

/** The accrual poller: where the accrual system is, how often to ask it, how politely. */
export const accrualSchema = z.object({
  /** Unset: this worker runs no accrual poller (orders wait, durably, for a worker that has one). */
  ACCRUAL_SYSTEM_ADDRESS: accrualAddress.optional(),
  ACCRUAL_TASK_QUEUE: z.string().min(1).default('accrual'),
  /** Steady cap on requests to the accrual system, across every worker (Temporal task-queue rate limit). */
  ACCRUAL_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().default(10),
  ACCRUAL_POLL_INTERVAL_MS: millis.default(1000),
  ACCRUAL_UNREGISTERED_INITIAL_DELAY_MS: millis.default(1000),
  ACCRUAL_UNREGISTERED_MAX_DELAY_MS: millis.default(60_000),
  ACCRUAL_UNREGISTERED_HORIZON_MS: millis.default(7 * 24 * 3600 * 1000),
  ACCRUAL_RETRY_MAX_INTERVAL_MS: millis.default(60_000),
  ACCRUAL_RETRY_AFTER_MAX_SECONDS: z.coerce.number().int().positive().default(600),
  ACCRUAL_REQUEST_TIMEOUT_MS: millis.default(5000),
});

/** Loyalty API authentication. Without a secret, one is generated once and kept in the database. */
export const loyaltyApiSchema = z.object({
  LOYALTY_TOKEN_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  LOYALTY_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 3600),
});

export const apiConfigSchema = loggingSchema.extend({
  ...temporalSchema.shape,
  ...databaseSchema.shape,
  ...providersSchema.shape,
  ...orderPolicySchema.shape,
  ...tracingSchema.shape,
  ...queuePolicySchema.shape,
  ...loyaltyApiSchema.shape,
  ...apiLimitsSchema.shape,
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: port.default(3000),
  OPERATOR_TOKENS: operatorTokens.optional(),
  DEVICE_TOKENS: operatorTokens.optional(),
  ...reconcileGraceSchema.shape,
});

export const workerConfigSchema = loggingSchema.extend({
  ...temporalSchema.shape,
  ...databaseSchema.shape,
  ...providersSchema.shape,
  /** Our API's base URL as providers reach it, for webhooks (`<url>/providers/<name>/events`). */
  PROVIDER_CALLBACK_URL: z.url().optional(),
  QUOTE_CACHE_TTL_SECONDS: seconds.default(300),
  ...tracingSchema.shape,
  ...workerRuntimeSchema.shape,
  ...stuckSchema.shape,
  /** How often the reconciler schedule runs; 0 leaves the schedule alone (another deployment owns it). */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().min(0).default(60),
  ...reconcileGraceSchema.shape,
  ...accrualSchema.shape,
});

export const migrateConfigSchema = loggingSchema.extend(databaseSchema.shape);

/**
 * `npm start`: the all-in-one sandbox. Temporal and Postgres are optional here:
 * when absent, the launcher starts a dev server and an embedded PostgreSQL.
 */
export const devConfigSchema = loggingSchema.extend({
  ...temporalSchema.partial({ TEMPORAL_ADDRESS: true }).shape,
  ...databaseSchema.partial().shape,
  ...tracingSchema.shape,
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().min(0).default(60),
  ...reconcileGraceSchema.shape,
  WORKER_SHUTDOWN_GRACE_SECONDS: workerRuntimeSchema.shape.WORKER_SHUTDOWN_GRACE_SECONDS,
  // The sandbox always exposes the SDK metrics, on a port of its own; its other metrics are on the API's /metrics.
  WORKER_METRICS_PORT: port.default(9464),
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: port.default(3000),
  ...apiLimitsSchema.shape,
  ...orderPolicySchema.shape,
  ...queuePolicySchema.shape,
  QUOTE_CACHE_TTL_SECONDS: seconds.default(300),
  OPERATOR_TOKENS: operatorTokens.optional(),
  DEVICE_TOKENS: operatorTokens.optional(),
  DATA_DIR: z.string().default('.data'),
  SIMULATOR_PORT: port.default(3100),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  TEMPORAL_CLI_PATH: z.string().optional(),
  ...accrualSchema.shape,
  ...loyaltyApiSchema.shape,
  /** Port of the accrual simulator started when ACCRUAL_SYSTEM_ADDRESS is unset; 0 = any free port. */
  ACCRUAL_SIMULATOR_PORT: port.default(0),
});

/**
 * `bin/gophermart`: the loyalty service as one executable, configured the Gophermart way
 * (RUN_ADDRESS, DATABASE_URI, ACCRUAL_SYSTEM_ADDRESS, or flags -a -d -r; environment wins).
 */
export const gophermartConfigSchema = loggingSchema.extend({
  /** Unset: `info`, except the API's per-request lines (only from `info` when LOG_LEVEL asks for them). */
  LOG_LEVEL: loggingSchema.shape.LOG_LEVEL.unwrap().optional(),
  ...temporalSchema.partial({ TEMPORAL_ADDRESS: true }).shape,
  ...accrualSchema.shape,
  ...loyaltyApiSchema.shape,
  ...apiLimitsSchema.shape,
  /** Off unless set: a test suite's users share one IP, and 429 is no answer of the contract. */
  RATE_LIMIT_MAX: apiLimitsSchema.shape.RATE_LIMIT_MAX.unwrap().default(0),
  RUN_ADDRESS: hostPort(':8080 or localhost:8080', true).default(':8080'),
  DATABASE_URI: postgresUrl.optional(),
  /** Unset: Temporal keeps its state in memory and unfinished accruals are restarted from the database. */
  DATA_DIR: z.string().optional(),
  TEMPORAL_CLI_PATH: z.string().optional(),
});

/** `durable-orders accrual-simulator`: the accrual system stand-in on its own. */
export const accrualSimulatorConfigSchema = loggingSchema.extend({
  ACCRUAL_SIMULATOR_HOST: z.string().default('127.0.0.1'),
  ACCRUAL_SIMULATOR_PORT: port.default(8081),
  /** 0 = no limit. */
  ACCRUAL_SIMULATOR_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /** Added before every answer. */
  ACCRUAL_SIMULATOR_LATENCY_MS: millis.default(0),
  /** Share (0..1) of GET /api/orders/{number} answered 500. */
  ACCRUAL_SIMULATOR_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** How long a registered order answers REGISTERED, then PROCESSING, before its final status. */
  ACCRUAL_SIMULATOR_REGISTERED_MS: millis.default(500),
  ACCRUAL_SIMULATOR_PROCESSING_MS: millis.default(500),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type DevConfig = z.infer<typeof devConfigSchema>;
export type AccrualConfig = z.infer<typeof accrualSchema>;
export type LoyaltyApiConfig = z.infer<typeof loyaltyApiSchema>;
export type GophermartConfig = z.infer<typeof gophermartConfigSchema>;

/** The accrual worker: the rate-capped task queue and the client of the accrual system. */
export interface AccrualWorkerOptions {
  taskQueue: string;
  maxRequestsPerSecond: number;
  client: AccrualClientOptions;
}

export class ConfigError extends Error {}

/** Parses `env` against `schema`; throws one readable line naming each bad variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset": docker-compose and shells produce them for blank variables.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const missing = issue.code === 'invalid_type' && cleaned[name] === undefined;
    return missing ? `${name} is required` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

/** For process entry points: prints the one-line reason and exits with status 78 (EX_CONFIG). */
export function loadConfig<S extends z.ZodType>(schema: S): z.infer<S> {
  try {
    return parseConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}

/** The accrual workflow's polling settings, from the worker's configuration. */
export function accrualRunSettings(config: AccrualConfig): AccrualRunSettings {
  return {
    accrualTaskQueue: config.ACCRUAL_TASK_QUEUE,
    pollIntervalMs: config.ACCRUAL_POLL_INTERVAL_MS,
    unregisteredInitialDelayMs: config.ACCRUAL_UNREGISTERED_INITIAL_DELAY_MS,
    unregisteredMaxDelayMs: config.ACCRUAL_UNREGISTERED_MAX_DELAY_MS,
    unregisteredHorizonMs: config.ACCRUAL_UNREGISTERED_HORIZON_MS,
    retryInitialIntervalMs: Math.min(1000, config.ACCRUAL_RETRY_MAX_INTERVAL_MS),
    retryMaxIntervalMs: config.ACCRUAL_RETRY_MAX_INTERVAL_MS,
    pollsPerRun: 200,
  };
}

export function defaultAccrualRunSettings(): AccrualRunSettings {
  return accrualRunSettings(accrualSchema.parse({}));
}

/** How the accrual worker talks to the accrual system, or undefined when no address is configured. */
export function accrualClientOptions(config: AccrualConfig): AccrualWorkerOptions | undefined {
  if (!config.ACCRUAL_SYSTEM_ADDRESS) return undefined;
  return {
    taskQueue: config.ACCRUAL_TASK_QUEUE,
    maxRequestsPerSecond: config.ACCRUAL_MAX_REQUESTS_PER_SECOND,
    client: {
      address: config.ACCRUAL_SYSTEM_ADDRESS,
      requestTimeoutMs: config.ACCRUAL_REQUEST_TIMEOUT_MS,
      retryAfterMaxMs: config.ACCRUAL_RETRY_AFTER_MAX_SECONDS * 1000,
      retryAfterFallbackMs: 60_000,
    },
  };
}

/** Loyalty token settings for the API, from its configuration. */
export function loyaltyTokenOptions(config: LoyaltyApiConfig): TokenOptions {
  return { ttlSeconds: config.LOYALTY_TOKEN_TTL_SECONDS, ...(config.LOYALTY_TOKEN_SECRET ? { secret: config.LOYALTY_TOKEN_SECRET } : {}) };
}

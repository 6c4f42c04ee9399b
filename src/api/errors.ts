/**
 * The API's error vocabulary. Every failure leaves as JSON
 * `{ "error": { "code", "message", "details"? } }` with a 4xx/5xx status chosen here.
 */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../infra/logger';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The body of every error response; the OpenAPI document references it as `Error`. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable, machine-readable, e.g. `validation_failed`, `not_cancellable`' }),
      message: z.string().meta({ description: 'for humans; may change' }),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .meta({ description: '`fields` (validation), `status` (refused actions), `retryAfterSeconds`…' }),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

export interface FieldError {
  path: string;
  message: string;
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

/** Parses untrusted input or throws a 400 listing every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ApiError(400, 'validation_failed', `invalid ${what}`, { fields: fieldErrors(result.error) });
  }
  return result.data;
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** Express's last middleware: maps everything thrown by a route to the JSON error shape. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (error?.type === 'entity.parse.failed') {
      apiError = new ApiError(400, 'malformed_json', 'request body is not valid JSON');
    } else if (error?.type === 'entity.too.large') {
      apiError = new ApiError(413, 'payload_too_large', 'request body is too large', { limitBytes: error.limit });
    } else if (error?.type === 'charset.unsupported' || error?.type === 'encoding.unsupported') {
      apiError = new ApiError(415, 'unsupported_media_type', String(error.message));
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      apiError = new ApiError(error.status, 'bad_request', String(error.message ?? 'bad request'));
    } else if (dependencyUnavailable(error)) {
      (req.log ?? logger).warn({ err: error, method: req.method, path: req.path }, 'dependency unavailable');
      apiError = new ApiError(503, 'unavailable', 'a dependency is unavailable; repeat the request', { retryAfterSeconds: 2 });
    } else {
      // req.log carries the request id (src/api/observability.ts).
      (req.log ?? logger).error({ err: error, method: req.method, path: req.path }, 'unhandled error');
      apiError = new ApiError(500, 'internal', 'internal error');
    }
    const retryAfter = (apiError.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
    const body: ErrorBody = {
      error: { code: apiError.code, message: apiError.message, ...(apiError.details ? { details: apiError.details as Record<string, unknown> } : {}) },
    };
    res.status(apiError.status).json(body);
  };
}

/**
 * The database or Temporal cannot be reached right now (restart, failover): the request
 * changed nothing and may be repeated, so callers get 503 + Retry-After rather than 500.
 */
function dependencyUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | undefined;
  if (!e) return false;
  if (e.code === 'P1001' || e.code === 'P1017' || e.code === 'P2024') return true; // Prisma: unreachable, closed, pool timeout
  if (e.meta?.driverAdapterError?.cause?.kind === 'DatabaseNotReachable') return true;
  if (e.name === 'WorkflowUpdateRPCTimeoutOrCancelledError') return true;
  return e.code === 14 || (e.name === 'ServiceError' && /UNAVAILABLE|14 /.test(String((error as Error).message))); // gRPC UNAVAILABLE
}

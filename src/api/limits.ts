/**
 * What one client may send: JSON bodies only, up to a size, at a bounded rate. Every
 * refusal is the usual error shape: 413 `payload_too_large`, 415 `unsupported_media_type`,
 * 429 `rate_limited` with `Retry-After`.
 */
import express, { type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { operatorOf } from './auth';
import type { ApiContext } from './context';
import { ApiError } from './errors';

export interface ApiLimits {
  bodyLimitBytes: number;
  /** Requests per client per window; `max: 0` turns rate limiting off. */
  rateLimit: { max: number; windowMs: number };
}

export const DEFAULT_LIMITS: ApiLimits = { bodyLimitBytes: 256 * 1024, rateLimit: { max: 1200, windowMs: 60_000 } };

/** Probes and scrapes come from infrastructure, not clients: never rate limited. */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: express.Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Every request body is JSON: anything else is a clear 415 instead of an empty body and a confusing 400.
 *
 * The loyalty API follows its own contract (specs/loyalty-api.md): its order upload is
 * `text/plain`, and a call without a valid token answers 401 and a malformed body 400,
 * whatever its content type — so the JSON-only rule does not apply under /api/user/.
 */
const OWN_CONTRACT_PREFIX = '/api/user/';

export const requireJsonBodies: RequestHandler = (req, _res, next) => {
  if (req.path.startsWith(OWN_CONTRACT_PREFIX)) return next();
  if (BODY_METHODS.has(req.method) && hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
    return next(
      new ApiError(415, 'unsupported_media_type', 'request bodies must be JSON (Content-Type: application/json)', {
        contentType: req.headers['content-type'] ?? null,
      }),
    );
  }
  next();
};

/** The JSON parser, keeping the raw bytes for webhook signatures (computed over the exact body). */
export function jsonBodies(limits: ApiLimits): RequestHandler {
  return express.json({
    limit: limits.bodyLimitBytes,
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, buf) => {
      (req as { rawBody?: Buffer }).rawBody = buf;
    },
  });
}

/**
 * Per client, by what a caller cannot forge: an operator by the name of their valid token,
 * anyone else by IP address (the caller's when API_TRUST_PROXY names the proxies in front).
 * Never by `X-Customer-Id`: it is a plain header, and a new value per request would be a
 * new budget per request.
 */
function clientKey(ctx: ApiContext, req: express.Request): string {
  try {
    const operator = operatorOf(ctx, req);
    if (operator) return `operator:${operator.id}`;
  } catch {
    // A bad token is counted against its IP, like any anonymous caller.
  }
  return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}

export function rateLimiter(ctx: ApiContext, limits: ApiLimits): RequestHandler {
  const { max, windowMs } = limits.rateLimit;
  if (max === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs,
    limit: max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => UNLIMITED_PATHS.has(req.path),
    keyGenerator: (req) => clientKey(ctx, req),
    handler: (req, _res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterSeconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
      next(new ApiError(429, 'rate_limited', `too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds }));
    },
  });
}

/** From the parsed environment (src/config: apiLimitsSchema). */
export function limitsFromConfig(config: { API_BODY_LIMIT_BYTES: number; RATE_LIMIT_MAX: number; RATE_LIMIT_WINDOW_SECONDS: number }): ApiLimits {
  return {
    bodyLimitBytes: config.API_BODY_LIMIT_BYTES,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000 },
  };
}

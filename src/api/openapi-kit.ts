/**
 * What route modules use to describe their routes in the OpenAPI document
 * (src/api/openapi.ts collects them). A route is described next to where it is
 * served, from the same zod schemas that validate it, by `documentRoute`, which adds
 * the shared error responses so no route can forget them.
 */
import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { errorBodySchema } from './errors';

export { OpenAPIRegistry };

/** Security requirements, by who may call (schemes declared in src/api/openapi.ts). */
type Security = NonNullable<RouteConfig['security']>;
export const AUTH: Record<'none' | 'operator' | 'operatorOrCustomer' | 'staff' | 'staffOrCustomer' | 'device' | 'provider' | 'loyaltyUser', Security> = {
  none: [],
  operator: [{ operatorToken: [] }],
  operatorOrCustomer: [{ operatorToken: [] }, { customerId: [] }],
  /** Staff: operators and point-of-sale devices (src/api/auth.ts). */
  staff: [{ operatorToken: [] }, { deviceToken: [] }],
  staffOrCustomer: [{ operatorToken: [] }, { deviceToken: [] }, { customerId: [] }],
  device: [{ deviceToken: [] }],
  provider: [{ providerSignature: [] }],
  loyaltyUser: [{ loyaltyToken: [] }, { loyaltyCookie: [] }],
};

const ERRORS: Record<number, string> = {
  400: 'invalid input (`validation_failed` with `details.fields`, `malformed_json`)',
  401: 'no or bad credentials (`unauthorized`, `bad_signature`)',
  403: 'the caller may not touch this resource (`forbidden`)',
  404: 'no such resource (`not_found`, `route_not_found`, `unknown_provider`)',
  402: 'not enough loyalty points',
  409: 'refused in the current state (a code, the reason, `details.status`)',
  422: 'unprocessable: an order number that fails the Luhn check; an `Idempotency-Key` other than `clientOrderId` (`idempotency_key_mismatch`)',
  423: 'the order cannot be closed yet: `payment_due` with `details.balanceDue`',
  413: 'body larger than API_BODY_LIMIT_BYTES (`payload_too_large`)',
  415: 'body not JSON (`unsupported_media_type`)',
  429: 'too many requests from this client (`rate_limited`; `Retry-After`)',
  500: 'unexpected failure (`internal`)',
  503: 'the order did not answer in time, or a new order could not be accepted; repeat (`try_again`, `order_not_accepted`; `Retry-After`)',
};

export function jsonContent(schema: z.ZodType) {
  return { 'application/json': { schema } };
}

export function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: jsonContent(schema) };
}

export function jsonBody(schema: z.ZodType, required = true) {
  return { required, content: jsonContent(schema) };
}

/** `/orders/:id` → `/orders/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

export interface DocumentedRoute extends Omit<RouteConfig, 'path' | 'method' | 'responses'> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The express pattern exactly as the router serves it, e.g. `/orders/:id`. */
  path: string;
  responses: Record<number, ResponseConfig>;
  /** Error statuses the route itself can answer; 500 always, 429 unless `rateLimited: false`, 413/415 with a body. */
  errors?: number[];
  rateLimited?: boolean;
}

export function documentRoute(registry: OpenAPIRegistry, route: DocumentedRoute): void {
  const { errors = [], rateLimited = true, path, responses, ...rest } = route;
  const statuses = new Set([...errors, 500, ...(rateLimited ? [429] : []), ...(route.request?.body ? [413, 415] : [])]);
  const errorResponses = Object.fromEntries(
    [...statuses].sort().map((status) => [status, jsonResponse(ERRORS[status] ?? 'error', errorBodySchema)]),
  );
  registry.registerPath({ ...rest, path: openApiPath(path), responses: { ...errorResponses, ...responses } });
}

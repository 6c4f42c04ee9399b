/**
 * Who is calling. Operators present a bearer token from OPERATOR_TOKENS. Customers
 * are identified by `X-Customer-Id`, set by the gateway in front of this service
 * after it authenticated them (this service does not log customers in).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Actor } from '../domain/orders/actions';
import type { ApiContext } from './context';
import { ApiError } from './errors';

function operatorFor(ctx: ApiContext, token: string): string | undefined {
  for (const [known, name] of ctx.operators) {
    const a = Buffer.from(known);
    const b = Buffer.from(token);
    if (a.length === b.length && timingSafeEqual(a, b)) return name;
  }
  return undefined;
}

/** The operator behind a bearer token; a bad token is a 401, a missing one undefined. */
export function operatorOf(ctx: ApiContext, req: Request): Actor | undefined {
  const header = req.header('authorization');
  if (!header) return undefined;
  const token = /^Bearer (\S+)$/i.exec(header)?.[1];
  const name = token ? operatorFor(ctx, token) : undefined;
  if (!name) throw new ApiError(401, 'unauthorized', 'invalid operator token');
  return { role: 'operator', id: name };
}

export function requireOperator(ctx: ApiContext, req: Request): Actor {
  const operator = operatorOf(ctx, req);
  if (!operator) throw new ApiError(401, 'unauthorized', 'an operator token is required (Authorization: Bearer …)');
  return operator;
}

/** An operator, or the customer who owns the order. */
export function operatorOrOwner(ctx: ApiContext, req: Request, ownerId: string): Actor {
  const operator = operatorOf(ctx, req);
  if (operator) return operator;
  const customer = req.header('x-customer-id');
  if (!customer) throw new ApiError(401, 'unauthorized', 'identify as the customer (X-Customer-Id) or an operator');
  if (customer !== ownerId) throw new ApiError(403, 'forbidden', 'this order belongs to another customer');
  return { role: 'customer', id: customer };
}

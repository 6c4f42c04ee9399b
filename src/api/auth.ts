/**
 * Who is calling. Staff present a bearer token: operators one from OPERATOR_TOKENS,
 * point-of-sale devices their own from DEVICE_TOKENS (the device's id is the token's
 * name, so a device can never speak for another). Customers are identified by
 * `X-Customer-Id`, set by the gateway in front of this service after it authenticated
 * them (this service does not log customers in).
 *
 *   operator  everything
 *   device    the bill (pay, refund, edit, close), reading orders, and /sync as itself
 *   customer  their own orders: read, confirm, cancel (before work started); never money or prices
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Actor } from '../domain/orders/actions';
import type { ApiContext } from './context';
import { ApiError } from './errors';

export type Staff = Actor & { role: 'operator' | 'device' };

function nameFor(tokens: ReadonlyMap<string, string> | undefined, token: string): string | undefined {
  for (const [known, name] of tokens ?? []) {
    const a = Buffer.from(known);
    const b = Buffer.from(token);
    if (a.length === b.length && timingSafeEqual(a, b)) return name;
  }
  return undefined;
}

/** The operator or device behind a bearer token; a bad token is a 401, a missing one undefined. */
export function staffOf(ctx: ApiContext, req: Request): Staff | undefined {
  const header = req.header('authorization');
  if (!header) return undefined;
  const token = /^Bearer (\S+)$/i.exec(header)?.[1];
  const operator = token ? nameFor(ctx.operators, token) : undefined;
  if (operator) return { role: 'operator', id: operator };
  const device = token ? nameFor(ctx.devices, token) : undefined;
  if (device) return { role: 'device', id: device };
  throw new ApiError(401, 'unauthorized', 'invalid operator or device token');
}

/** The operator behind a bearer token (a device's token is not one); a bad token is a 401. */
export function operatorOf(ctx: ApiContext, req: Request): Actor | undefined {
  const staff = staffOf(ctx, req);
  return staff?.role === 'operator' ? staff : undefined;
}

export function requireOperator(ctx: ApiContext, req: Request): Actor {
  const staff = staffOf(ctx, req);
  if (!staff) throw new ApiError(401, 'unauthorized', 'an operator token is required (Authorization: Bearer …)');
  if (staff.role !== 'operator') throw new ApiError(403, 'forbidden', 'this is for operators; a device may not');
  return staff;
}

/** Staff: an operator or a device. Money and prices are recorded by staff only. */
export function requireStaff(ctx: ApiContext, req: Request): Staff {
  const staff = staffOf(ctx, req);
  if (!staff) throw new ApiError(401, 'unauthorized', 'a staff token (operator or device) is required (Authorization: Bearer …)');
  return staff;
}

/** A device, by its own token: the id its commands are taken under. */
export function requireDevice(ctx: ApiContext, req: Request): Staff {
  const staff = staffOf(ctx, req);
  if (!staff) throw new ApiError(401, 'unauthorized', 'a device token is required (Authorization: Bearer …, from DEVICE_TOKENS)');
  if (staff.role !== 'device') throw new ApiError(403, 'forbidden', 'only a device syncs its commands, with its own token');
  return staff;
}

/** Staff, or the customer who owns the order. */
export function operatorOrOwner(ctx: ApiContext, req: Request, ownerId: string): Actor {
  const staff = staffOf(ctx, req);
  if (staff) return staff;
  const customer = req.header('x-customer-id');
  if (!customer) throw new ApiError(401, 'unauthorized', 'identify as the customer (X-Customer-Id), an operator or a device');
  if (customer !== ownerId) throw new ApiError(403, 'forbidden', 'this order belongs to another customer');
  return { role: 'customer', id: customer };
}

/**
 * The loyalty API, the "Gophermart" contract (specs/loyalty-api.md): users, uploaded
 * order numbers (each starts its accrual workflow), balance, withdrawals. Every JSON
 * answer says `application/json`, including the 204s of the list endpoints; errors use
 * the service's `{error:{code,message}}` shape (the contract leaves their bodies open).
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type RequestHandler, type Response } from 'express';
import { isOrderNumber } from '../../domain/loyalty/luhn';
import { fromCents, MoneyError, toExactCents } from '../../domain/loyalty/money';
import { isFinalStatus, type LoyaltyStatus } from '../../domain/loyalty/status';
import { Prisma } from '../../generated/prisma/client';
import type { PrismaClient } from '../../infra/database';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { startAccrual } from './accrual';
import { hashPassword, requireUser, TOKEN_COOKIE, Tokens, unknownUserHash, verifyPassword } from './auth';
import { credentialsSchema, withdrawSchema } from './schemas';

/** Where the contract's endpoints live. */
export const LOYALTY_PREFIX = '/api/user';

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
const invalidNumber = () => new ApiError(422, 'invalid_order_number', 'order number must be digits passing the Luhn check, and not zero');

export function loyaltyRouter(ctx: ApiContext): Router {
  const { prisma } = ctx;
  const tokens = new Tokens(prisma, { ttlSeconds: 24 * 3600, ...ctx.loyalty });
  const router = Router();
  const authenticated = requireUser(tokens, prisma);

  const logIn = async (res: Response, userId: string, login: string) => {
    const token = await tokens.issue(userId);
    res.setHeader('Authorization', `Bearer ${token}`);
    // Not Secure: the contract's clients use plain HTTP on localhost.
    res.cookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.status(200).json({ login });
  };

  router.post('/api/user/register', async (req, res) => {
    const { login, password } = parseInput(credentialsSchema, req.body);
    const id = randomUUID();
    const passwordHash = await hashPassword(password);
    try {
      await prisma.$transaction([
        prisma.loyaltyUser.create({ data: { id, login, passwordHash } }),
        prisma.loyaltyBalance.create({ data: { userId: id } }),
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError(409, 'login_taken', `login "${login}" is already taken`);
      throw error;
    }
    await logIn(res, id, login);
  });

  router.post('/api/user/login', async (req, res) => {
    const { login, password } = parseInput(credentialsSchema, req.body);
    const user = await prisma.loyaltyUser.findUnique({ where: { login } });
    const valid = await verifyPassword(password, user?.passwordHash ?? (await unknownUserHash()));
    if (!user || !valid) throw new ApiError(401, 'invalid_credentials', 'wrong login or password');
    await logIn(res, user.id, login);
  });

  // The order number is the whole text/plain body (any content type but JSON is read as text).
  router.post('/api/user/orders', authenticated, express.text({ type: () => true, limit: '1kb' }), async (req, res) => {
    const userId: string = res.locals.userId;
    const number = typeof req.body === 'string' ? req.body.trim() : '';
    if (!number) throw new ApiError(400, 'validation_failed', 'the body must be the order number as text/plain');
    if (!isOrderNumber(number)) throw invalidNumber();
    const { order, created } = await recordUpload(prisma, userId, number);
    if (order.userId !== userId) throw new ApiError(409, 'order_uploaded_by_another_user', 'this order number was uploaded by another user');
    // Also on a repeat: if the first request died before the start, this one starts it, and
    // an order polling gave up on is polled again.
    if (!isFinalStatus(order.status as LoyaltyStatus)) await startAccrual(ctx.temporal, ctx.taskQueue, number);
    res.status(created ? 202 : 200).json({ number, status: order.status });
  });

  router.get('/api/user/orders', authenticated, async (_req, res) => {
    const orders = await prisma.loyaltyOrder.findMany({
      where: { userId: res.locals.userId },
      orderBy: [{ uploadedAt: 'desc' }, { number: 'desc' }],
    });
    sendList(res, orders, (order) => ({
      number: order.number,
      status: order.status,
      ...(order.status === 'PROCESSED' ? { accrual: fromCents(order.accrualCents ?? 0n) } : {}),
      uploaded_at: order.uploadedAt.toISOString(),
    }));
  });

  router.get('/api/user/balance', authenticated, async (_req, res) => {
    const balance = await prisma.loyaltyBalance.findUniqueOrThrow({ where: { userId: res.locals.userId } });
    res.json({ current: fromCents(balance.currentCents), withdrawn: fromCents(balance.withdrawnCents) });
  });

  router.post('/api/user/balance/withdraw', authenticated, async (req, res) => {
    const body = parseInput(withdrawSchema, req.body);
    if (!isOrderNumber(body.order)) throw invalidNumber();
    let sumCents: number;
    try {
      sumCents = toExactCents(body.sum);
    } catch (error) {
      if (error instanceof MoneyError) throw new ApiError(400, 'validation_failed', `sum: ${error.message}`, { fields: [{ path: 'sum', message: error.message }] });
      throw error;
    }
    const withdrawal = await withdraw(prisma, res.locals.userId, body.order, BigInt(sumCents));
    res.json(withdrawalView(withdrawal));
  });

  router.get('/api/user/withdrawals', authenticated, async (_req, res) => {
    const withdrawals = await prisma.loyaltyWithdrawal.findMany({
      where: { userId: res.locals.userId },
      orderBy: [{ processedAt: 'desc' }, { orderNumber: 'desc' }],
    });
    sendList(res, withdrawals, withdrawalView);
  });

  return router;
}

/**
 * Every answer under /api/user/ (200s, 204s, errors) says exactly `Content-Type: application/json`,
 * as the contract writes it: express's `json()` would add `; charset=utf-8`, which JSON needs not
 * (it is UTF-8 by definition, RFC 8259) and a client comparing the header whole would trip on.
 * Mounted before the body parsers and the routes, so their errors are covered too.
 */
export const exactJsonContentType: RequestHandler = (_req, res, next) => {
  res.json = (body?: unknown) => res.setHeader('Content-Type', JSON_TYPE).send(Buffer.from(JSON.stringify(body) ?? ''));
  next();
};

const JSON_TYPE = 'application/json';

/** 200 with the list, or 204 with the JSON content type the contract asks for (express's `send` would drop it). */
function sendList<T>(res: Response, items: T[], view: (item: T) => unknown): void {
  if (items.length > 0) return void res.json(items.map(view));
  res.status(204).setHeader('Content-Type', JSON_TYPE);
  res.end();
}

function withdrawalView(w: { orderNumber: string; sumCents: bigint; processedAt: Date }) {
  return { order: w.orderNumber, sum: fromCents(w.sumCents), processed_at: w.processedAt.toISOString() };
}

async function recordUpload(prisma: PrismaClient, userId: string, number: string) {
  const { count } = await prisma.loyaltyOrder.createMany({ data: [{ number, userId, status: 'NEW' }], skipDuplicates: true });
  const order = await prisma.loyaltyOrder.findUniqueOrThrow({ where: { number } });
  return { order, created: count === 1 };
}

/**
 * Atomic under any concurrency: the conditional UPDATE takes the balance row's lock
 * and re-checks `current >= sum`, so two withdrawals can never both spend the same
 * points; the withdrawal row (unique per order number) is written in the same
 * transaction. Repeating the same withdrawal (same user, order and sum) answers with
 * the recorded one instead of paying twice; any other reuse of the number is a 409.
 */
async function withdraw(prisma: PrismaClient, userId: string, orderNumber: string, sumCents: bigint) {
  try {
    return await prisma.$transaction(async (tx) => {
      const withdrawal = await tx.loyaltyWithdrawal.create({ data: { orderNumber, userId, sumCents } });
      const { count } = await tx.loyaltyBalance.updateMany({
        where: { userId, currentCents: { gte: sumCents } },
        data: { currentCents: { decrement: sumCents }, withdrawnCents: { increment: sumCents }, updatedAt: new Date() },
      });
      if (count === 0) throw new ApiError(402, 'insufficient_points', 'not enough points for this withdrawal');
      return withdrawal;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await prisma.loyaltyWithdrawal.findUnique({ where: { orderNumber } });
    if (existing && existing.userId === userId && existing.sumCents === sumCents) return existing;
    throw new ApiError(409, 'order_already_withdrawn', 'points were already withdrawn for this order number');
  }
}

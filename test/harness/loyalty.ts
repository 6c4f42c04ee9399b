/** A loyalty API client for tests: a user with a token, and fresh Luhn-valid order numbers. */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { withLuhnCheckDigit } from '../../src/domain/loyalty/luhn';
import type { Metrics } from '../../src/infra/metrics';
import type { RewardRule } from '../../src/simulators/accrual/rules';
import type { AccrualRunSettings } from '../../src/workflows/loyalty/types';
import { startAccrualSimulator, type AccrualSimulator, type SimulatorBehaviour } from '../../src/simulators/accrual/server';
import { testEnv } from './environment';
import { request, type JsonResponse } from './http';
import { startServices, type TestServices } from './services';

let sequence = 0;

/** A Luhn-valid order number never used before in this run (optionally with leading zeros). */
export function freshOrderNumber(prefix = ''): string {
  return withLuhnCheckDigit(`${prefix}${Date.now()}${String(++sequence).padStart(4, '0')}${randomInt(1000, 9999)}`);
}

/** A digit string that fails the Luhn check. */
export function nonLuhnNumber(): string {
  const valid = freshOrderNumber();
  return valid.slice(0, -1) + String((Number(valid.at(-1)) + 1) % 10);
}

export interface LoyaltyUser {
  login: string;
  password: string;
  authorization: string;
  call<T = any>(method: string, path: string, options?: { json?: unknown; body?: string; headers?: Record<string, string> }): Promise<JsonResponse<T>>;
  upload(number: string): Promise<JsonResponse>;
}

export async function registerUser(apiUrl: string, login = `user-${randomUUID()}`): Promise<LoyaltyUser> {
  const password = `pw-${randomUUID()}`;
  const registered = await request('POST', `${apiUrl}/api/user/register`, { json: { login, password } });
  if (registered.status !== 200) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const authorization = registered.headers.get('authorization')!;
  const call: LoyaltyUser['call'] = (method, path, options = {}) =>
    request(method, `${apiUrl}${path}`, { ...options, headers: { authorization, ...options.headers } });
  return {
    login,
    password,
    authorization,
    call,
    upload: (number) => call('POST', '/api/user/orders', { body: number, headers: { 'content-type': 'text/plain' } }),
  };
}

export interface AccrualStack {
  simulator: AccrualSimulator;
  services: TestServices;
}

/**
 * Mocha hooks for a describe block: an accrual simulator with `rules`, and services
 * (API and `workers` workers) polling it. The returned object is filled in `before`.
 */
export function useAccrualStack(setup: {
  behaviour?: Partial<SimulatorBehaviour>;
  rules?: RewardRule[];
  maxRequestsPerSecond?: number;
  workers?: number;
  settings?: Partial<AccrualRunSettings>;
  /** The registry the services count into (the API's /metrics serves it). */
  metrics?: Metrics;
}): AccrualStack {
  const stack = {} as AccrualStack;
  before(async () => {
    stack.simulator = await startAccrualSimulator({ behaviour: { registeredMs: 0, processingMs: 0, ...setup.behaviour } });
    for (const rule of setup.rules ?? []) stack.simulator.addRule(rule);
    stack.services = await startServices({
      accrual: {
        address: stack.simulator.url,
        ...(setup.maxRequestsPerSecond ? { maxRequestsPerSecond: setup.maxRequestsPerSecond } : {}),
        ...(setup.settings ? { settings: setup.settings } : {}),
      },
      ...(setup.metrics ? { metrics: setup.metrics } : {}),
    });
    for (let i = 1; i < (setup.workers ?? 1); i++) await stack.services.addWorker();
  });
  after(async () => {
    await stack.services?.stop();
    await stack.simulator?.close();
  });
  return stack;
}

/** current + withdrawn = sum of credited accruals, for every user. */
export async function assertBalanceInvariant(): Promise<void> {
  const broken = await testEnv().prisma.$queryRaw<unknown[]>`
    SELECT b.user_id FROM loyalty_balances b
    LEFT JOIN (SELECT user_id, SUM(amount_cents) AS credited FROM loyalty_accrual_credits GROUP BY user_id) c USING (user_id)
    WHERE b.current_cents + b.withdrawn_cents <> COALESCE(c.credited, 0)`;
  assert.deepEqual(broken, []);
}

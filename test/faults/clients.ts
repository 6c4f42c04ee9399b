/**
 * The fault suite's clients: they behave as a well-written client does while the API
 * restarts and its dependencies fail — every request carries its idempotency key
 * (Idempotency-Key, transaction id, order number) and is repeated, unchanged, after a
 * lost answer or a 5xx. Any other answer than the expected ones fails the suite.
 */
import { randomUUID } from 'node:crypto';
import { OPERATOR_TOKEN } from '../harness/services';

export interface Answer {
  status: number;
  body: any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How often each kind of request had to be repeated (lost answers, 5xx): the figures show it. */
export const repeats = { afterLostAnswer: 0, after5xx: 0 };

/**
 * Sends the same request until it gets one of the `expected` statuses. Lost answers
 * (API down, connection reset, timeout) and 5xx are repeated; anything else is a bug.
 */
export async function persist(what: string, url: string, init: RequestInit, expected: number[], deadlineMs = 180_000): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let answer: Answer | undefined;
    let lost = '';
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
      const text = await response.text();
      answer = { status: response.status, body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
    } catch (error) {
      lost = (error as Error).message;
    }
    if (answer && expected.includes(answer.status)) return answer;
    if (answer && answer.status < 500) throw new Error(`${what}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer) repeats.after5xx++;
    else repeats.afterLostAnswer++;
    if (Date.now() > deadline) throw new Error(`${what}: no answer within ${deadlineMs / 1000} s (last: ${answer ? answer.status : lost})`);
    await sleep(250);
  }
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

export interface SubmittedOrder {
  id: string;
  number: number;
  workflowId: string;
}

export async function submitOrder(api: string, key: string, body: unknown): Promise<SubmittedOrder> {
  const answer = await persist(`submit ${key}`, `${api}/orders`, json(body, { 'idempotency-key': key }), [200, 202]);
  return answer.body as SubmittedOrder;
}

export async function orderView(api: string, id: string): Promise<any> {
  return (await persist(`GET order ${id}`, `${api}/orders/${id}`, { headers: operator }, [200])).body;
}

/** A payment by the operator's till; repeating it (same transaction id) must give the same answer. */
export async function pay(api: string, orderId: string, transactionId: string, method: string, amount: string): Promise<Answer> {
  return persist(`pay ${transactionId}`, `${api}/orders/${orderId}/payments`, json({ transactionId, method, amount }, operator), [200]);
}

/**
 * Closing as sold. A repeat after a lost answer finds the workflow finished: 409 order_closed, whose
 * status is the read model's and may still lag. Whether it closed as sold is checked from the workflow.
 */
export async function closeOrder(api: string, orderId: string): Promise<void> {
  const answer = await persist(`close ${orderId}`, `${api}/orders/${orderId}/close`, json({}, operator), [200, 409]);
  if (answer.status === 409 && answer.body.error?.code !== 'order_closed') throw new Error(`close ${orderId}: answered 409 ${JSON.stringify(answer.body)}`);
}

export interface LoyaltyClient {
  login: string;
  authorization: string;
}

export async function registerLoyaltyUser(api: string): Promise<LoyaltyClient> {
  const login = `faults-loyal-${randomUUID()}`;
  const answer = await fetch(`${api}/api/user/register`, json({ login, password: 'faults-password' }));
  if (answer.status !== 200) throw new Error(`register answered ${answer.status}`);
  return { login, authorization: answer.headers.get('authorization')! };
}

/** 202 the first time, 200 for a repeat by the same user; 409 (another user's) would be a bug. */
export async function upload(api: string, user: LoyaltyClient, number: string): Promise<void> {
  await persist(`upload ${number}`, `${api}/api/user/orders`, {
    method: 'POST',
    headers: { authorization: user.authorization, 'content-type': 'text/plain' },
    body: number,
  }, [200, 202]);
}

export async function balance(api: string, user: LoyaltyClient): Promise<{ current: number; withdrawn: number }> {
  return (await persist(`balance ${user.login}`, `${api}/api/user/balance`, { headers: { authorization: user.authorization } }, [200])).body;
}

/** A repeated withdrawal (same number and sum) answers the recorded one; it never pays twice. */
export async function withdraw(api: string, user: LoyaltyClient, number: string, sum: number): Promise<Answer> {
  return persist(`withdraw ${number}`, `${api}/api/user/balance/withdraw`, json({ order: number, sum }, { authorization: user.authorization }), [200]);
}

/**
 * A local stand-in for the external accrual system, speaking its side of the contract
 * (specs/loyalty-api.md) over real HTTP:
 *   POST /api/goods            reward rules            200 · 400 · 409 duplicate match
 *   POST /api/orders           register an order       202 · 400 (incl. Luhn) · 409
 *   GET  /api/orders/{number}  REGISTERED → PROCESSING → PROCESSED | INVALID; 204 unknown;
 *                              429 + Retry-After over the requests-per-minute limit; 500 injectable
 *   GET  /_simulator/log       the request log (tests and the benchmark read it)
 * Behaviour is adjustable at run time (`configure`) so tests can cause rate limits,
 * failures, latency and outages (`goDown`/`comeBack` close and reopen the port).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { isLuhnValid } from '../../domain/loyalty/luhn';
import { computeAccrual, type Good, type RewardRule } from './rules';

export interface SimulatorBehaviour {
  /** GET /api/orders requests allowed per window (the contract's "N requests per minute"); 0 = unlimited. */
  requestsPerWindow: number;
  /** Length of the rate-limit window; a minute in the real system, shorter in tests. */
  windowMs: number;
  /** Time an order stays REGISTERED, then PROCESSING, before its final status. */
  registeredMs: number;
  processingMs: number;
  /** Probability (0..1) that a GET /api/orders answers 500. */
  failureRate: number;
  /** The next this-many GET /api/orders answer 500 (deterministic failures for tests). */
  failNext: number;
  /** Added before every answer. */
  latencyMs: number;
}

export interface LoggedRequest {
  /** Arrival time (ms since epoch, fractional). */
  at: number;
  method: string;
  path: string;
  status: number;
  userAgent?: string;
  /** For 429: the Retry-After seconds sent, and when the answer left (window start). */
  retryAfterSeconds?: number;
  answeredAt?: number;
}

export interface AccrualSimulator {
  url: string;
  port: number;
  log: LoggedRequest[];
  configure(change: Partial<SimulatorBehaviour>): void;
  /** Registers an order directly (as POST /api/orders), optionally with its own processing times. */
  registerOrder(number: string, goods: Good[], timing?: OrderTiming): void;
  addRule(rule: RewardRule): void;
  /**
   * From now on, GET /api/orders/{number} answers 200 with `body` (any JSON) instead of the
   * computed answer; `undefined` goes back to normal. For answers the contract does not allow,
   * or an accrual system that spells numbers its own way.
   */
  answerWith(number: string, body: unknown): void;
  /** Stops listening (clients get "connection refused") until `comeBack`. */
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

export interface OrderTiming {
  registeredMs: number;
  processingMs: number;
}

interface RegisteredOrder {
  goods: Good[];
  registeredAt: number;
  timing?: OrderTiming;
}

const defaults: SimulatorBehaviour = {
  requestsPerWindow: 0,
  windowMs: 60_000,
  registeredMs: 500,
  processingMs: 500,
  failureRate: 0,
  failNext: 0,
  latencyMs: 0,
};

const ruleSchema = z.object({
  match: z.string().min(1),
  reward: z.number().nonnegative(),
  reward_type: z.enum(['%', 'pt']),
});
const orderSchema = z.object({
  order: z.string().refine(isLuhnValid, 'order number fails the Luhn check'),
  goods: z.array(z.object({ description: z.string(), price: z.number().nonnegative() })).min(1),
});

export async function startAccrualSimulator(
  options: { host?: string; port?: number; behaviour?: Partial<SimulatorBehaviour> } = {},
): Promise<AccrualSimulator> {
  const behaviour: SimulatorBehaviour = { ...defaults, ...options.behaviour };
  const rules: RewardRule[] = [];
  const orders = new Map<string, RegisteredOrder>();
  const forcedAnswers = new Map<string, unknown>();
  const log: LoggedRequest[] = [];
  let window = { start: 0, count: 0 };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use((req, res, next) => {
    const entry: LoggedRequest = { at: performance.timeOrigin + performance.now(), method: req.method, path: req.path, status: 0 };
    if (req.header('user-agent')) entry.userAgent = req.header('user-agent');
    log.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (behaviour.latencyMs > 0) setTimeout(next, behaviour.latencyMs);
    else next();
  });

  app.post('/api/goods', (req, res) => {
    const parsed = ruleSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).type('text/plain').send('invalid reward rule');
    if (rules.some((rule) => rule.match === parsed.data.match)) return void res.status(409).type('text/plain').send('duplicate match');
    rules.push(parsed.data);
    res.status(200).end();
  });

  app.post('/api/orders', (req, res) => {
    const parsed = orderSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).type('text/plain').send('invalid order');
    if (orders.has(parsed.data.order)) return void res.status(409).type('text/plain').send('order already registered');
    orders.set(parsed.data.order, { goods: parsed.data.goods, registeredAt: Date.now() });
    res.status(202).end();
  });

  app.get('/api/orders/:number', (req, res) => {
    const now = performance.timeOrigin + performance.now();
    if (behaviour.requestsPerWindow > 0) {
      if (now >= window.start + behaviour.windowMs) window = { start: now, count: 0 };
      if (++window.count > behaviour.requestsPerWindow) {
        const retryAfterSeconds = Math.max(1, Math.ceil((window.start + behaviour.windowMs - now) / 1000));
        const entry = log[log.length - 1]!;
        entry.retryAfterSeconds = retryAfterSeconds;
        entry.answeredAt = performance.timeOrigin + performance.now();
        res.status(429).setHeader('Retry-After', String(retryAfterSeconds));
        res.type('text/plain').send(`No more than ${behaviour.requestsPerWindow} requests per minute allowed`);
        return;
      }
    }
    if (behaviour.failNext > 0 || (behaviour.failureRate > 0 && Math.random() < behaviour.failureRate)) {
      behaviour.failNext = Math.max(0, behaviour.failNext - 1);
      return void res.status(500).type('text/plain').send('internal error (injected)');
    }
    if (forcedAnswers.has(req.params.number)) return void res.json(forcedAnswers.get(req.params.number));
    const order = orders.get(req.params.number);
    if (!order) return void res.status(204).end();
    const age = Date.now() - order.registeredAt;
    const { registeredMs, processingMs } = order.timing ?? behaviour;
    if (age < registeredMs) return void res.json({ order: req.params.number, status: 'REGISTERED' });
    if (age < registeredMs + processingMs) return void res.json({ order: req.params.number, status: 'PROCESSING' });
    const accrual = computeAccrual(rules, order.goods);
    if (accrual === undefined) return void res.json({ order: req.params.number, status: 'INVALID' });
    res.json({ order: req.params.number, status: 'PROCESSED', accrual });
  });

  app.get('/_simulator/log', (_req, res) => {
    res.json(log);
  });

  const sockets = new Set<Socket>();
  let server: http.Server | undefined;
  const host = options.host ?? '127.0.0.1';
  const open = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = http.createServer(app);
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, host, () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server = undefined;
    });

  const port = await open(options.port ?? 0);
  return {
    url: `http://${host}:${port}`,
    port,
    log,
    configure: (change) => Object.assign(behaviour, change),
    registerOrder: (number, goods, timing) => void orders.set(number, { goods, registeredAt: Date.now(), ...(timing ? { timing } : {}) }),
    addRule: (rule) => void rules.push(rule),
    answerWith: (number, body) => void (body === undefined ? forcedAnswers.delete(number) : forcedAnswers.set(number, body)),
    goDown: shut,
    comeBack: async () => void (await open(port)),
    close: shut,
  };
}

/**
 * Requests that arrived while a Retry-After pause was in force: after a 429 was sent and
 * before its Retry-After seconds had passed — also a 429 its client did not live to read
 * (`status` stays 0 when the connection is gone). A well-behaved client makes this empty.
 */
export function requestsInsideRetryAfterWindows(log: readonly LoggedRequest[]): LoggedRequest[] {
  const windows = log
    .filter((entry) => entry.retryAfterSeconds !== undefined && entry.answeredAt !== undefined)
    .map((entry) => ({ from: entry.answeredAt!, to: entry.answeredAt! + entry.retryAfterSeconds! * 1000 }));
  return log.filter(
    (entry) => entry.path.startsWith('/api/orders/') && windows.some((w) => entry.at > w.from && entry.at < w.to),
  );
}

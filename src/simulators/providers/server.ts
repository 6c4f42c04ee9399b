/**
 * A provider simulator: one real HTTP server hosting any number of providers at
 * `/p/<name>`, each implementing docs/PROVIDER-PROTOCOL.md with configurable faults.
 * Tests and the sandbox use it in-process; every request and every placement is
 * logged so tests can assert what a provider really saw (e.g. no double placement).
 */
import { createHmac, randomUUID } from 'node:crypto';
import express from 'express';
import { formatMoney } from '../../domain/money';
import { listen, type RunningServer } from '../../api/server';
import { defaultBehavior, priceOf, type OperationFaults, type ProviderBehavior, type ProviderOperation } from './behavior';

const PROGRESSION = ['ACCEPTED', 'IN_PROGRESS', 'IN_DELIVERY', 'DELIVERED'] as const;
type SimStatus = 'PENDING' | 'REJECTED' | 'CANCELLED' | (typeof PROGRESSION)[number];

export interface SimulatedOrder {
  provider: string;
  providerOrderId: string;
  orderId: string;
  reference: string;
  idempotencyKey: string;
  items: unknown[];
  status: SimStatus;
  callbackUrl?: string | undefined;
  events: number;
}

export interface LoggedRequest {
  receivedAt: number;
  /** When it was answered, or the caller went away (0 while in flight). */
  at: number;
  provider: string;
  method: string;
  path: string;
  operation: ProviderOperation | undefined;
  idempotencyKey?: string | undefined;
  /** The answer's status; 0 while in flight, and when no answer reached the caller (hung up, or lost). */
  status: number;
  inFlight: boolean;
}

export interface WebhookDelivery {
  at: number;
  provider: string;
  providerOrderId: string;
  status: string;
  attempt: number;
  answer: number | 'error';
}

export class ProviderSimulator {
  readonly requests: LoggedRequest[] = [];
  readonly webhooks: WebhookDelivery[] = [];
  private readonly behaviors = new Map<string, ProviderBehavior>();
  private readonly orders = new Map<string, SimulatedOrder>();
  private readonly byKey = new Map<string, string>();
  /** Placement keys cancelled before any placement with them arrived: such a placement is refused. */
  private readonly voidedKeys = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: RunningServer;

  constructor(providers: Record<string, Partial<ProviderBehavior>>) {
    for (const [name, behavior] of Object.entries(providers)) this.behaviors.set(name, { ...defaultBehavior(), ...behavior });
  }

  get url(): string {
    if (!this.server) throw new Error('simulator not started');
    return this.server.url;
  }

  baseUrl(provider: string): string {
    return `${this.url}/p/${provider}`;
  }

  behavior(provider: string): ProviderBehavior {
    const behavior = this.behaviors.get(provider);
    if (!behavior) throw new Error(`no simulated provider ${provider}`);
    return behavior;
  }

  configure(provider: string, patch: Partial<ProviderBehavior>): void {
    Object.assign(this.behavior(provider), patch);
  }

  /** Distinct sub-orders this provider holds for an order: more than one means a double placement. */
  placements(provider: string, orderId?: string): SimulatedOrder[] {
    return [...this.orders.values()].filter((o) => o.provider === provider && (!orderId || o.orderId === orderId));
  }

  order(providerOrderId: string): SimulatedOrder | undefined {
    return this.orders.get(providerOrderId);
  }

  /** Requests this provider has received and not yet answered. */
  inFlight(provider: string, operation?: ProviderOperation): LoggedRequest[] {
    return this.requests.filter((r) => r.inFlight && r.provider === provider && (!operation || r.operation === operation));
  }

  /** Moves a sub-order on by hand (tests), notifying our API as the provider would. */
  advance(providerOrderId: string, status: SimStatus | 'DELAYED' | 'FAILED'): void {
    const order = this.orders.get(providerOrderId);
    if (!order) throw new Error(`no simulated order ${providerOrderId}`);
    if (status !== 'DELAYED' && status !== 'FAILED') order.status = status;
    this.notify(order, status);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = await listen(this.app(), host, port);
    return this;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.server?.close();
  }

  private app(): express.Express {
    const app = express();
    app.use(express.json());
    app.use('/p/:provider', (req, res, next) => this.gate(req, res, next));
    app.post('/p/:provider/quotes', (req, res) => {
      const behavior = this.behavior(req.params.provider);
      const lines = (req.body.items as { sku: string; quantity: number }[]).map((item) => ({
        sku: item.sku,
        quantity: item.quantity,
        unitPrice: formatMoney(priceOf(behavior, item.sku)),
        cents: priceOf(behavior, item.sku) * item.quantity,
      }));
      const total = lines.reduce((sum, line) => sum + line.cents, 0);
      res.json({ lines: lines.map(({ cents: _cents, ...line }) => line), total: formatMoney(total) });
    });
    app.post('/p/:provider/orders', (req, res) => this.place(req, res));
    app.get('/p/:provider/orders/:id', (req, res) => {
      const order = this.orders.get(req.params.id);
      if (!order || order.provider !== req.params.provider) return void res.status(404).json({ error: 'unknown order' });
      res.json({ providerOrderId: order.providerOrderId, status: order.status });
    });
    app.post('/p/:provider/orders/:id/cancel', (req, res) => {
      const order = this.orders.get(req.params.id);
      if (!order || order.provider !== req.params.provider) return void res.status(404).json({ error: 'unknown order' });
      this.cancel(order, res);
    });
    // Cancel by placement key: the caller never learnt the provider order id (the placement's answer was lost).
    app.post('/p/:provider/placements/:key/cancel', (req, res) => {
      const key = `${req.params.provider}:${req.params.key}`;
      const known = this.byKey.get(key);
      if (known) return void this.cancel(this.orders.get(known)!, res);
      this.voidedKeys.add(key);
      res.json({ status: 'CANCELLED', providerOrderId: null });
    });
    return app;
  }

  private cancel(order: SimulatedOrder, res: express.Response): void {
    const limit = PROGRESSION.indexOf(this.behavior(order.provider).refuseCancelFrom);
    const reached = PROGRESSION.indexOf(order.status as (typeof PROGRESSION)[number]);
    const answer = { providerOrderId: order.providerOrderId };
    if (order.status !== 'CANCELLED' && reached >= limit) return void res.status(409).json({ ...answer, status: order.status });
    order.status = 'CANCELLED';
    res.json({ ...answer, status: 'CANCELLED' });
  }

  /** Logging and fault injection in front of every provider endpoint. */
  private async gate(req: express.Request, res: express.Response, next: express.NextFunction): Promise<void> {
    const provider = String(req.params.provider);
    const behavior = this.behaviors.get(provider);
    const path = req.path; // relative to /p/<provider>; Express restores the full path later
    const operation = operationOf(req.method, path);
    const logged: LoggedRequest = {
      receivedAt: Date.now(),
      at: 0,
      provider,
      method: req.method,
      path,
      operation,
      idempotencyKey: req.header('idempotency-key'),
      status: 0,
      inFlight: true,
    };
    this.requests.push(logged);
    res.on('close', () => Object.assign(logged, { at: Date.now(), inFlight: false, status: res.writableFinished ? res.statusCode : 0 }));
    if (!behavior) return void res.status(404).json({ error: `no provider ${provider}` });
    const faults: Partial<OperationFaults> = (operation && behavior.faults[operation]) || {};
    if (behavior.hangNext > 0 || (faults.hangNext ?? 0) > 0) {
      if (behavior.hangNext > 0) behavior.hangNext--;
      else faults.hangNext!--;
      await this.delay(behavior.hangMs);
      return void res.status(504).json({ error: 'simulated hang' });
    }
    const latency = behavior.latencyMs + (faults.latencyMs ?? 0);
    if (latency) await this.delay(latency);
    if (behavior.failNext > 0 || Math.random() < behavior.failureRate) {
      if (behavior.failNext > 0) behavior.failNext--;
      return void res.status(500).json({ error: 'simulated failure' });
    }
    if ((faults.failNext ?? 0) > 0) {
      faults.failNext!--;
      return void res.status(faults.failStatus ?? 500).json({ error: 'simulated failure' });
    }
    if ((faults.loseAnswerNext ?? 0) > 0) {
      faults.loseAnswerNext!--;
      this.holdAnswer(res, behavior.hangMs);
    }
    next();
  }

  /** The request is processed as usual; its answer leaves only after `ms`, if the caller is still there. */
  private holdAnswer(res: express.Response, ms: number): void {
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      this.after(ms, () => {
        if (!res.destroyed) send(body);
      });
      return res;
    };
  }

  private place(req: express.Request, res: express.Response): void {
    const provider = String(req.params.provider);
    const key = req.header('idempotency-key');
    if (!key) return void res.status(400).json({ error: 'Idempotency-Key required' });
    const known = this.byKey.get(`${provider}:${key}`);
    if (known) {
      const order = this.orders.get(known)!;
      return void res.status(200).json({ providerOrderId: order.providerOrderId, status: order.status });
    }
    if (this.voidedKeys.has(`${provider}:${key}`)) return void res.status(409).json({ status: 'CANCELLED', error: 'this placement was cancelled' });
    const behavior = this.behavior(provider);
    const order: SimulatedOrder = {
      provider,
      providerOrderId: `${provider}-${randomUUID().slice(0, 8)}`,
      orderId: req.body.orderId,
      reference: req.body.reference,
      idempotencyKey: key,
      items: req.body.items,
      status: behavior.reject ? 'REJECTED' : behavior.acceptAfterMs === 0 ? 'ACCEPTED' : 'PENDING',
      callbackUrl: req.body.callbackUrl,
      events: 0,
    };
    this.orders.set(order.providerOrderId, order);
    this.byKey.set(`${provider}:${key}`, order.providerOrderId);
    res.status(201).json({ providerOrderId: order.providerOrderId, status: order.status });
    if (order.status === 'ACCEPTED') this.scheduleProgress(order);
    else if (order.status === 'PENDING' && behavior.acceptAfterMs !== null) {
      this.after(behavior.acceptAfterMs, () => {
        if (order.status !== 'PENDING') return;
        order.status = 'ACCEPTED';
        this.notify(order, 'ACCEPTED');
        this.scheduleProgress(order);
      });
    }
  }

  private scheduleProgress(order: SimulatedOrder): void {
    const stepMs = this.behavior(order.provider).stepMs;
    if (stepMs === null) return;
    this.after(stepMs, () => {
      const index = PROGRESSION.indexOf(order.status as (typeof PROGRESSION)[number]);
      if (index < 0 || index === PROGRESSION.length - 1) return;
      order.status = PROGRESSION[index + 1]!;
      this.notify(order, order.status);
      this.scheduleProgress(order);
    });
  }

  /** Sends a signed webhook, retrying until our API answers 2xx (or a final 400/401/404). */
  private notify(order: SimulatedOrder, status: string): void {
    const secret = this.behavior(order.provider).webhookSecret;
    if (!secret || !order.callbackUrl) return;
    const body = JSON.stringify({
      eventId: `${order.providerOrderId}:${++order.events}`,
      providerOrderId: order.providerOrderId,
      orderId: order.orderId,
      status,
      occurredAt: new Date().toISOString(),
    });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const attempt = async (n: number): Promise<void> => {
      let answer: number | 'error';
      try {
        const response = await fetch(order.callbackUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signature },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        answer = response.status;
      } catch {
        answer = 'error';
      }
      this.webhooks.push({ at: Date.now(), provider: order.provider, providerOrderId: order.providerOrderId, status, attempt: n, answer });
      const final = typeof answer === 'number' && (answer < 300 || [400, 401, 404].includes(answer));
      if (!final && n < 60) this.after(Math.min(100 * 2 ** (n - 1), 2_000), () => void attempt(n + 1));
    };
    void attempt(1);
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
}

function operationOf(method: string, path: string): ProviderOperation | undefined {
  if (method === 'POST' && path === '/quotes') return 'quote';
  if (method === 'POST' && path === '/orders') return 'place';
  if (method === 'GET' && /^\/orders\/[^/]+$/.test(path)) return 'status';
  if (method === 'POST' && /^\/orders\/[^/]+\/cancel$/.test(path)) return 'cancel';
  if (method === 'POST' && /^\/placements\/[^/]+\/cancel$/.test(path)) return 'cancelPlacement';
  return undefined;
}

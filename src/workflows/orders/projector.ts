/**
 * Publishes the order's picture: appends history entries, keeps the Temporal search
 * attributes in step with the central status, and writes the read model through a
 * local activity per change (cheap: one marker event, no task-queue round trip).
 *
 * Determinism: the number and order of projection calls depend only on the workflow's
 * own logic (one per recorded change), never on how fast earlier writes completed —
 * coalescing writes by "is one still in flight?" made replays schedule different
 * commands, which test/replay caught.
 */
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { isFinal, type OrderStatus } from '../../domain/orders/status';
import { OrderStatus as OrderStatusAttribute, Providers } from '../search-attributes';
import { readModel } from './activities';
import { orderProjection } from './projection';
import type { HistoryEntry, OrderProjection, OrderState, OrderWorkflowInput } from './types';

export class Projector {
  private lastStatus: OrderStatus | undefined;
  private lastProviders: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Transactions and device commands already written by this run; later projections leave
   * them out (a hot order's ledger would otherwise be rewritten on every change). A new run
   * writes its carried ones once more, which the activity skips as duplicates. Bounded by the
   * run's length (continue-as-new starts a fresh set).
   */
  private readonly written = new Set<object>();

  constructor(
    private readonly input: OrderWorkflowInput,
    private readonly state: OrderState,
    private readonly currentStatus: () => OrderStatus,
  ) {
    // A continued run already published its status; a fresh one has published nothing.
    this.lastStatus = state.version > 0 ? currentStatus() : undefined;
    this.lastProviders = this.providers().join(',');
  }

  record(entry: Omit<HistoryEntry, 'seq' | 'at'>): void {
    const status = this.currentStatus();
    const changed = status !== this.lastStatus;
    const now = Date.now(); // workflow time: deterministic on replay
    this.state.receivedAt ??= now;
    this.state.unflushedHistory.push({
      ...entry,
      seq: this.state.nextSeq++,
      at: new Date(now).toISOString(),
      ...(changed ? { fromStatus: this.lastStatus, toStatus: status, details: { ...entry.details, ...this.durations(status, now) } } : {}),
    });
    if (changed) this.state.statusSince = now;
    if (changed) {
      log.info('order status changed', { orderId: this.input.orderId, from: this.lastStatus, to: status, reason: entry.reason });
      upsertSearchAttributes([{ key: OrderStatusAttribute, value: status }]);
      this.lastStatus = status;
    }
    const providers = this.providers();
    if (providers.join(',') !== this.lastProviders) {
      upsertSearchAttributes([{ key: Providers, value: providers }]);
      this.lastProviders = providers.join(',');
    }
    this.state.version++;
    const transactions = this.state.transactions.filter((tx) => !this.written.has(tx));
    const commands = this.state.commands.filter((command) => !this.written.has(command));
    this.write(this.snapshot(transactions, commands), [...transactions, ...commands]);
  }

  /** Resolves once every projection issued so far is written. */
  async flushed(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  private write(projection: OrderProjection, rows: object[]): void {
    const written = projection.history.at(-1)?.seq ?? 0;
    const call = readModel.projectOrder(projection).then(() => {
      // Entries up to this projection are stored; later projections need not carry them.
      this.state.unflushedHistory = this.state.unflushedHistory.filter((entry) => entry.seq > written);
      for (const row of rows) this.written.add(row);
    });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }

  private snapshot(transactions: OrderProjection['transactions'], commands: OrderProjection['commands']): OrderProjection {
    return orderProjection(this.input, this.state, this.currentStatus(), transactions, commands);
  }

  /** Seconds spent in the status being left, and for a final status the order's whole time. */
  private durations(next: OrderStatus, now: number): Record<string, number> {
    const seconds = (since: number | undefined) => (since === undefined ? undefined : (now - since) / 1000);
    const inPrevious = seconds(this.state.statusSince);
    const total = isFinal(next) ? seconds(this.state.receivedAt) : undefined;
    return { ...(inPrevious === undefined ? {} : { statusSeconds: inPrevious }), ...(total === undefined ? {} : { orderSeconds: total }) };
  }

  private providers(): string[] {
    const names = new Set([...this.input.items.map((item) => item.provider), ...this.state.subOrders.map((sub) => sub.provider)]);
    return [...names].sort();
  }
}

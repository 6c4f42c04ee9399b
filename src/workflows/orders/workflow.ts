/**
 * The order lifecycle: one durable workflow per order.
 *
 *   1. receive    record the order, learn how each provider is treated
 *   2. quote      ask every provider for its price, in parallel
 *   3. confirm    wait for the customer when a price was unknown or changed
 *   4. dispatch   one sub-order per provider, each driven on its own (place → accepted → … → delivered),
 *                 failing over to an alternate provider when one rejects or misses its SLA
 *   5. settle     until every sub-order is delivered, or the order is cancelled, force-completed,
 *                 or overruns its deadline
 *   6. compensate cancel what providers still hold and refund what was paid when the order did not complete
 *
 * Alongside, while the order is open: bill edits, payments and refunds (the ledger, ./ledger.ts),
 * and closing the order as sold once fully paid; devices' commands are taken once, in order.
 *
 * The central status is never stored: `deriveOrderStatus` computes it from this state
 * and it is published (read model + search attribute) whenever it changes.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  DeterminismViolationError,
  log,
  patched,
  setHandler,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { withLuhnCheckDigit } from '../../domain/loyalty/luhn';
import { enrolPurchaseForAccrual } from '../loyalty/hook';
import { formatMoney } from '../../domain/money';
import { actionReason, BILLING_ACTIONS, checkAction, commandType, type ActionContext, type Actor, type OrderAction } from '../../domain/orders/actions';
import { checkSequence, trimLog, type CommandRef } from '../../domain/orders/device-commands';
import { findRemembered, MAX_REMEMBERED_ACTIONS, type IdempotencyRef } from '../../domain/orders/idempotent-actions';
import { allDelivered, awaitsPayment, deriveOrderStatus, type OrderOutcome, type OrderStatus } from '../../domain/orders/status';
import { applyProviderReport, isLiveAtProvider, type ProviderReport } from '../../domain/orders/sub-orders';
import { cancellationKey, placementCancellationKey, placementKey } from '../../domain/orders/ids';
import { actSignal, actUpdate, providerEventUpdate, stateQuery } from './messages';
import { Ledger } from './ledger';
import { keyed, refusal } from './refusal';
import type { CancelResult } from '../../activities/providers/http-adapter';
import { Projector } from './projector';
import { providerCallsFor, readModel } from './activities';
import type {
  AbandonedPlacement,
  ActionRequest,
  ActionResult,
  HistoryEntry,
  OrderResult,
  OrderState,
  OrderWorkflowInput,
  ProviderEvent,
  ProviderEventResult,
  SubOrderState,
} from './types';

const SYSTEM: Actor = { role: 'system', id: 'workflow' };
const MAX_REMEMBERED_EVENTS = 500;
/** Device commands remembered for repeats; older ones are answered from the read model's command log. */
const MAX_REMEMBERED_COMMANDS = 200;
/**
 * Staff-only billing, bounded amounts and lines matched by price (src/domain/orders/actions.ts,
 * bill.ts) came after orders were recorded: their histories replay with the old rules.
 */
const BOUNDED_BILLING = 'bounded-billing';

export async function orderWorkflow(input: OrderWorkflowInput, carried?: OrderState): Promise<OrderResult> {
  return new OrderProcess(input, carried).run();
}

class OrderProcess {
  private readonly state: OrderState;
  private readonly projector: Projector;
  private readonly ledger: Ledger;
  private readonly resumed: boolean;
  /** Provider calls under way; continue-as-new waits for none. */
  private callsInFlight = 0;
  /**
   * Runs that began with the `order-lifecycle-v2` marker (every run started since) get: the status
   * that never steps back from IN_DELIVERY, placements only once the gate is open, abandoned placements
   * cancelled by their key, and AWAITING_PAYMENT. Replays of runs recorded before take the old paths.
   */
  private readonly v2: boolean;

  constructor(
    private readonly input: OrderWorkflowInput,
    carried?: OrderState,
  ) {
    this.v2 = patched('order-lifecycle-v2');
    this.resumed = carried !== undefined;
    this.state = carried ? withBillingDefaults(carried) : {
      phase: 'received',
      delayedByOperator: false,
      confirmed: false,
      gateOpen: false,
      providers: {},
      subOrders: [],
      total: 0,
      unflushedHistory: [],
      nextSeq: 1,
      version: 0,
      seenEventIds: [],
      adjustments: [],
      transactions: [],
      idempotentActions: [],
      ...originCommand(input),
    };
    this.projector = new Projector(input, this.state, () => this.status);
    this.ledger = new Ledger(this.state, (entry) => this.record(entry), () => this.status);
    this.registerHandlers();
  }

  get status(): OrderStatus {
    return deriveOrderStatus(this.state, this.v2 ? 2 : 1);
  }

  async run(): Promise<OrderResult> {
    void this.watchDeadline();
    if (this.v2) void this.collectPayment();
    if (!this.resumed) {
      this.record({ kind: 'status', actor: 'system', reason: 'order received' });
      await this.learnProviders();
      await this.quote();
      await this.awaitConfirmationIfNeeded();
      if (!this.state.outcome) this.dispatch();
    }
    for (const placement of this.abandoned()) if (placement.status === 'cancelling') this.cancelAbandoned(placement);
    const drivers = this.state.subOrders.map((sub) => this.drive(sub));

    await condition(() => this.decided() || this.shouldContinueAsNew());
    if (!this.decided()) return this.continueAsNew(drivers);
    await Promise.all(drivers);
    await this.compensate();
    if (!this.abandonedSettled()) await condition(() => this.abandonedSettled());
    await this.earnLoyaltyPoints();
    this.state.phase = 'closed';
    await condition(allHandlersFinished);
    await this.projector.flushed();
    return { status: this.status, reason: this.state.outcomeReason };
  }

  // ── 1. receive ──────────────────────────────────────────────────────────────────────────
  private async learnProviders(): Promise<void> {
    const chosen = [...new Set(this.input.items.map((item) => item.provider))];
    this.state.providers = await readModel.describeProviders(chosen);
  }

  // ── 2. quote: all providers at once (seed 001: sequential costing was the bottleneck) ────
  private async quote(): Promise<void> {
    const byProvider = groupBy(this.input.items, (item) => item.provider);
    try {
      const quotes = await Promise.all(
        [...byProvider].map(([provider, items]) => this.call(() => this.calls(provider).quote({ provider, items }))),
      );
      this.state.subOrders = quotes.map((quote) => ({
        key: quote.provider,
        provider: quote.provider,
        attempt: 1,
        status: 'PENDING',
        delayed: false,
        items: byProvider.get(quote.provider)!.map((item) => ({
          ...item,
          unitPrice: quote.lines.find((line) => line.sku === item.sku)?.unitPrice ?? item.unitPrice,
        })),
        total: quote.total,
        triedProviders: [quote.provider],
      }));
      this.state.total = quotes.reduce((sum, quote) => sum + quote.total, 0);
      this.record({ kind: 'sub-order', actor: 'system', reason: `quoted by ${quotes.length} provider(s)`, details: { total: this.state.total } });
    } catch (error) {
      this.decide('FAILED', SYSTEM, `could not get a quote: ${(error as Error).message}`);
    }
  }

  // ── 3. confirm ──────────────────────────────────────────────────────────────────────────
  /** A price the customer did not state, or one the provider changed, needs their yes. */
  private needsConfirmation(): boolean {
    return this.state.subOrders.some((sub) =>
      sub.items.some((item) => {
        const asked = this.input.items.find((i) => i.provider === sub.key && i.sku === item.sku)?.unitPrice;
        return asked === undefined || asked !== item.unitPrice;
      }),
    );
  }

  private async awaitConfirmationIfNeeded(): Promise<void> {
    if (this.state.outcome || !this.needsConfirmation()) return;
    this.state.phase = 'awaiting-confirmation';
    this.record({ kind: 'status', actor: 'system', reason: 'price quoted; waiting for the customer to confirm' });
    const answered = await condition(
      () => this.state.confirmed || this.decided(),
      Math.min(this.input.confirmationTimeoutMs, this.msUntilDeadline()),
    );
    if (!answered) this.decide('CANCELLED', SYSTEM, 'not confirmed in time');
  }

  // ── 4. dispatch: each sub-order is driven by its own loop ────────────────────────────────
  private dispatch(): void {
    this.state.phase = 'dispatched';
    const count = this.state.subOrders.length;
    const held = this.v2 && !this.gateOpenFor();
    this.record({
      kind: 'status',
      actor: 'system',
      reason: held ? `dispatched; placing with ${count} provider(s) once consumables are issued (gate closed)` : `dispatching to ${count} provider(s)`,
    });
  }

  /**
   * Moves one sub-order forward until it is closed or the order is decided. Resumable from state.
   * Nothing it meets may escape as an unhandled rejection (that would fail every workflow task of
   * the order): an unexpected error is recorded and leaves the sub-order FAILED for an operator.
   */
  private async drive(sub: SubOrderState): Promise<void> {
    if (this.state.phase !== 'dispatched') return;
    while (!this.decided()) {
      try {
        if ((await this.step(sub)) === 'closed') return;
      } catch (error) {
        if (error instanceof DeterminismViolationError) throw error;
        this.markFailed(sub, `driving the sub-order failed: ${messageOf(error)}`);
      }
    }
  }

  private async step(sub: SubOrderState): Promise<'closed' | undefined> {
    switch (sub.status) {
      case 'PENDING':
        // Seed 004's gate: nothing is placed (so no provider can start) before consumables are issued.
        if (this.v2 && !this.gateOpenFor()) await condition(() => this.gateOpenFor() || this.decided());
        else await this.place(sub);
        return undefined;
      case 'PLACED':
        await this.awaitAcceptance(sub);
        return undefined;
      case 'FAILED':
        await condition(() => sub.status !== 'FAILED' || this.decided());
        return undefined;
      case 'DELIVERED':
      case 'CANCELLED':
        this.settleIfDelivered();
        return 'closed';
      default:
        await this.awaitProgress(sub);
        return undefined;
    }
  }

  private async place(sub: SubOrderState): Promise<void> {
    const policy = this.policy(sub.provider);
    try {
      const placed = await this.call(() =>
        this.calls(sub.provider).place({
          provider: sub.provider,
          idempotencyKey: placementKey(this.input.orderId, sub.provider, sub.attempt),
          orderId: this.input.orderId,
          subOrder: sub.key,
          items: sub.items,
          delivery: this.input.delivery,
        }),
      );
      sub.providerOrderId = placed.providerOrderId;
      sub.acceptBy = Date.now() + policy.acceptSlaMs;
      sub.status = 'PLACED';
      this.record({ kind: 'sub-order', actor: 'system', reason: `placed with ${sub.provider}`, details: subDetails(sub) });
      if (placed.report) this.applyReport(sub, placed.report, 'provider:' + sub.provider);
    } catch (error) {
      const reason = `placing with ${sub.provider} failed: ${messageOf(error)}`;
      // Its answer may have been lost after the provider created the sub-order: cancel it there by its key.
      this.abandon(sub, reason);
      await this.failOver(sub, reason);
    }
  }

  private async awaitAcceptance(sub: SubOrderState): Promise<void> {
    await this.awaitChange(sub, () => sub.status !== 'PLACED' || sub.rejected === true, sub.acceptBy! - Date.now());
    if (this.decided()) return;
    if (sub.rejected) {
      sub.rejected = false;
      return this.failOver(sub, `${sub.provider} rejected the sub-order`);
    }
    if (sub.status !== 'PLACED') return; // accepted (or further) in time
    const reason = `${sub.provider} did not accept within its SLA (${this.policy(sub.provider).acceptSlaMs / 1000} s)`;
    // If the provider accepted in the meantime it refuses the cancel and its answer advances the sub-order.
    if (await this.cancelAtProvider(sub, reason)) await this.failOver(sub, reason);
    else if (sub.status === 'PLACED') this.markFailed(sub, `${reason}, and it refused to cancel`);
  }

  private async awaitProgress(sub: SubOrderState): Promise<void> {
    const before = sub.status;
    await this.awaitChange(sub, () => sub.status !== before, Infinity);
  }

  /**
   * Waits until `changed()` or the timeout; for providers without webhooks, polls
   * their status on a durable timer meanwhile. Returns whether it changed.
   */
  private async awaitChange(sub: SubOrderState, changed: () => boolean, timeoutMs: number): Promise<boolean> {
    const policy = this.policy(sub.provider);
    const until = Date.now() + timeoutMs;
    for (;;) {
      const remaining = until - Date.now();
      if (remaining <= 0) return changed();
      const step = policy.tracking === 'poll' ? Math.min(policy.pollIntervalMs, remaining) : remaining;
      const wake = () => changed() || this.decided();
      const done = Number.isFinite(step) ? await condition(wake, step) : (await condition(wake), true);
      if (done) return changed();
      if (policy.tracking === 'poll' && sub.providerOrderId) await this.poll(sub);
    }
  }

  private async poll(sub: SubOrderState): Promise<void> {
    try {
      const { report } = await this.call(() =>
        this.calls(sub.provider).poll({ provider: sub.provider, providerOrderId: sub.providerOrderId! }),
      );
      if (report) this.applyReport(sub, report, `provider:${sub.provider}`); // a refused report is recorded there
    } catch (error) {
      // An unreachable provider is asked again on the next tick; the SLA and deadline still run.
      log.warn('status poll failed', { provider: sub.provider, error: (error as Error).message });
    }
  }

  /** Moves the sub-order to the next alternate provider, or marks it FAILED for an operator. */
  private async failOver(sub: SubOrderState, reason: string): Promise<void> {
    const next = this.policy(sub.key).alternates.find((name) => !sub.triedProviders.includes(name));
    if (!next || this.decided()) return this.markFailed(sub, reason);
    if (!this.state.providers[next]) Object.assign(this.state.providers, await readModel.describeProviders([next]));
    Object.assign(sub, { provider: next, attempt: sub.attempt + 1, status: 'PENDING', providerOrderId: undefined, note: reason });
    sub.triedProviders.push(next);
    this.record({ kind: 'sub-order', actor: 'system', reason: `${reason}; moving to ${next}`, details: subDetails(sub) });
  }

  private markFailed(sub: SubOrderState, reason: string): void {
    sub.status = 'FAILED';
    sub.note = reason;
    this.record({ kind: 'sub-order', actor: 'system', reason: `${reason}; waiting for an operator`, details: subDetails(sub) });
  }

  // ── abandoned placements: replaced by another attempt, cancelled at their provider by key ──
  private abandoned(): readonly AbandonedPlacement[] {
    return this.state.abandoned ?? [];
  }

  /** Keeps the sub-order's current placement for cancelling by its key, in the background. */
  private abandon(sub: SubOrderState, reason: string): void {
    if (!this.v2 || this.abandoned().some((p) => p.subOrder === sub.key && p.attempt === sub.attempt)) return;
    const placement: AbandonedPlacement = {
      subOrder: sub.key,
      provider: sub.provider,
      attempt: sub.attempt,
      providerOrderId: sub.providerOrderId,
      reason,
      status: 'cancelling',
    };
    (this.state.abandoned ??= []).push(placement);
    this.cancelAbandoned(placement);
  }

  /** Retried like compensation, until the provider answers; continue-as-new and the order's end wait for it. */
  private cancelAbandoned(placement: AbandonedPlacement): void {
    const { provider, attempt } = placement;
    const what = `the abandoned placement (attempt ${attempt}) at ${provider}`;
    void this.call(async () => {
      let note: string;
      try {
        const result = await this.calls(provider).cancelPlacement({
          provider,
          placementKey: placementKey(this.input.orderId, provider, attempt),
          idempotencyKey: placementCancellationKey(this.input.orderId, provider, attempt),
          reason: placement.reason,
        });
        placement.providerOrderId = result.providerOrderId ?? placement.providerOrderId;
        placement.status = result.cancelled ? 'cancelled' : 'refused';
        note = result.cancelled
          ? `cancelled ${what}${placement.providerOrderId ? ` (${placement.providerOrderId})` : ': nothing had been placed'}`
          : `${provider} refused to cancel ${what} (it reports ${result.providerStatus ?? 'nothing'})`;
      } catch (error) {
        placement.status = 'refused';
        note = `${provider} refused to cancel ${what}: ${messageOf(error)}`;
      }
      this.record({ kind: 'sub-order', actor: 'system', reason: note, details: { subOrder: placement.subOrder, provider, attempt, abandoned: placement.status } });
    });
  }

  private abandonedSettled(): boolean {
    return this.abandoned().every((p) => p.status !== 'cancelling');
  }

  // ── everything delivered: complete, or wait for the rest of a bill being paid ─────────────
  private settleIfDelivered(): void {
    if (!allDelivered(this.state.subOrders) || this.state.phase !== 'dispatched') return;
    const bill = { transactions: this.state.transactions.length, createdByDevice: this.input.origin !== undefined, balanceDue: this.ledger.balanceDue() };
    if (this.v2 && awaitsPayment(bill)) {
      this.state.phase = 'awaiting-payment';
      this.record({ kind: 'status', actor: 'system', reason: `every sub-order delivered; waiting for the ${formatMoney(bill.balanceDue)} still due` });
      return;
    }
    this.decide('COMPLETED', SYSTEM, 'every sub-order delivered');
  }

  /** Seed 002: closed as sold when fully paid, by the payment (or edit) that leaves nothing due. */
  private async collectPayment(): Promise<void> {
    await condition(() => this.decided() || (this.state.phase === 'awaiting-payment' && this.ledger.balanceDue() <= 0));
    if (!this.decided()) this.decide('COMPLETED', SYSTEM, 'every sub-order delivered and paid in full');
  }

  // ── 5. settle: messages from operators, customers and providers ─────────────────────────
  private registerHandlers(): void {
    setHandler(stateQuery, () => ({ status: this.status, state: this.state, input: this.input }));
    setHandler(
      actUpdate,
      async (request) => {
        try {
          if (request.command || BILLING_ACTIONS.has(request.action.type)) return await this.actOnBillOrCommand(request);
          const result = this.act(request, false);
          // A confirmation answers once the order is on its way, so the caller sees DISPATCHED.
          if (request.action.type === 'confirm') await condition(() => this.state.phase !== 'awaiting-confirmation');
          return request.action.type === 'confirm' ? { status: this.status } : result;
        } catch (error) {
          throw this.asRefusal(error);
        }
      },
      { validator: (request) => this.validate(request) },
    );
    setHandler(actSignal, (request) => {
      const legacyRules = !patched(BOUNDED_BILLING);
      try {
        // Signals come unchecked from the Temporal UI or CLI: whatever is in them, the order goes on.
        const verdict = checkAction(this.actionContext(legacyRules), request.action, request.actor);
        if (verdict.ok) this.act(request, legacyRules);
        else this.record({ kind: 'action', actor: actorName(request.actor), reason: `refused ${request.action.type}: ${verdict.reason}` });
      } catch (error) {
        this.asRefusal(error); // logged; a signal has no caller to answer
      }
    });
    setHandler(
      providerEventUpdate,
      (event) => {
        try {
          return this.onProviderEvent(event);
        } catch (error) {
          throw this.asRefusal(error);
        }
      },
      { validator: (event) => this.validateProviderEvent(event) },
    );
  }

  /**
   * A plain error thrown by a handler would fail the workflow task, which Temporal retries
   * forever: the order would jam. Validation is meant to make that impossible; should one
   * slip through anyway, the update is refused (`action_failed`) and the order goes on.
   */
  private asRefusal(error: unknown): unknown {
    if (error instanceof TemporalFailure) return error;
    log.error('a message handler failed; the message is refused', { error: String(error) });
    return refusal('action_failed', `the order could not apply this request: ${(error as Error)?.message ?? String(error)}`, this.status);
  }

  /** `legacyRules`: only when replaying a history recorded before BOUNDED_BILLING. */
  private actionContext(legacyRules = false): ActionContext {
    return {
      status: this.status,
      gateRequired: this.input.requiresGate,
      gateOpen: this.state.gateOpen,
      subOrders: this.state.subOrders,
      total: this.ledger.total(),
      lines: this.ledger.lines(),
      adjustments: this.state.adjustments.length,
      transactions: this.state.transactions,
      legacyRules,
    };
  }

  private validate({ action, actor, command, idempotency }: ActionRequest): void {
    if (command) {
      // A device's next command is taken even when its action is refused (it is logged as
      // rejected), so one refused command never blocks the device's later ones.
      const sequence = checkSequence(this.state.deviceSeq[command.deviceId] ?? 0, this.state.commands, command);
      if (sequence.kind === 'refused') throw refusal(sequence.code, sequence.reason, this.status, { expectedSeq: sequence.expectedSeq });
      return;
    }
    if (idempotency) {
      const remembered = findRemembered(this.state.idempotentActions, idempotency);
      if (remembered.kind === 'repeat') return; // answered with the first result, whatever the order's state now
      if (remembered.kind === 'conflict') throw refusal('idempotency_conflict', remembered.reason, this.status);
    }
    if (BILLING_ACTIONS.has(action.type) && this.state.phase === 'received') return; // checked once quoted
    const verdict = checkAction(this.actionContext(), action, actor);
    if (!verdict.ok) throw refusal(verdict.code, verdict.reason, this.status, verdict.details);
  }

  /**
   * Billing actions need the quoted total, so they wait for the quote; device commands are
   * checked against the device's sequence again after that wait, then applied or logged as rejected.
   */
  private async actOnBillOrCommand(request: ActionRequest): Promise<ActionResult> {
    const { action, actor, command, idempotency } = request;
    if (BILLING_ACTIONS.has(action.type)) await condition(() => this.state.phase !== 'received' || this.decided());
    if (command) {
      const sequence = checkSequence(this.state.deviceSeq[command.deviceId] ?? 0, this.state.commands, command);
      if (sequence.kind === 'repeat') return sequence.entry.result;
      if (sequence.kind === 'refused') throw refusal(sequence.code, sequence.reason, this.status, { expectedSeq: sequence.expectedSeq });
    }
    if (idempotency) {
      const remembered = findRemembered(this.state.idempotentActions, idempotency);
      if (remembered.kind === 'repeat') return remembered.result;
      if (remembered.kind === 'conflict') throw refusal('idempotency_conflict', remembered.reason, this.status);
    }
    const legacyRules = !patched(BOUNDED_BILLING);
    const verdict = checkAction(this.actionContext(legacyRules), action, actor);
    if (!verdict.ok && !command) throw refusal(verdict.code, verdict.reason, this.status, verdict.details);
    const fingerprint = command?.fingerprint ?? idempotency?.fingerprint;
    const result: ActionResult = verdict.ok
      ? { balanceDue: this.ledger.balanceDue(), ...this.act(request, legacyRules), outcome: 'applied' }
      : { status: this.status, balanceDue: this.ledger.balanceDue(), outcome: 'rejected', code: verdict.code, reason: verdict.reason, details: verdict.details };
    if (fingerprint) result.fingerprint = fingerprint;
    if (command) this.takeCommand(command, action, actor, result);
    if (idempotency) this.remember(idempotency, result);
    return result;
  }

  private remember(idempotency: IdempotencyRef, result: ActionResult): void {
    this.state.idempotentActions = trimLog([...this.state.idempotentActions, { ...idempotency, result }], MAX_REMEMBERED_ACTIONS);
  }

  private takeCommand(command: CommandRef, action: OrderAction, actor: Actor, result: ActionResult): void {
    const at = new Date(Date.now()).toISOString();
    this.state.deviceSeq[command.deviceId] = command.seq;
    const type = commandType(action);
    const entry = { ...command, type, outcome: result.outcome ?? 'applied', result, at };
    this.state.commands = trimLog([...this.state.commands, entry], MAX_REMEMBERED_COMMANDS);
    const reason = `device command ${command.seq} (${type}) ${entry.outcome}${result.reason ? `: ${result.reason}` : ''}`;
    this.record({ kind: 'action', actor: actorName(actor), reason, details: { commandId: command.commandId, seq: command.seq } });
  }

  private act({ action, actor, idempotency }: ActionRequest, legacyRules: boolean): ActionResult {
    if (action.type === 'pay' || action.type === 'refund' || action.type === 'editItems') return this.ledger.apply(action, actorName(actor), legacyRules, idempotency);
    const who = actorName(actor);
    const reason = actionReason(action);
    this.record({ kind: 'action', actor: who, reason, details: { action: action.type, ...keyed(idempotency) } });
    switch (action.type) {
      case 'confirm':
        this.state.confirmed = true;
        break;
      case 'cancel':
        this.decide('CANCELLED', actor, reason);
        break;
      case 'complete':
        this.decide('COMPLETED', actor, reason);
        break;
      case 'markDelayed':
        this.state.delayedByOperator = true;
        this.record({ kind: 'status', actor: who, reason });
        break;
      case 'openGate':
        this.state.gateOpen = true;
        break;
      case 'retrySubOrder': {
        const sub = this.state.subOrders.find((s) => s.key === action.subOrder)!;
        // The failed attempt may still live at the provider (e.g. it refused to cancel): cancel it there.
        this.abandon(sub, `${who} retried the sub-order`);
        Object.assign(sub, { status: 'PENDING', attempt: sub.attempt + 1, providerOrderId: undefined, note: undefined });
        this.record({ kind: 'sub-order', actor: who, reason: `retry with ${sub.provider}`, details: subDetails(sub) });
        break;
      }
      case 'close':
        this.decide('COMPLETED', actor, 'sold: closed fully paid');
        break;
      case 'invalid':
        break; // never valid: checkAction refuses it
    }
    return { status: this.status };
  }

  /** The sub-order an event is about: the same provider and provider order id (ids are only unique per provider). */
  private subOrderOf(event: ProviderEvent): SubOrderState | undefined {
    return this.state.subOrders.find((s) => s.providerOrderId === event.providerOrderId && s.provider === event.provider);
  }

  private validateProviderEvent(event: ProviderEvent): void {
    if (this.state.seenEventIds.includes(event.eventId)) return;
    const sub = this.subOrderOf(event);
    if (!sub && this.isAbandoned(event)) return; // answered "ignored", so the provider stops retrying
    if (!sub) throw refusal('unknown_sub_order', `no sub-order ${event.providerOrderId} of ${event.provider}`, this.status);
    const outcome = applyProviderReport(sub.status, event.report, this.gateOpenFor());
    if (outcome.kind === 'refused') throw refusal(outcome.code, outcome.reason, this.status);
  }

  private isAbandoned(event: ProviderEvent): boolean {
    return this.abandoned().some((p) => p.provider === event.provider && p.providerOrderId === event.providerOrderId);
  }

  private onProviderEvent(event: ProviderEvent): ProviderEventResult {
    if (this.state.seenEventIds.includes(event.eventId)) return { outcome: 'duplicate', status: this.status };
    this.state.seenEventIds = [...this.state.seenEventIds, event.eventId].slice(-MAX_REMEMBERED_EVENTS);
    const sub = this.subOrderOf(event);
    if (!sub) return { outcome: 'ignored', status: this.status, reason: 'this placement was abandoned and is cancelled' };
    const ignored = this.applyReport(sub, event.report, `provider:${event.provider}`);
    return ignored ? { outcome: 'ignored', status: this.status, reason: ignored } : { outcome: 'applied', status: this.status };
  }

  /** Applies a provider's report to a sub-order; returns why it was ignored, if it was. */
  private applyReport(sub: SubOrderState, report: ProviderReport, actor: string): string | undefined {
    const outcome = applyProviderReport(sub.status, report, this.gateOpenFor());
    switch (outcome.kind) {
      case 'advance':
        sub.status = outcome.status;
        sub.delayed = false;
        this.state.delayedByOperator = false;
        break;
      case 'delayed':
        sub.delayed = true;
        break;
      case 'rejected-by-provider':
        sub.rejected = true; // the sub-order's driver fails it over
        break;
      case 'failed-by-provider':
        sub.status = 'FAILED';
        sub.note = `${sub.provider} reported ${report}`;
        break;
      case 'ignored':
        return outcome.reason;
      case 'refused':
        this.recordRefusal(sub, report, actor, outcome.reason);
        return outcome.reason;
    }
    this.record({ kind: 'provider-report', actor, reason: report, details: subDetails(sub) });
    return undefined;
  }

  /**
   * A polled (or cancel-answered) report of work started while the gate is closed is refused and
   * recorded once per report. Webhook reports are refused before this (409; the provider retries).
   * Runs before this existed switch it on when they first meet such a report (patched()).
   */
  private recordRefusal(sub: SubOrderState, report: ProviderReport, actor: string, reason: string): void {
    if (sub.refusedReport === report || !(this.v2 || patched('record-refused-reports'))) return;
    sub.refusedReport = report;
    this.record({ kind: 'provider-report', actor, reason: `refused ${report}: ${reason}`, details: subDetails(sub) });
  }

  private gateOpenFor(): boolean {
    return !this.input.requiresGate || this.state.gateOpen;
  }

  /** The deadline is for fulfilment: an order whose providers all delivered is not failed by it. */
  private async watchDeadline(): Promise<void> {
    const settled = await condition(() => this.decided() || this.state.phase === 'awaiting-payment', Math.max(this.msUntilDeadline(), 1));
    if (!settled) this.decide('FAILED', SYSTEM, 'overall deadline passed');
  }

  // ── 6. compensate ───────────────────────────────────────────────────────────────────────
  /** An order that did not complete releases what providers still hold; each call is idempotent. */
  private async compensate(): Promise<void> {
    if (this.state.outcome === 'COMPLETED') return;
    this.state.phase = 'closing';
    // What the customer paid goes back: one refund per payment, ids derived from the payment's.
    this.ledger.refundEverything(this.state.outcomeReason, actorName(SYSTEM));
    // A FAILED sub-order may still be held by its provider (e.g. it refused an earlier cancel): ask again.
    const held = (sub: SubOrderState) => isLiveAtProvider(sub.status) || (this.v2 && sub.status === 'FAILED' && sub.providerOrderId !== undefined);
    await Promise.all(this.state.subOrders.filter(held).map((sub) => this.cancelAtProvider(sub, this.state.outcomeReason ?? 'order closed')));
  }

  /**
   * Returns whether the provider cancelled (a 404 — it no longer has the sub-order — counts as
   * cancelled); a 409 refusal carries its current status, which is applied. Any other refusal (a
   * final 4xx) is recorded and leaves the sub-order FAILED for an operator: it never escapes.
   */
  private async cancelAtProvider(sub: SubOrderState, reason: string): Promise<boolean> {
    if (!sub.providerOrderId) return true;
    let result: CancelResult;
    try {
      result = await this.call(() =>
        this.calls(sub.provider).cancel({
          provider: sub.provider,
          providerOrderId: sub.providerOrderId!,
          idempotencyKey: cancellationKey(this.input.orderId, sub.provider, sub.attempt),
          reason,
        }),
      );
    } catch (error) {
      this.markFailed(sub, `${sub.provider} refused to cancel: ${messageOf(error)}`);
      return false;
    }
    if (result.cancelled) {
      sub.status = 'CANCELLED';
      sub.note = result.unknownToProvider ? `${sub.provider} no longer has it (${reason})` : `cancelled at ${sub.provider}: ${reason}`;
    } else {
      sub.note = `${sub.provider} refused to cancel (it reports ${result.providerStatus ?? 'nothing'})`;
      if (result.providerStatus) this.applyReport(sub, result.providerStatus, `provider:${sub.provider}`);
    }
    this.record({ kind: 'sub-order', actor: 'system', reason: sub.note, details: subDetails(sub) });
    return result.cancelled;
  }

  /**
   * A completed purchase of a loyalty user earns points without a manual upload: its
   * number (with a Luhn check digit, as the loyalty contract requires) starts the same
   * accrual workflow an upload would. Added after orders were recorded, hence patched().
   */
  private async earnLoyaltyPoints(): Promise<void> {
    if (this.state.outcome !== 'COMPLETED' || !patched('earn-loyalty-points')) return;
    const number = withLuhnCheckDigit(String(this.input.number));
    if (await enrolPurchaseForAccrual({ customerId: this.input.customerId, number })) {
      this.record({ kind: 'action', actor: 'system', reason: `loyalty: purchase ${number} registered for points` });
    }
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.callsInFlight++;
    try {
      return await fn();
    } finally {
      this.callsInFlight--;
    }
  }

  private decided(): boolean {
    return this.state.outcome !== undefined;
  }

  private decide(outcome: OrderOutcome, actor: Actor, reason: string): void {
    if (this.state.outcome) return;
    this.state.outcome = outcome;
    this.state.outcomeReason = reason;
    this.record({ kind: 'status', actor: actorName(actor), reason });
  }

  private policy(provider: string) {
    const policy = this.state.providers[provider];
    if (!policy) throw new Error(`no policy for provider ${provider}`);
    return policy;
  }

  private calls(provider: string) {
    return providerCallsFor(this.policy(provider));
  }

  private msUntilDeadline(): number {
    return Date.parse(this.input.deadlineAt) - Date.now();
  }

  /** Appends to the history and publishes the (possibly changed) status. */
  private record(entry: Omit<HistoryEntry, 'seq' | 'at'>): void {
    this.projector.record(entry);
  }

  /** Long-lived orders: start a fresh history at a quiet moment, carrying the state. */
  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const limit = this.input.historyEventLimit;
    const due = info.continueAsNewSuggested || (limit !== undefined && info.historyLength > limit);
    return due && this.callsInFlight === 0 && allHandlersFinished();
  }

  private async continueAsNew(drivers: Promise<void>[]): Promise<never> {
    void drivers; // their progress lives in `state`; the next run resumes them from it
    await this.projector.flushed();
    log.info('continuing as new', { historyLength: workflowInfo().historyLength });
    return continueAsNew<typeof orderWorkflow>(this.input, this.state);
  }
}

/** State carried from a run that predates billing has none of its fields. */
function withBillingDefaults(state: OrderState): OrderState {
  state.adjustments ??= [];
  state.transactions ??= [];
  state.deviceSeq ??= {};
  state.commands ??= [];
  state.idempotentActions ??= [];
  return state;
}

/** An order created offline by a device: its create command is that device's number 1 for the order. */
function originCommand(input: OrderWorkflowInput): Pick<OrderState, 'deviceSeq' | 'commands'> {
  const origin = input.origin;
  if (!origin) return { deviceSeq: {}, commands: [] };
  const result: ActionResult = { status: 'RECEIVED', outcome: 'applied' };
  const at = new Date(Date.now()).toISOString();
  return {
    deviceSeq: { [origin.deviceId]: 1 },
    commands: [{ deviceId: origin.deviceId, commandId: origin.commandId, seq: 1, type: 'create', outcome: 'applied', result, at }],
  };
}

/** An activity's failure says only "Activity task failed"; its cause says what the provider answered. */
function messageOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (error as Error).message;
}

function actorName(actor: Actor): string {
  return `${actor.role}:${actor.id}`;
}

function subDetails(sub: SubOrderState): Record<string, unknown> {
  return { subOrder: sub.key, provider: sub.provider, attempt: sub.attempt, status: sub.status };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

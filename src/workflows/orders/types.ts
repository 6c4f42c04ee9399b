/**
 * The order workflow's data: its input (from the API), its state (carried across
 * continue-as-new), and the projection it publishes to the read model. Plain data only.
 */
import type { Actor, OrderAction } from '../../domain/orders/actions';
import type { OrderOutcome, OrderPhase, OrderStatus } from '../../domain/orders/status';
import type { ProviderReport, SubOrderStatus } from '../../domain/orders/sub-orders';
import type { Cents } from '../../domain/money';
import type { Adjustment } from '../../domain/orders/bill';
import type { CommandLogEntry, CommandRef } from '../../domain/orders/device-commands';
import type { IdempotencyRef, RememberedAction } from '../../domain/orders/idempotent-actions';
import type { Transaction } from '../../domain/payments';

export interface OrderItem {
  provider: string;
  sku: string;
  quantity: number;
  /** Absent when the item is "to be quoted" by its provider. */
  unitPrice?: Cents | undefined;
}

export interface Delivery {
  address: string;
  contactName?: string | undefined;
  contactPhone?: string | undefined;
  notes?: string | undefined;
}

export interface OrderWorkflowInput {
  orderId: string;
  number: number;
  customerId: string;
  items: OrderItem[];
  delivery: Delivery;
  /** Wait for consumables to be issued before providers may start work (seed 004). */
  requiresGate: boolean;
  /** The order fails and is compensated if not finished by then (ISO time). */
  deadlineAt: string;
  /** How long a quoted order waits for the customer's confirmation. */
  confirmationTimeoutMs: number;
  /** Continue as new past this many history events (default: when the server suggests it). */
  historyEventLimit?: number | undefined;
  /** Set when a point-of-sale device created the order offline: its create command is the device's number 1. */
  origin?: DeviceOrigin | undefined;
}

export interface DeviceOrigin {
  deviceId: string;
  commandId: string;
  localId: string;
}

/** How the workflow treats one provider; snapshotted from the registry at start. */
export interface ProviderPolicy {
  name: string;
  /** Status updates arrive by webhook, or must be polled. */
  tracking: 'webhook' | 'poll';
  pollIntervalMs: number;
  /** A placed sub-order not accepted within this is cancelled and moved on. */
  acceptSlaMs: number;
  /** Providers that can take over this provider's items, in order of preference. */
  alternates: string[];
  /** Longest a single HTTP call to this provider may take. */
  callTimeoutMs: number;
}

export interface QuoteLine {
  sku: string;
  quantity: number;
  unitPrice: Cents;
}

export interface Quote {
  provider: string;
  lines: QuoteLine[];
  total: Cents;
}

export interface SubOrderState {
  /** The provider the customer chose for these items; names the sub-order for its whole life. */
  key: string;
  /** The provider fulfilling it now (differs from `key` after a failover). */
  provider: string;
  /** 1 for the first placement; every failover or retry is a new attempt with its own idempotency key. */
  attempt: number;
  status: SubOrderStatus;
  delayed: boolean;
  items: OrderItem[];
  total: Cents;
  providerOrderId?: string | undefined;
  /** Epoch ms by which a placed sub-order must be accepted. */
  acceptBy?: number | undefined;
  triedProviders: string[];
  /** The provider rejected the placement; the sub-order's driver moves it on. */
  rejected?: boolean | undefined;
  /** The last report refused (work started while the gate was closed), recorded once. */
  refusedReport?: ProviderReport | undefined;
  note?: string | undefined;
}

/**
 * A placement given up on (failed over or retried) that the provider may still hold, e.g. one whose
 * answer was lost: it is cancelled by its idempotency key before the order ends.
 */
export interface AbandonedPlacement {
  subOrder: string;
  provider: string;
  attempt: number;
  /** Known when the placement was answered, or once the provider's cancel answer names it. */
  providerOrderId?: string | undefined;
  reason: string;
  status: 'cancelling' | 'cancelled' | 'refused';
}

export type HistoryKind = 'status' | 'action' | 'sub-order' | 'provider-report' | 'payment';

export interface HistoryEntry {
  seq: number;
  at: string;
  kind: HistoryKind;
  actor: string;
  fromStatus?: OrderStatus | undefined;
  toStatus?: OrderStatus | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface OrderState {
  phase: OrderPhase;
  outcome?: OrderOutcome | undefined;
  outcomeReason?: string | undefined;
  delayedByOperator: boolean;
  confirmed: boolean;
  gateOpen: boolean;
  providers: Record<string, ProviderPolicy>;
  subOrders: SubOrderState[];
  total: Cents;
  /** Workflow time of the first record, and of the last status change (for the duration metrics). */
  receivedAt?: number | undefined;
  statusSince?: number | undefined;
  /** History entries not yet written to the read model, and the next sequence number. */
  unflushedHistory: HistoryEntry[];
  nextSeq: number;
  version: number;
  /** Placements being (or already) cancelled because another attempt replaced them; absent in runs before they existed. */
  abandoned?: AbandonedPlacement[] | undefined;
  /** Recent provider event ids, so a redelivered webhook is applied once. */
  seenEventIds: string[];
  /** Bill edits since the quote (added to `total`), payments and refunds: the ledger's source of truth. */
  adjustments: Adjustment[];
  transactions: Transaction[];
  /** Per device, the last command number taken, and the recent commands' results (for repeats). */
  deviceSeq: Record<string, number>;
  commands: CommandLogEntry<ActionResult>[];
  /** Recent bill edits and closes sent with an Idempotency-Key, with their answers (src/domain/orders/idempotent-actions.ts). */
  idempotentActions: RememberedAction<ActionResult>[];
}

/** What the projection activity writes: the whole current picture, idempotently. */
export interface OrderProjection {
  orderId: string;
  version: number;
  status: OrderStatus;
  /** After edits. */
  total: Cents;
  outcomeReason?: string | undefined;
  gateRequired: boolean;
  gateOpen: boolean;
  subOrders: SubOrderState[];
  history: HistoryEntry[];
  adjustments: Adjustment[];
  /** Transactions and device commands not yet written by this run (rows are keyed, written once). */
  transactions: Transaction[];
  commands: CommandLogEntry<ActionResult>[];
}

export interface ActionRequest {
  action: OrderAction;
  actor: Actor;
  /** A device's command: taken exactly once, in the device's order (src/domain/orders/device-commands.ts). */
  command?: CommandRef | undefined;
  /** A REST bill edit or close sent with an Idempotency-Key: applied once, repeats get the first answer. */
  idempotency?: IdempotencyRef | undefined;
}

export interface ActionResult {
  status: OrderStatus;
  /** For billing actions: the balance due after the action, and the transaction it recorded (or repeated). */
  balanceDue?: Cents | undefined;
  transaction?: Transaction | undefined;
  /** For device commands: `rejected` when the order's state did not allow it (the command is still taken). */
  outcome?: 'applied' | 'rejected' | undefined;
  code?: string | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
  /** Of an idempotent request (device command, keyed action): the caller compares it with its own to tell a repeat from a conflict. */
  fingerprint?: string | undefined;
}

export interface ProviderEvent {
  eventId: string;
  providerOrderId: string;
  report: ProviderReport;
  provider: string;
}

export interface ProviderEventResult {
  outcome: 'applied' | 'duplicate' | 'ignored';
  status: OrderStatus;
  reason?: string | undefined;
}

export interface OrderResult {
  status: OrderStatus;
  reason?: string | undefined;
}

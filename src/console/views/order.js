// One order: summary, actions (each a call to the order's REST endpoint, whose refusal
// is shown as the server gave it), items, sub-orders per provider, payments and the due
// amount, the loyalty accrual, the status timeline drawn from the history, and the
// work-queue item if this operator holds it.
//
// A held item's lease is renewed only while the operator is active here (a click, a key,
// typing a reason; opening the order counts), never by the view's own polling: an operator
// who walks away from an open tab loses the item after the lease (QUEUE_LEASE_SECONDS).
import { api, requestSequence } from '../api.js';
import { ago, duration, h, mount, statusBadge, time } from '../dom.js';
import { failureBox, successBox } from './failure.js';

/** Renew at most this often (or three times per lease, if shorter), and only after activity. */
const RENEW_EVERY_MS = 30_000;
const ACTIVITY_EVENTS = ['click', 'keydown', 'input'];

export async function renderOrder(root, [id]) {
  const summary = h('section', { id: 'summary' });
  const holder = h('section', { id: 'holder' });
  const outcome = h('div', { id: 'action-result' });
  const reason = h('input', { id: 'reason', type: 'text', placeholder: 'reason (required for cancel, complete, delay)', size: 50 });
  const actionsBar = h('div', { class: 'buttons' });
  const body = h('div', { id: 'order-body' });
  const lease = { lastActivity: Date.now(), lastRenew: 0, renewEveryMs: RENEW_EVERY_MS, held: undefined, finishing: false };

  const view = h(
    'div',
    { class: 'order-view' },
    h('p', {}, h('a', { href: '#/orders' }, '← all orders')),
    summary,
    holder,
    h('section', { class: 'card actions' }, h('h2', {}, 'Actions'), h('label', { for: 'reason' }, 'Reason '), reason, actionsBar, outcome),
    body,
  );
  // On this view's own element, so the listeners go when the view is replaced.
  for (const type of ACTIVITY_EVENTS) view.addEventListener(type, () => noteActivity(), { capture: true });
  mount(root, view);

  /** Sends one action; shows the new status, or the server's refusal in full. */
  async function act(label, path, payload) {
    mount(outcome, h('p', { class: 'hint' }, `${label}…`));
    try {
      const result = await api('POST', `/orders/${id}${path}`, payload);
      mount(outcome, successBox(`${label}: accepted — status ${result.status}`));
    } catch (error) {
      mount(outcome, failureBox(error));
    }
    await refresh();
  }
  const withReason = () => ({ reason: reason.value.trim() });

  const nextRequest = requestSequence();
  async function refresh() {
    const isNewest = nextRequest();
    let order;
    try {
      order = await api('GET', `/orders/${id}`);
    } catch (error) {
      if (isNewest()) mount(summary, failureBox(error));
      return;
    }
    if (!isNewest()) return;
    mount(summary, summaryCard(order));
    mount(
      actionsBar,
      h('button', { id: 'action-confirm', type: 'button', onclick: () => act('Confirm', '/confirm', {}) }, 'Confirm quoted prices'),
      h('button', { id: 'action-cancel', type: 'button', class: 'danger', onclick: () => act('Cancel', '/cancel', withReason()) }, 'Cancel order'),
      h('button', { id: 'action-complete', type: 'button', onclick: () => act('Force-complete', '/complete', withReason()) }, 'Force-complete'),
      h('button', { id: 'action-delay', type: 'button', onclick: () => act('Mark delayed', '/delay', withReason()) }, 'Mark delayed'),
      order.gate === 'closed' ? h('button', { id: 'action-gate', type: 'button', onclick: () => act('Open gate', '/gate/open', {}) }, 'Open the gate') : null,
    );
    mount(
      body,
      h('section', { class: 'card' }, h('h2', {}, 'Items'), itemsTable(order.items, order.subOrders)),
      h('section', { class: 'card' }, h('h2', {}, 'Sub-orders by provider'), subOrdersTable(order.subOrders, (key) => act(`Retry ${key}`, `/sub-orders/${encodeURIComponent(key)}/retry`, {}))),
      h('section', { class: 'card' }, h('h2', {}, 'Payments'), paymentsTable(order.billing, order.payments)),
      h('section', { class: 'card' }, h('h2', {}, 'Status timeline'), timeline(order.history)),
    );
    await refreshHolder();
  }

  /** Activity in the view: keep a held item's lease now if a renewal is due. */
  function noteActivity() {
    lease.lastActivity = Date.now();
    if (lease.held) renewIfActive().catch(() => {});
  }

  /** Renews the held item only if the operator did something since the last renewal. */
  async function renewIfActive() {
    const now = Date.now();
    if (!lease.held || lease.lastActivity <= lease.lastRenew || now - lease.lastRenew < lease.renewEveryMs) return;
    lease.lastRenew = now;
    lease.held = await api('POST', `/ops/queue/${lease.held.id}/renew`);
    showHolder();
  }

  async function refreshHolder() {
    let queue;
    try {
      queue = await api('GET', '/ops/queue?limit=1');
    } catch {
      return;
    }
    lease.renewEveryMs = Math.min(RENEW_EVERY_MS, (queue.policy.leaseSeconds * 1000) / 3);
    const mine = queue.mine.find((a) => a.orderId === id);
    const lapsed = lease.held && !mine && !lease.finishing;
    lease.held = mine;
    if (lapsed) {
      mount(
        holder,
        h('div', { id: 'holder-lapsed', class: 'card holder lapsed' }, 'Your hold on this order lapsed (no activity here for the lease); it is back in the work queue.'),
      );
      return;
    }
    if (!mine) {
      if (!holder.querySelector('#holder-lapsed')) mount(holder);
      return;
    }
    await renewIfActive().catch(() => {});
    showHolder();
  }

  function showHolder() {
    const mine = lease.held;
    if (!mine) return;
    const finish = (action) => async () => {
      lease.finishing = true;
      try {
        await api('POST', `/ops/queue/${mine.id}/${action}`);
        location.hash = '#/queue';
      } catch (error) {
        lease.finishing = false;
        mount(holder, failureBox(error));
      }
    };
    mount(
      holder,
      h(
        'div',
        { class: 'card holder', dataset: { leaseUntil: mine.leaseUntil } },
        `You hold this order from the work queue (${mine.reason.replaceAll('_', ' ')}); lease until `,
        time(mine.leaseUntil),
        ' — kept while you work here. ',
        // Any click in the view counts as activity; this one is for an operator who is only reading.
        h('button', { id: 'queue-keep', type: 'button', title: 'renews the lease' }, 'Keep it'),
        h('button', { id: 'queue-done', type: 'button', onclick: finish('done') }, 'Done'),
        h('button', { id: 'queue-release', type: 'button', onclick: finish('release') }, 'Give back'),
      ),
    );
  }

  await refresh();
  return refresh;
}

function summaryCard(o) {
  const row = (label, ...value) => [h('dt', {}, label), h('dd', {}, ...value)];
  return h(
    'div',
    { class: `card summary${o.stuck ? ' stuck' : ''}` },
    h('h1', {}, `Order #${o.number} `, statusBadge(o.status), o.stuck ? h('span', { class: 'badge stuck-badge' }, 'stuck') : null),
    h(
      'dl',
      {},
      row('Order id', h('code', {}, o.id)),
      row('Customer', o.customerId),
      row('Total', o.total ?? 'not quoted yet'),
      row('Balance due', h('span', { id: 'balance-due' }, o.billing.balanceDue)),
      row('Gate', o.gate),
      row('Created', time(o.createdAt), ` (${ago(o.createdAt)})`),
      row('Last update', time(o.updatedAt), ` (${ago(o.updatedAt)})`),
      o.outcomeReason ? row('Outcome', o.outcomeReason) : null,
      o.delivery?.address ? row('Deliver to', o.delivery.address) : null,
      row('Loyalty', h('span', { id: 'loyalty' }, loyaltyText(o.loyalty))),
      row('Workflow', h('a', { id: 'temporal-link', href: o.links.temporalUi, target: '_blank', rel: 'noopener' }, `${o.workflowId} in the Temporal Web UI ↗`)),
    ),
  );
}

/** The accrual of a completed purchase, as the loyalty programme sees it. */
function loyaltyText(loyalty) {
  if (!loyalty) return 'no accrual (not a loyalty customer, or not completed yet)';
  const points = loyalty.accrual === null ? '' : `: ${loyalty.accrual} points credited`;
  return `purchase ${loyalty.number} ${loyalty.status.toLowerCase()}${points}`;
}

function paymentsTable(billing, payments) {
  const totals = h('p', { id: 'billing' }, `Total ${billing.total} · paid ${billing.paid} · refunded ${billing.refunded} · due ${billing.balanceDue}`);
  if (payments.length === 0) return [totals, h('p', { class: 'empty' }, 'No payments yet.')];
  return [
    totals,
    h(
      'table',
      { id: 'payments' },
      h('thead', {}, h('tr', {}, ['When', 'Kind', 'Method', 'Amount', 'Status', 'Due after', 'By', 'Transaction'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        payments.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, time(p.recordedAt)),
            h('td', {}, p.kind),
            h('td', {}, p.method),
            h('td', { class: 'num' }, p.amount),
            h('td', {}, p.status),
            h('td', { class: 'num' }, p.balanceDue),
            h('td', {}, p.actor),
            h('td', {}, h('code', {}, p.transactionId)),
          ),
        ),
      ),
    ),
  ];
}

/** Each line at the price agreed with its provider (its sub-order's quote), and what the customer asked when that differs. */
function itemsTable(items, subs) {
  const agreed = (item) => subs.find((s) => s.key === item.provider)?.items.find((line) => line.sku === item.sku)?.unitPrice ?? null;
  return h(
    'table',
    { id: 'items' },
    h('thead', {}, h('tr', {}, ['Provider', 'SKU', 'Qty', 'Unit price', 'Customer asked'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      items.map((i) => {
        const price = agreed(i);
        const changed = price !== null && i.unitPrice !== null && price !== i.unitPrice;
        return h(
          'tr',
          {},
          h('td', {}, i.provider),
          h('td', {}, i.sku),
          h('td', { class: 'num' }, i.quantity),
          h('td', { class: `num${changed ? ' changed' : ''}` }, price ?? 'not quoted yet'),
          h('td', { class: 'num' }, i.unitPrice ?? 'to be quoted'),
        );
      }),
    ),
  );
}

function subOrdersTable(subs, retry) {
  if (subs.length === 0) return h('p', { class: 'empty' }, 'Not dispatched to providers yet.');
  return h(
    'table',
    { id: 'sub-orders' },
    h('thead', {}, h('tr', {}, ['Sub-order', 'Provider', 'Attempt', 'Status', 'Total', 'Provider order', 'Note', ''].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      subs.map((s) =>
        h(
          'tr',
          {},
          h('td', {}, s.key),
          h('td', {}, s.provider, s.triedProviders.length > 1 ? h('span', { class: 'hint' }, ` (tried ${s.triedProviders.join(', ')})`) : null),
          h('td', { class: 'num' }, s.attempt),
          h('td', {}, h('span', { class: `badge sub-${s.status}` }, s.status), s.delayed ? h('span', { class: 'badge stuck-badge' }, 'delayed') : null),
          h('td', { class: 'num' }, s.total ?? '—'),
          h('td', {}, s.providerOrderId ?? '—'),
          h('td', {}, s.note ?? ''),
          h('td', {}, s.status === 'FAILED' ? h('button', { type: 'button', class: 'retry', dataset: { subOrder: s.key }, onclick: () => retry(s.key) }, 'Retry') : null),
        ),
      ),
    ),
  );
}

/** The history as a vertical timeline: status changes as large dots, other events small. */
function timeline(history) {
  if (history.length === 0) return h('p', { class: 'empty' }, 'No history yet.');
  const start = Date.parse(history[0].at);
  return h(
    'ol',
    { id: 'timeline', class: 'timeline' },
    history.map((e) =>
      h(
        'li',
        { class: `tl ${e.toStatus ? `tl-status status-${e.toStatus}` : 'tl-event'}`, dataset: { toStatus: e.toStatus ?? '' } },
        h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-body' },
          h('div', { class: 'tl-head' }, e.toStatus ? [e.fromStatus ? [statusBadge(e.fromStatus), ' → '] : null, statusBadge(e.toStatus)] : h('strong', {}, e.kind)),
          h('div', { class: 'tl-meta' }, time(e.at), ` · +${duration(Date.parse(e.at) - start)} · ${e.actor}`),
          e.reason ? h('div', { class: 'tl-reason' }, e.reason) : null,
        ),
      ),
    ),
  );
}

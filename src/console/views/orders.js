// Orders: filters (status, provider, customer, age, stuck), a table refreshed every
// poll, stuck orders highlighted by the server's rule (src/domain/orders/stuck.ts).
import { api, requestSequence, session } from '../api.js';
import { ago, h, mount, statusBadge, time } from '../dom.js';
import { failureBox } from './failure.js';

const AGES = [
  ['', 'any age'],
  ['300', 'older than 5 min'],
  ['3600', 'older than 1 h'],
  ['86400', 'older than 1 day'],
];

/** Filters survive navigation to an order and back. */
const filters = { status: '', provider: '', customerId: '', age: '', stuck: false };

export async function renderOrders(root) {
  const field = (name, input) => h('label', { class: 'field' }, name, input);
  const onChange = (key) => (event) => {
    filters[key] = event.target.type === 'checkbox' ? event.target.checked : event.target.value.trim();
    refresh();
  };
  const select = (key, options) =>
    h('select', { id: `filter-${key}`, onchange: onChange(key) }, options.map(([value, label]) => h('option', { value, selected: filters[key] === value }, label)));
  const text = (key, placeholder) => h('input', { id: `filter-${key}`, type: 'search', placeholder, value: filters[key], onchange: onChange(key) });

  const table = h('div', { id: 'orders-table' });
  const nextRequest = requestSequence();
  mount(
    root,
    h('h1', {}, 'Orders'),
    h(
      'form',
      { class: 'filters', onsubmit: (e) => e.preventDefault() },
      field('Status', select('status', [['', 'any status'], ...session.statuses.map((s) => [s, s.replaceAll('_', ' ')])])),
      field('Provider', text('provider', 'e.g. pizza')),
      field('Customer', text('customerId', 'customer id')),
      field('Age', select('age', AGES)),
      h('label', { class: 'field check' }, h('input', { id: 'filter-stuck', type: 'checkbox', checked: filters.stuck, onchange: onChange('stuck') }), 'stuck only'),
    ),
    table,
  );

  async function refresh() {
    const query = new URLSearchParams({ limit: '100' });
    if (filters.status) query.set('status', filters.status);
    if (filters.provider) query.set('provider', filters.provider);
    if (filters.customerId) query.set('customerId', filters.customerId);
    if (filters.age) query.set('createdTo', new Date(Date.now() - Number(filters.age) * 1000).toISOString());
    if (filters.stuck) query.set('stuck', 'true');
    const isNewest = nextRequest();
    try {
      const page = await api('GET', `/orders?${query}`);
      if (!isNewest()) return;
      mount(table, ordersTable(page.orders), page.nextCursor ? h('p', { class: 'hint' }, 'Showing the newest 100; narrow the filters to see older ones.') : null);
      // Which filters the rows on screen answer (tests and scripts wait for it).
      table.dataset.query = query.toString();
    } catch (error) {
      if (isNewest()) mount(table, failureBox(error));
    }
  }
  await refresh();
  return refresh;
}

function ordersTable(orders) {
  if (orders.length === 0) return h('p', { class: 'empty' }, 'No orders match.');
  return h(
    'table',
    { class: 'orders' },
    h('thead', {}, h('tr', {}, ['#', 'Status', 'Customer', 'Total', 'Created', 'Last update'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      orders.map((o) =>
        h(
          'tr',
          { class: o.stuck ? 'stuck' : null, dataset: { orderId: o.id } },
          h('td', {}, h('a', { href: `#/orders/${o.id}` }, `#${o.number}`)),
          h('td', {}, statusBadge(o.status), o.stuck ? h('span', { class: 'badge stuck-badge', title: 'no update for longer than this status allows' }, 'stuck') : null),
          h('td', {}, o.customerId),
          h('td', { class: 'num' }, o.total ?? '—'),
          h('td', {}, time(o.createdAt)),
          h('td', {}, ago(o.updatedAt)),
        ),
      ),
    ),
  );
}

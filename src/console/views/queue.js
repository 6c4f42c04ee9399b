// The work queue: take the next item (the server picks the oldest eligible one and
// enforces the per-operator cap), the items this operator holds, what is waiting, and
// every operator's load.
import { api, requestSequence, session } from '../api.js';
import { ago, duration, h, mount, statusBadge, time } from '../dom.js';
import { failureBox, successBox } from './failure.js';

export async function renderQueue(root) {
  const outcome = h('div', { id: 'queue-result' });
  const mine = h('section', { class: 'card', id: 'my-items' });
  const waiting = h('section', { class: 'card', id: 'waiting' });
  const load = h('section', { class: 'card', id: 'operator-load' });

  async function takeNext() {
    try {
      const assignment = await api('POST', '/ops/queue/next');
      if (!assignment) {
        mount(outcome, successBox('The queue is empty: nothing needs a human right now.'));
        return;
      }
      location.hash = `#/orders/${assignment.orderId}`;
    } catch (error) {
      mount(outcome, failureBox(error));
    }
  }
  const finish = (assignment, action) => async () => {
    try {
      await api('POST', `/ops/queue/${assignment.id}/${action}`);
      mount(outcome, successBox(`#${assignment.number}: ${action === 'done' ? 'done' : 'given back to the queue'}`));
    } catch (error) {
      mount(outcome, failureBox(error));
    }
    await refresh();
  };

  mount(
    root,
    h('h1', {}, 'Work queue'),
    h('div', { class: 'buttons' }, h('button', { id: 'take-next', type: 'button', class: 'primary', onclick: takeNext }, 'Take next item')),
    outcome,
    mine,
    waiting,
    load,
  );

  const nextRequest = requestSequence();
  async function refresh() {
    const isNewest = nextRequest();
    try {
      const [queue, operators] = await Promise.all([api('GET', '/ops/queue?limit=20'), api('GET', '/ops/operators')]);
      if (!isNewest()) return;
      mount(
        mine,
        h('h2', {}, `My items (${queue.mine.length} of at most ${queue.policy.maxInFlight})`),
        queue.mine.length === 0
          ? h('p', { class: 'empty' }, 'You hold nothing. Take the next item.')
          : table(['Order', 'Status', 'Why', 'Assigned', 'Lease until', ''], queue.mine, (a) => [
              h('a', { href: `#/orders/${a.orderId}` }, `#${a.number}`),
              statusBadge(a.status),
              a.reason.replaceAll('_', ' '),
              ago(a.assignedAt),
              time(a.leaseUntil),
              [h('button', { type: 'button', onclick: finish(a, 'done') }, 'Done'), h('button', { type: 'button', onclick: finish(a, 'release') }, 'Give back')],
            ]),
      );
      mount(
        waiting,
        h('h2', {}, `Waiting (${queue.waitingCount})`),
        h('p', { class: 'hint' }, `Oldest first. Leases last ${duration(queue.policy.leaseSeconds * 1000)} and are renewed while you work on the order.`),
        queue.waiting.length === 0
          ? h('p', { class: 'empty' }, 'Nothing is waiting.')
          : table(['Order', 'Status', 'Why', 'Unchanged for'], queue.waiting, (w) => [`#${w.number}`, statusBadge(w.status), w.reason.replaceAll('_', ' '), duration(Date.now() - Date.parse(w.updatedAt))]),
      );
      mount(
        load,
        h('h2', {}, 'Operator load'),
        table(['Operator', 'Holding', 'Done', 'Given back', 'Lapsed', 'Avg time to handle'], operators.operators, (o) => [
          o.operator === session.operator ? h('strong', {}, `${o.operator} (you)`) : o.operator,
          `${o.active} / ${operators.maxInFlight}`,
          o.done,
          o.released,
          o.expired,
          o.avgHandleSeconds === null ? '—' : duration(o.avgHandleSeconds * 1000),
        ]),
      );
    } catch (error) {
      if (isNewest()) mount(waiting, failureBox(error));
    }
  }
  await refresh();
  return refresh;
}

function table(headings, rows, cells) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, cells(row).map((c) => h('td', {}, c))))),
  );
}

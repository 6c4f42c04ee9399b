// The console's shell: hash routes, the login gate, and one poller per view.
// Each view is `render(root, params, ctx)` returning an optional `refresh()` that the
// shell calls every POLL_MS while the view is shown (live updates without reloading).
import { api, ApiFailure, session } from './api.js';
import { h, mount } from './dom.js';
import { renderLogin } from './views/login.js';
import { renderOrder } from './views/order.js';
import { renderOrders } from './views/orders.js';
import { renderQueue } from './views/queue.js';

export const POLL_MS = 2000;

const routes = [
  [/^#\/login$/, renderLogin],
  [/^#\/orders$/, renderOrders],
  [/^#\/orders\/([0-9a-f-]{36})$/, renderOrder],
  [/^#\/queue$/, renderQueue],
];

let timer;
let generation = 0;

async function show() {
  clearInterval(timer);
  const mine = ++generation;
  const root = document.getElementById('view');
  const hash = location.hash || '#/orders';
  if (hash !== '#/login' && !(await signedIn())) {
    location.hash = '#/login';
    return;
  }
  document.getElementById('nav').hidden = hash === '#/login';
  document.getElementById('who').textContent = session.operator ? `operator: ${session.operator}` : '';
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    mount(root, h('p', {}, 'No such page. ', h('a', { href: '#/orders' }, 'Orders')));
    return;
  }
  const refresh = await route[1](root, hash.match(route[0]).slice(1));
  if (refresh && mine === generation) {
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh().catch(() => {});
    }, POLL_MS);
  }
}

/** The stored token still names an operator (asked once per page load). */
async function signedIn() {
  if (!session.token) return false;
  if (session.operator) return true;
  try {
    const me = await api('GET', '/ops/session');
    session.operator = me.operator;
    session.statuses = me.statuses;
    return true;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) session.token = null;
    return false;
  }
}

document.getElementById('logout').addEventListener('click', () => {
  session.token = null;
  session.operator = undefined;
  location.hash = '#/login';
});
window.addEventListener('hashchange', show);
show();

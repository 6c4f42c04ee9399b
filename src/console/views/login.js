// Login: the operator pastes their bearer token; it is checked against /ops/session
// and kept in sessionStorage (this tab only, gone when it closes).
import { api, session } from '../api.js';
import { h, mount } from '../dom.js';
import { failureBox } from './failure.js';

export function renderLogin(root) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, size: 40 });
  const problem = h('div');
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const me = await api('GET', '/ops/session', undefined, input.value.trim());
          session.token = input.value.trim();
          session.operator = me.operator;
          session.statuses = me.statuses;
          location.hash = '#/orders';
        } catch (error) {
          mount(problem, failureBox(error));
        }
      },
    },
    h('h1', {}, 'Operator login'),
    h('label', { for: 'token' }, 'Operator token'),
    input,
    h('button', { type: 'submit' }, 'Log in'),
    problem,
    h('p', { class: 'hint' }, 'The token is one of OPERATOR_TOKENS (npm start prints the sandbox token). It is kept only in this browser tab.'),
  );
  mount(root, form);
  input.focus();
}

// How a refusal looks: the HTTP status, the server's code and message, and the order's
// current status when the server named it. Never a silent failure.
import { h, statusBadge } from '../dom.js';

export function failureBox(error) {
  const status = error?.details?.status;
  return h(
    'div',
    { class: 'failure', role: 'alert' },
    h('strong', {}, error.status ? `${error.status} ${error.code}` : error.code ?? 'error'),
    ' — ',
    h('span', { class: 'failure-message' }, error.message ?? String(error)),
    status ? h('span', { class: 'failure-status' }, ' · current status ', statusBadge(status)) : null,
  );
}

export function successBox(text) {
  return h('div', { class: 'success', role: 'status' }, text);
}

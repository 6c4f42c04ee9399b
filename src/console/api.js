// The REST API as the console uses it: the operator's bearer token on every call, and
// every refusal turned into an ApiFailure carrying the server's status, code, message
// and details, so views can show it rather than swallow it.

const TOKEN_KEY = 'durable-orders.operator-token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  operator: undefined,
  /** Every order status, from the server (GET /ops/session). */
  statuses: [],
};

export class ApiFailure extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Calls the API; resolves to the JSON body (or null for 204), rejects with ApiFailure. */
export async function api(method, path, body, token = session.token) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiFailure(0, 'network_error', `the API could not be reached (${error.message})`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiFailure(response.status, error.code ?? 'http_error', error.message ?? `HTTP ${response.status}`, error.details);
  }
  return json;
}

/**
 * For views that poll and also refresh on demand: `const isNewest = next()` before a request, and
 * `isNewest()` after it is true only if no later request was started meanwhile, so a slow answer to
 * an older request never overwrites a newer one on screen.
 */
export function requestSequence() {
  let newest = 0;
  return () => {
    const ticket = ++newest;
    return () => ticket === newest;
  };
}

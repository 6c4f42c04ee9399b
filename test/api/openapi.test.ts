/**
 * The OpenAPI document describes exactly the routes the app serves, with every
 * reference resolvable and every error answer the shared error shape; it and its docs
 * page are served by the app itself, with nothing fetched from elsewhere.
 */
import assert from 'node:assert/strict';
import { listen, type RunningServer } from '../../src/api/server';
import { openApiPath } from '../../src/api/openapi-kit';
import { openApiDocument } from '../../src/api/openapi';
import { request } from '../harness/http';
import { appWithoutBackends, servedRoutes } from '../harness/routes';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function documentedRoutes(doc: any): string[] {
  return Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('OpenAPI document (GET /openapi.json, /docs)', () => {
  const doc: any = openApiDocument();
  let server: RunningServer;
  before(async () => {
    server = await listen(appWithoutBackends(), '127.0.0.1', 0);
  });
  after(async () => server.close());

  it('documents every route the app serves, and only those', () => {
    const served = servedRoutes(appWithoutBackends()).map((route) => `${route.method} ${openApiPath(route.path)}`);
    assert.ok(served.length >= 15, `found only ${served.length} routes: is the router walk broken?`);
    const documented = documentedRoutes(doc);
    assert.deepEqual(served.filter((route) => !documented.includes(route)), [], 'served but not in the OpenAPI document (register it next to the route)');
    assert.deepEqual(documented.filter((route) => !served.includes(route)), [], 'documented but not served');
  });

  it('is a well-formed OpenAPI 3.1 document: refs resolve, path parameters declared, errors in the shared shape', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.info.title && doc.info.version);
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/(\w+\/[\w.-]+)"/g)) {
      const [kind, name] = ref!.split('/');
      assert.ok(doc.components[kind!]?.[name!], `unresolved $ref ${ref}`);
    }
    const schemes = Object.keys(doc.components.securitySchemes);
    assert.deepEqual(schemes.sort(), ['customerId', 'deviceToken', 'loyaltyCookie', 'loyaltyToken', 'operatorToken', 'providerSignature']);
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const op = item[method];
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.summary, `${where}: summary`);
        assert.ok(Array.isArray(op.security), `${where}: security stated (empty when public)`);
        for (const requirement of op.security) for (const name of Object.keys(requirement)) assert.ok(schemes.includes(name), `${where}: unknown scheme ${name}`);
        const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        assert.deepEqual(declared, inPath, `${where}: path parameters`);
        const statuses = Object.keys(op.responses);
        assert.ok(statuses.some((s) => s.startsWith('2')), `${where}: a success response`);
        for (const status of statuses.filter((s) => Number(s) >= 400 && !(path === '/readyz' && s === '503'))) {
          assert.equal(op.responses[status].content['application/json'].schema.$ref, '#/components/schemas/Error', `${where} ${status}`);
        }
        if (op.requestBody) assert.ok(op.responses['415'] && op.responses['413'], `${where}: body limits documented`);
      }
    }
  });

  it('describes bodies, queries and responses from the zod schemas', () => {
    const submit = doc.paths['/orders'].post;
    assert.equal(submit.requestBody.content['application/json'].schema.$ref, '#/components/schemas/SubmitOrder');
    const unitPrice = doc.components.schemas.SubmitOrder.properties.items.items.properties.unitPrice;
    assert.ok(JSON.stringify(unitPrice).includes('\\\\d{1,2}'), 'the money pattern is in the document');
    assert.equal(submit.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/OrderSummary');
    const query = doc.paths['/orders'].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    assert.deepEqual(query.sort(), ['query:createdFrom', 'query:createdTo', 'query:cursor', 'query:customerId', 'query:limit', 'query:provider', 'query:status', 'query:stuck']);
    assert.deepEqual(doc.paths['/orders/{id}/cancel'].post.security, [{ operatorToken: [] }, { deviceToken: [] }, { customerId: [] }]);
    // Money and prices: staff only; sync: a device's own token; edits and closes take an Idempotency-Key.
    for (const path of ['/orders/{id}/payments', '/orders/{id}/refunds', '/orders/{id}/items', '/orders/{id}/close']) {
      assert.deepEqual(doc.paths[path].post.security, [{ operatorToken: [] }, { deviceToken: [] }], path);
    }
    assert.deepEqual(doc.paths['/sync'].post.security, [{ deviceToken: [] }]);
    for (const path of ['/orders/{id}/items', '/orders/{id}/close']) {
      assert.ok(doc.paths[path].post.parameters.some((p: any) => p.in === 'header' && p.name === 'idempotency-key'), `${path}: Idempotency-Key`);
    }
    assert.deepEqual(doc.paths['/orders/{id}/complete'].post.security, [{ operatorToken: [] }]);
    assert.deepEqual(doc.paths['/providers/{provider}/events'].post.security, [{ providerSignature: [] }]);
    assert.ok(doc.components.schemas.OrderDetail.properties.subOrders);
    assert.ok(doc.components.schemas.Error.properties.error.required.includes('code'));
  });

  it('serves the document, and a docs page whose scripts and styles all come from this service', async () => {
    const served = await request('GET', `${server.url}/openapi.json`);
    assert.equal(served.status, 200);
    assert.deepEqual(served.body, JSON.parse(JSON.stringify(doc)));

    const page = await request('GET', `${server.url}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    const assets = [...(page.body as string).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 3);
    for (const asset of assets) {
      assert.match(asset, /^\/docs\//, `${asset} must be served by us, not a CDN`);
      const fetched = await request('GET', `${server.url}${asset}`);
      assert.equal(fetched.status, 200, asset);
      assert.ok((fetched.body as string).length > 20, asset);
    }
    assert.doesNotMatch(page.body as string, /<script>/, 'no inline script: the CSP forbids it');
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
  });

  it('sends security headers and no X-Powered-By on every answer, errors included', async () => {
    for (const path of ['/healthz', '/openapi.json', '/no/such/route']) {
      const response = await request('GET', `${server.url}${path}`);
      assert.equal(response.headers.get('x-powered-by'), null, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.ok(response.headers.get('content-security-policy'), path);
      assert.ok(response.headers.get('x-frame-options'), path);
    }
    const missing = await request('GET', `${server.url}/no/such/route`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'route_not_found');
  });
});

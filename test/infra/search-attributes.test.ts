/**
 * Our search attributes on a fresh cluster: the API registers them at start-up, so an
 * order submitted before any worker ran is accepted (docker-compose starts API and
 * workers at once), and replicas registering at the same moment all succeed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import Long from 'long';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';
import { ensureSearchAttributes } from '../../src/infra/temporal';
import { startApi } from '../../src/processes/api';
import { allSearchAttributes } from '../../src/workflows/search-attributes';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { orderBody } from '../harness/orders';
import { startProviders, type SimulatedProviders } from '../harness/providers';

/** A namespace as a fresh cluster has it: none of our search attributes. */
async function freshNamespace(): Promise<Client> {
  const { connection } = testEnv().client;
  const namespace = `fresh-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  await eventually(async () => (await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => undefined)), 20_000, namespace);
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  assert.ok(!customAttributes || !('OrderStatus' in customAttributes), 'a fresh namespace has no OrderStatus');
  return new Client({ connection, namespace });
}

describe('search attributes on a fresh cluster', function () {
  this.timeout(60_000);
  let providers: SimulatedProviders;
  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 } } } });
  });
  after(() => providers.simulator.stop());

  it('are registered by the API before it accepts orders, with no worker anywhere', async () => {
    const env = testEnv();
    const client = await freshNamespace();
    const api = await startApi({
      temporalAddress: env.temporalAddress,
      namespace: client.options.namespace,
      taskQueue: `no-worker-${randomUUID()}`,
      temporalUiUrl: 'http://temporal-ui.test',
      databaseUrl: env.databaseUrl,
      host: '127.0.0.1',
      port: 0,
      logger: env.logger,
      providers: providerRegistry(providerRegistrySchema.parse(providers.configs)),
    });
    try {
      const submitted = await request('POST', `${api.url}/orders`, { json: orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]) });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const started = await client.workflow.getHandle(submitted.body.workflowId).describe();
      assert.deepEqual(started.searchAttributes.OrderStatus, ['RECEIVED']);
    } finally {
      await api.stop();
    }
  });

  it('can be registered by several replicas at once', async () => {
    const client = await freshNamespace();
    const results = await Promise.all([1, 2, 3].map(() => ensureSearchAttributes(client)));
    assert.ok(results.some((added) => added.length > 0), 'one of them registered something');
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
    for (const key of allSearchAttributes) assert.ok(customAttributes && key.name in customAttributes, key.name);
    assert.deepEqual(await ensureSearchAttributes(client), [], 'then nothing is left to add');
  });
});

/**
 * Proves prisma/schema.prisma and the SQL migrations agree: every model is
 * created with every column set, read back, updated and deleted through the
 * generated client against the migrated database; optional columns also accept null.
 * Every relation is exercised too: nested create, include, a refused unknown parent
 * (the foreign key) and the cascade on delete. Adding a model without a fixture here
 * fails the first test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Prisma } from '../../src/generated/prisma/client';
import { testEnv } from '../harness/environment';
import { ROOT } from '../harness/processes';

/** Rows of other models a fixture may refer to (created once, before the tests). */
interface Parents {
  orderId: string;
}

type Fixture = {
  /** A row with every scalar column set (non-null). */
  full(parents: Parents): Record<string, unknown>;
  /** The same with every optional column left null. */
  minimal(parents: Parents): Record<string, unknown>;
  /** A change to every mutable column. */
  update: Record<string, unknown>;
  key: (row: Record<string, unknown>) => Record<string, unknown>;
};

const fixtures: Record<Prisma.ModelName, Fixture> = {
  Order: {
    full: () => {
      const id = randomUUID();
      return {
        id,
        number: BigInt(Math.floor(Math.random() * 1e12)),
        workflowId: `order-${id}`,
        customerId: 'c',
        status: 'RECEIVED',
        version: 3,
        idempotencyKey: randomUUID(),
        requestHash: 'h',
        request: { items: [{ sku: 'x' }] },
        createdAt: new Date('2026-01-02T03:04:05.678Z'),
        updatedAt: new Date('2026-01-02T03:04:05.679Z'),
        totalCents: 123456789012n,
        outcomeReason: 'because',
        gateRequired: true,
        gateOpen: true,
        adjustments: [{ sku: 'x', amount: 100 }],
      };
    },
    minimal() {
      const id = randomUUID();
      return { id, workflowId: `order-${id}`, customerId: 'c', status: 'RECEIVED', idempotencyKey: null, requestHash: 'h', request: {}, totalCents: null, outcomeReason: null };
    },
    update: { customerId: 'd', status: 'COMPLETED', version: 4, requestHash: 'i', request: { b: 2 }, updatedAt: new Date('2027-01-01T00:00:00.000Z'), gateOpen: false },
    key: (row) => ({ id: row.id }),
  },
  OrderItem: {
    full: ({ orderId }) => ({ orderId, lineNo: 1, provider: 'p', sku: 's', quantity: 2, unitPriceCents: 1999n }),
    minimal: ({ orderId }) => ({ orderId, lineNo: 2, provider: 'p', sku: 's', quantity: 1, unitPriceCents: null }),
    update: { provider: 'q', sku: 't', quantity: 3, unitPriceCents: 1n },
    key: (row) => ({ orderId_lineNo: { orderId: row.orderId, lineNo: row.lineNo } }),
  },
  SubOrder: {
    full: ({ orderId }) => ({
      orderId,
      key: 'pizza',
      provider: 'pizza-express',
      attempt: 2,
      status: 'ACCEPTED',
      delayed: true,
      providerOrderId: 'po-1',
      totalCents: 5000n,
      items: [{ sku: 'x', quantity: 1 }],
      triedProviders: ['pizza', 'pizza-express'],
      note: 'moved',
      acceptBy: new Date('2026-01-02T03:04:05.678Z'),
      updatedAt: new Date('2026-01-02T03:04:05.679Z'),
    }),
    minimal: ({ orderId }) => ({ orderId, key: 'sushi', provider: 'sushi', attempt: 1, status: 'PENDING', totalCents: 0n, items: [], triedProviders: [], providerOrderId: null, note: null, acceptBy: null }),
    update: { provider: 'p2', attempt: 3, status: 'FAILED', delayed: false, providerOrderId: 'po-2', totalCents: 1n, items: [], triedProviders: ['a'], note: 'n', acceptBy: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ orderId_key: { orderId: row.orderId, key: row.key } }),
  },
  OrderHistory: {
    full: ({ orderId }) => ({
      orderId,
      seq: 1,
      at: new Date('2026-01-02T03:04:05.678Z'),
      kind: 'status',
      actor: 'operator:alice',
      fromStatus: 'RECEIVED',
      toStatus: 'CANCELLED',
      reason: 'customer called',
      details: { a: 1 },
    }),
    minimal: ({ orderId }) => ({ orderId, seq: 2, at: new Date(), kind: 'action', actor: 'system', fromStatus: null, toStatus: null, reason: null }),
    update: { kind: 'action', actor: 'system', fromStatus: 'X', toStatus: 'Y', reason: 'r', details: { b: 2 } },
    key: (row) => ({ orderId_seq: { orderId: row.orderId, seq: row.seq } }),
  },
  OrderAnomaly: {
    full: ({ orderId }) => ({
      workflowId: `order-${randomUUID()}`,
      kind: 'workflow_ended',
      orderId,
      detail: 'terminated',
      firstSeenAt: new Date('2026-01-02T03:04:05.678Z'),
      lastSeenAt: new Date('2026-01-02T03:04:05.679Z'),
      resolvedAt: new Date('2026-01-02T03:04:05.680Z'),
    }),
    minimal: () => ({ workflowId: `order-${randomUUID()}`, kind: 'missing_workflow', orderId: null, detail: 'none', resolvedAt: null }),
    update: { detail: 'd', lastSeenAt: new Date('2027-01-01T00:00:00.000Z'), resolvedAt: null },
    key: (row) => ({ workflowId_kind: { workflowId: row.workflowId, kind: row.kind } }),
  },
  Payment: {
    full: ({ orderId }) => ({
      orderId,
      transactionId: randomUUID(),
      kind: 'refund',
      method: 'card',
      amountCents: 1250n,
      status: 'REFUNDED',
      refundOf: 'tx-1',
      details: { terminal: 't-1' },
      balanceDueAfterCents: 1250n,
      actor: 'device:d-1',
      recordedAt: new Date('2026-01-02T03:04:05.678Z'),
    }),
    minimal: ({ orderId }) => ({ orderId, transactionId: randomUUID(), kind: 'payment', method: 'cash', amountCents: 1n, status: 'CAPTURED', refundOf: null, balanceDueAfterCents: 0n, actor: 'system', recordedAt: new Date() }),
    update: { kind: 'payment', method: 'gift_card', amountCents: 2n, status: 'CAPTURED', refundOf: 'tx-2', details: { b: 2 }, balanceDueAfterCents: -1n, actor: 'a', recordedAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ orderId_transactionId: { orderId: row.orderId, transactionId: row.transactionId } }),
  },
  OrderCommand: {
    full: ({ orderId }) => ({
      orderId,
      deviceId: 'd-1',
      commandId: randomUUID(),
      seq: 7,
      type: 'pay',
      outcome: 'applied',
      result: { status: 'DISPATCHED' },
      at: new Date('2026-01-02T03:04:05.678Z'),
    }),
    minimal: ({ orderId }) => ({ orderId, deviceId: 'd-2', commandId: randomUUID(), seq: 1, type: 'create', outcome: 'applied', result: {}, at: new Date() }),
    update: { seq: 8, type: 'close', outcome: 'rejected', result: { code: 'payment_due' }, at: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ orderId_deviceId_commandId: { orderId: row.orderId, deviceId: row.deviceId, commandId: row.commandId } }),
  },
  ProviderQuote: {
    full: () => ({
      provider: 'p',
      cartHash: randomUUID(),
      quote: { total: 1 },
      expiresAt: new Date('2026-01-02T03:04:05.678Z'),
      createdAt: new Date('2026-01-02T03:04:05.679Z'),
    }),
    minimal: () => ({ provider: 'p', cartHash: randomUUID(), quote: {}, expiresAt: new Date('2026-01-02T03:04:05.678Z') }),
    update: { quote: { total: 2 }, expiresAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ provider_cartHash: { provider: row.provider, cartHash: row.cartHash } }),
  },
  QueueAssignment: {
    // The migration's checks tie `finished_at` to the state: set for done/released/expired, null while active.
    full: ({ orderId }) => ({
      id: randomUUID(),
      orderId,
      operator: 'alice',
      reason: 'stuck',
      state: 'done',
      assignedAt: new Date('2026-01-02T03:04:05.678Z'),
      renewedAt: new Date('2026-01-02T03:05:05.678Z'),
      leaseUntil: new Date('2026-01-02T03:10:05.678Z'),
      finishedAt: new Date('2026-01-02T03:06:05.678Z'),
    }),
    minimal: ({ orderId }) => ({ id: randomUUID(), orderId, operator: 'bob', reason: 'action_required', state: 'active', leaseUntil: new Date('2026-01-02T03:10:05.678Z'), finishedAt: null }),
    update: { operator: 'carol', reason: 'awaiting_confirmation', state: 'expired', renewedAt: new Date('2027-01-01T00:00:00.000Z'), leaseUntil: new Date('2027-01-01T00:05:00.000Z'), finishedAt: new Date('2027-01-01T00:05:00.000Z') },
    key: (row) => ({ id: row.id }),
  },
  LoyaltyUser: {
    full: () => ({ id: randomUUID(), login: `u-${randomUUID()}`, passwordHash: 'scrypt$x', createdAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ id: randomUUID(), login: `u-${randomUUID()}`, passwordHash: 'scrypt$x' }),
    update: { login: `u-${randomUUID()}`, passwordHash: 'scrypt$y' },
    key: (row) => ({ id: row.id }),
  },
  LoyaltyBalance: {
    full: () => ({ userId: randomUUID(), currentCents: 12345n, withdrawnCents: 678n, updatedAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ userId: randomUUID() }),
    update: { currentCents: 1n, withdrawnCents: 2n, updatedAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ userId: row.userId }),
  },
  LoyaltyOrder: {
    full: () => ({
      number: `0${Date.now()}${Math.floor(Math.random() * 1e9)}`,
      userId: randomUUID(),
      status: 'PROCESSED',
      accrualCents: 72998n,
      uploadedAt: new Date('2026-01-02T03:04:05.678Z'),
      updatedAt: new Date('2026-01-02T03:04:05.679Z'),
      accrualGaveUpAt: new Date('2026-01-09T03:04:05.680Z'),
    }),
    minimal: () => ({ number: `${Date.now()}${Math.floor(Math.random() * 1e9)}`, userId: randomUUID(), status: 'NEW', accrualCents: null, accrualGaveUpAt: null }),
    update: { status: 'INVALID', accrualCents: 1n, updatedAt: new Date('2027-01-01T00:00:00.000Z'), accrualGaveUpAt: new Date('2027-01-02T00:00:00.000Z') },
    key: (row) => ({ number: row.number }),
  },
  LoyaltyAccrualCredit: {
    full: () => ({ orderNumber: `c${randomUUID()}`, userId: randomUUID(), amountCents: 500n, creditedAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ orderNumber: `c${randomUUID()}`, userId: randomUUID(), amountCents: 0n }),
    update: { amountCents: 7n },
    key: (row) => ({ orderNumber: row.orderNumber }),
  },
  LoyaltyWithdrawal: {
    full: () => ({ orderNumber: `w${randomUUID()}`, userId: randomUUID(), sumCents: 500n, processedAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ orderNumber: `w${randomUUID()}`, userId: randomUUID(), sumCents: 1n }),
    update: { sumCents: 7n, processedAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ orderNumber: row.orderNumber }),
  },
  LoyaltyAccrualGate: {
    full: () => ({ accrualAddress: `http://gate-${randomUUID()}`, resumeAt: new Date('2026-01-02T03:04:05.678Z'), lastPauseMs: 3000 }),
    minimal: () => ({ accrualAddress: `http://gate-${randomUUID()}` }),
    update: { resumeAt: new Date('2027-01-01T00:00:00.000Z'), lastPauseMs: 60_000 },
    key: (row) => ({ accrualAddress: row.accrualAddress }),
  },
  LoyaltyAccrualRequest: {
    full: () => ({ requestId: randomUUID(), accrualAddress: 'http://accrual', sentAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ requestId: randomUUID(), accrualAddress: 'http://accrual' }),
    update: { accrualAddress: 'http://other', sentAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ requestId: row.requestId }),
  },
  LoyaltySecret: {
    full: () => ({ name: `s-${randomUUID()}`, value: 'v', createdAt: new Date('2026-01-02T03:04:05.678Z') }),
    minimal: () => ({ name: `s-${randomUUID()}`, value: 'v' }),
    update: { value: 'w' },
    key: (row) => ({ name: row.name }),
  },
};

/** The generated client's delegate for a model, e.g. prisma.order for "Order". */
function delegate(model: string): any {
  return (testEnv().prisma as any)[model[0]!.toLowerCase() + model.slice(1)];
}

function scalarFields(model: string): string[] {
  return Object.values((Prisma as any)[`${model}ScalarFieldEnum`] as Record<string, string>);
}

describe('schema.prisma agrees with the SQL migrations', () => {
  const parents: Parents = { orderId: randomUUID() };
  before(async () => {
    const id = parents.orderId;
    await testEnv().prisma.order.create({ data: { id, workflowId: `order-${id}`, customerId: 'parent', status: 'RECEIVED', requestHash: 'h', request: {} } });
  });

  it('has a fixture setting every scalar column of every model', () => {
    assert.deepEqual(Object.keys(fixtures).sort(), Object.values(Prisma.ModelName).sort());
    for (const [model, fixture] of Object.entries(fixtures)) {
      assert.deepEqual(Object.keys(fixture.full(parents)).sort(), scalarFields(model).sort(), `${model} fixture`);
    }
  });

  it('Order: an idempotency key is unique per customer, a device key across customers, and any number of orders have none', async () => {
    const { prisma } = testEnv();
    const order = (customerId: string, idempotencyKey: string | null) => {
      const id = randomUUID();
      return prisma.order.create({ data: { id, workflowId: `order-${id}`, customerId, status: 'RECEIVED', idempotencyKey, requestHash: 'h', request: {} } });
    };
    const code = (error: unknown) => (error instanceof Prisma.PrismaClientKnownRequestError ? error.code : String(error));
    const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
    const key = `k-${randomUUID()}`;
    await order(alice, key);
    await order(bob, key);
    await assert.rejects(order(alice, key), (error) => code(error) === 'P2002', 'the same customer and key twice');
    const deviceKey = `device:till-${randomUUID()}:1`;
    await order(alice, deviceKey);
    await assert.rejects(order(bob, deviceKey), (error) => code(error) === 'P2002', 'a device key for another customer');
    await order(alice, null);
    await order(alice, null);
    const found = await prisma.order.findUnique({ where: { customerId_idempotencyKey: { customerId: bob, idempotencyKey: key } } });
    assert.equal(found?.customerId, bob);
    await prisma.order.deleteMany({ where: { customerId: { in: [alice, bob] } } });
  });

  for (const [model, fixture] of Object.entries(fixtures)) {
    it(`${model}: create, read, update, delete with every column, and nulls where optional`, async () => {
      const full = fixture.full(parents);
      const created = await delegate(model).create({ data: full });
      assert.deepEqual(created, full);
      assert.deepEqual(await delegate(model).findUnique({ where: fixture.key(full) }), full);

      const updated = await delegate(model).update({ where: fixture.key(full), data: fixture.update });
      assert.deepEqual(updated, { ...full, ...fixture.update });

      const minimalData = fixture.minimal(parents);
      const minimal = await delegate(model).create({ data: minimalData });
      for (const [field, value] of Object.entries(minimalData)) assert.deepEqual(minimal[field], value, `${model}.${field}`);

      await delegate(model).delete({ where: fixture.key(full) });
      await delegate(model).delete({ where: fixture.key(minimal) });
      assert.equal(await delegate(model).findUnique({ where: fixture.key(full) }), null);
    });
  }
});

interface Relation {
  parent: string;
  /** The parent's list field (`items`) and the child's object field (`order`). */
  listField: string;
  child: string;
  objectField: string;
  foreignKey: string;
  onDelete: string | undefined;
}

/** Every relation declared in schema.prisma, read from the schema's text (the child side holds @relation). */
function schemaRelations(): Relation[] {
  const schema = fs.readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
  const models = new Map([...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)].map((m) => [m[1]!, m[2]!]));
  const relations: Relation[] = [];
  for (const [child, body] of models) {
    for (const m of body.matchAll(/^\s*(\w+)\s+(\w+)\??\s+@relation\(fields: \[(\w+)\], references: \[\w+\](?:, onDelete: (\w+))?\)/gm)) {
      const parent = m[2]!;
      const listField = new RegExp(`^\\s*(\\w+)\\s+${child}\\[\\]`, 'm').exec(models.get(parent) ?? '')?.[1];
      assert.ok(listField, `${parent} has no list field of ${child}`);
      relations.push({ parent, listField, child, objectField: m[1]!, foreignKey: m[3]!, onDelete: m[4] });
    }
  }
  return relations;
}

describe('schema.prisma relations agree with the SQL foreign keys', () => {
  const relations = schemaRelations();
  const prisma = () => testEnv().prisma;
  const newOrder = () => {
    const id = randomUUID();
    return { id, workflowId: `order-${id}`, customerId: 'relations', status: 'RECEIVED', requestHash: 'h', request: {} };
  };

  it('finds the relations (every child of Order, each cascading)', () => {
    assert.deepEqual(relations.map((r) => `${r.parent}.${r.listField}`).sort(), ['Order.commands', 'Order.history', 'Order.items', 'Order.payments', 'Order.queueAssignments', 'Order.subOrders']);
    assert.ok(relations.every((r) => r.parent === 'Order' && r.foreignKey === 'orderId' && r.onDelete === 'Cascade'));
  });

  for (const relation of relations) {
    const { listField, child, objectField } = relation;
    const childRow = (orderId: string) => fixtures[child as Prisma.ModelName].full({ orderId });

    it(`${relation.parent}.${listField}: nested create, include both ways, unknown parent refused (P2003), cascade on delete`, async () => {
      const order = newOrder();
      const { orderId: _, ...nested } = childRow(order.id);
      const created = await prisma().order.create({ data: { ...order, [listField]: { create: [nested] } }, include: { [listField]: true } });
      assert.deepEqual((created as any)[listField], [{ ...nested, orderId: order.id }]);

      const read = await prisma().order.findUniqueOrThrow({ where: { id: order.id }, include: { [listField]: true } });
      assert.equal((read as any)[listField].length, 1);
      const back = await delegate(child).findFirst({ where: { orderId: order.id }, include: { [objectField]: true } });
      assert.equal(back[objectField].id, order.id);

      await assert.rejects(delegate(child).create({ data: childRow(randomUUID()) }), (error: any) => error.code === 'P2003');

      await prisma().order.delete({ where: { id: order.id } });
      assert.equal(await delegate(child).count({ where: { orderId: order.id } }), 0, `${child} rows cascade with their order`);
    });
  }
});

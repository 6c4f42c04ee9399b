/**
 * Proves prisma/schema.prisma and the SQL migrations agree: every model is
 * created with every column set, read back, updated and deleted through the
 * generated client against the migrated database; optional columns also accept null.
 * Adding a model without a fixture here fails the first test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../src/generated/prisma/client';
import { testEnv } from '../harness/environment';

type Fixture = {
  /** A row with every scalar column set (non-null). */
  full(): Record<string, unknown>;
  /** The same with every optional column left null. */
  minimal(): Record<string, unknown>;
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
      };
    },
    minimal() {
      const id = randomUUID();
      return { id, workflowId: `order-${id}`, customerId: 'c', status: 'RECEIVED', idempotencyKey: null, requestHash: 'h', request: {} };
    },
    update: { customerId: 'd', status: 'COMPLETED', version: 4, requestHash: 'i', request: { b: 2 }, updatedAt: new Date('2027-01-01T00:00:00.000Z') },
    key: (row) => ({ id: row.id }),
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
  it('has a fixture setting every scalar column of every model', () => {
    assert.deepEqual(Object.keys(fixtures).sort(), Object.values(Prisma.ModelName).sort());
    for (const [model, fixture] of Object.entries(fixtures)) {
      assert.deepEqual(Object.keys(fixture.full()).sort(), scalarFields(model).sort(), `${model} fixture`);
    }
  });

  for (const [model, fixture] of Object.entries(fixtures)) {
    it(`${model}: create, read, update, delete with every column, and nulls where optional`, async () => {
      const full = fixture.full();
      const created = await delegate(model).create({ data: full });
      assert.deepEqual(created, full);
      assert.deepEqual(await delegate(model).findUnique({ where: fixture.key(full) }), full);

      const updated = await delegate(model).update({ where: fixture.key(full), data: fixture.update });
      assert.deepEqual(updated, { ...full, ...fixture.update });

      const minimalData = fixture.minimal();
      const minimal = await delegate(model).create({ data: minimalData });
      for (const [field, value] of Object.entries(minimalData)) assert.deepEqual(minimal[field], value, `${model}.${field}`);

      await delegate(model).delete({ where: fixture.key(full) });
      await delegate(model).delete({ where: fixture.key(minimal) });
      assert.equal(await delegate(model).findUnique({ where: fixture.key(full) }), null);
    });
  }
});

import assert from 'node:assert/strict';
import { Client } from 'pg';
import { parseDatabaseUrl } from '../../src/infra/database';
import { migrate, readMigrations } from '../../src/infra/migrate';
import { createDatabaseIfMissing } from '../../src/infra/postgres';
import { testEnv } from '../harness/environment';

/** A fresh empty database on the test server, named after the test. */
async function freshDatabase(name: string): Promise<string> {
  const url = new URL(parseDatabaseUrl(testEnv().databaseUrl).connectionString);
  const database = `${name}_${Date.now()}`;
  url.pathname = '/postgres';
  await createDatabaseIfMissing(url.toString(), database);
  url.pathname = `/${database}`;
  return url.toString();
}

async function recorded(databaseUrl: string) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM durable_orders."_prisma_migrations" ORDER BY migration_name',
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('migrations (npm run db:migrate)', () => {
  it('applies every migration once and records it like prisma migrate deploy', async () => {
    const url = await freshDatabase('migrate_once');
    const all = readMigrations();
    assert.deepEqual(await migrate(url), all.map((m) => m.name));
    assert.deepEqual(await migrate(url), [], 'a second run applies nothing');
    const rows = await recorded(url);
    assert.deepEqual(rows.map((r) => r.migration_name), all.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      assert.equal(row.checksum, all[i]!.checksum);
      assert.ok(row.finished_at instanceof Date);
      assert.equal(row.applied_steps_count, 1);
    }
  });

  it('is safe when several processes migrate the same database at once', async () => {
    const url = await freshDatabase('migrate_concurrent');
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(url)));
    assert.equal(results.flat().length, readMigrations().length, 'each migration applied by exactly one runner');
    assert.equal((await recorded(url)).length, readMigrations().length);
  });

  it('refuses to continue when an applied migration was edited afterwards', async () => {
    const url = await freshDatabase('migrate_edited');
    const migrations = readMigrations();
    await migrate(url, migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await assert.rejects(migrate(url, edited), /was changed after it was applied/);
  });

  it('rolls back a failing migration completely', async () => {
    const url = await freshDatabase('migrate_failing');
    const broken = [...readMigrations(), { name: '99999999999999_broken', sql: 'CREATE TABLE half_done (id int); SELECT nope;', checksum: '0'.repeat(64) }];
    await assert.rejects(migrate(url, broken), /99999999999999_broken failed/);
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    await client.end();
    assert.equal(rowCount, 0);
    assert.equal((await recorded(url)).length, readMigrations().length);
  });
});

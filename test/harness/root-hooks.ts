// Mocha root hooks: one real Temporal + PostgreSQL for the whole run.
import { startTestEnvironment, stopTestEnvironment } from './environment';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(15 * 60_000); // a first run may build the Temporal CLI
    await startTestEnvironment();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestEnvironment();
  },
};

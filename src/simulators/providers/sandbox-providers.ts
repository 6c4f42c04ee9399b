/**
 * The demo providers `npm start` runs in its provider simulator, and the registry
 * that points at them: two webhook providers (one with a poll-only alternate) and a
 * poll-only one, with human-scale timings so orders can be watched in the Temporal UI.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderConfig } from '../../config/providers';
import type { ProviderBehavior } from './behavior';

export function sandboxProviders(): { behaviors: Record<string, Partial<ProviderBehavior>>; registry: (simulatorUrl: string) => ProviderConfig[] } {
  const secret = () => randomBytes(24).toString('hex');
  const secrets = { pizza: secret(), sushi: secret() };
  return {
    behaviors: {
      pizza: { webhookSecret: secrets.pizza, acceptAfterMs: 2_000, stepMs: 5_000, latencyMs: 50 },
      'pizza-express': { acceptAfterMs: 1_000, stepMs: 4_000, latencyMs: 30 },
      sushi: { webhookSecret: secrets.sushi, acceptAfterMs: 1_000, stepMs: 6_000, latencyMs: 80, failureRate: 0.1 },
      groceries: { acceptAfterMs: 3_000, stepMs: 8_000, latencyMs: 40 },
    },
    registry: (url) => [
      { name: 'pizza', baseUrl: `${url}/p/pizza`, webhookSecret: secrets.pizza, tracking: 'webhook', pollIntervalSeconds: 5, acceptSlaSeconds: 30, timeoutMs: 2_000, alternates: ['pizza-express'] },
      { name: 'pizza-express', baseUrl: `${url}/p/pizza-express`, tracking: 'poll', pollIntervalSeconds: 2, acceptSlaSeconds: 30, timeoutMs: 2_000, alternates: [] },
      { name: 'sushi', baseUrl: `${url}/p/sushi`, webhookSecret: secrets.sushi, tracking: 'webhook', pollIntervalSeconds: 5, acceptSlaSeconds: 30, timeoutMs: 2_000, alternates: [] },
      { name: 'groceries', baseUrl: `${url}/p/groceries`, tracking: 'poll', pollIntervalSeconds: 3, acceptSlaSeconds: 60, timeoutMs: 2_000, alternates: [] },
    ],
  };
}

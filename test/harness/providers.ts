/** Simulated providers for tests: a real HTTP simulator plus the registry entries pointing at it. */
import type { ProviderConfig } from '../../src/config/providers';
import type { ProviderBehavior } from '../../src/simulators/providers/behavior';
import { ProviderSimulator } from '../../src/simulators/providers/server';

export interface ProviderSpec {
  behavior?: Partial<ProviderBehavior>;
  config?: Partial<ProviderConfig>;
}

export interface SimulatedProviders {
  simulator: ProviderSimulator;
  configs: Partial<ProviderConfig>[];
}

/** Webhook providers by default (secret `<name>-webhook-secret-…`), short timeouts for fast tests. */
export async function startProviders(specs: Record<string, ProviderSpec>): Promise<SimulatedProviders> {
  const secrets = Object.fromEntries(Object.keys(specs).map((name) => [name, `${name}-webhook-secret-0123456789`]));
  const behaviors = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      const poll = spec.config?.tracking === 'poll';
      return [name, { ...(poll ? {} : { webhookSecret: secrets[name] }), ...spec.behavior }];
    }),
  );
  const simulator = await new ProviderSimulator(behaviors).start();
  const configs = Object.entries(specs).map(([name, spec]) => ({
    name,
    baseUrl: simulator.baseUrl(name),
    tracking: 'webhook' as const,
    webhookSecret: secrets[name],
    pollIntervalSeconds: 0.1,
    acceptSlaSeconds: 30,
    timeoutMs: 1_000,
    alternates: [],
    ...spec.config,
  }));
  return { simulator, configs };
}

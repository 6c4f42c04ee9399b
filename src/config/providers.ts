/**
 * The provider registry: which providers exist and how to treat them. Configured
 * as JSON in PROVIDERS (or a file named by PROVIDERS_FILE); validated at start-up.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './index';

export const providerConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _'),
    baseUrl: z.url(),
    /** HMAC key for webhooks (both directions of trust are per provider). */
    webhookSecret: z.string().min(16).optional(),
    tracking: z.enum(['webhook', 'poll']).default('webhook'),
    pollIntervalSeconds: z.number().positive().default(5),
    acceptSlaSeconds: z.number().positive().default(60),
    /** Per-request HTTP timeout of calls to this provider. */
    timeoutMs: z.number().int().positive().default(5000),
    alternates: z.array(z.string()).default([]),
  })
  .refine((p) => p.tracking === 'poll' || p.webhookSecret, {
    message: 'a webhook provider needs a webhookSecret (at least 16 characters)',
  });

export const providerRegistrySchema = z
  .array(providerConfigSchema)
  .superRefine((providers, ctx) => {
    const names = new Set(providers.map((p) => p.name));
    if (names.size !== providers.length) ctx.addIssue({ code: 'custom', message: 'duplicate provider name' });
    for (const p of providers) {
      for (const alternate of p.alternates) {
        if (!names.has(alternate)) ctx.addIssue({ code: 'custom', message: `${p.name}: unknown alternate ${alternate}` });
      }
    }
  });

export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type ProviderRegistry = ReadonlyMap<string, ProviderConfig>;

export function providerRegistry(configs: ProviderConfig[]): ProviderRegistry {
  return new Map(configs.map((config) => [config.name, config]));
}

/** Reads PROVIDERS or PROVIDERS_FILE; no providers configured is an empty registry. */
export function loadProviderRegistry(env: NodeJS.ProcessEnv = process.env): ProviderRegistry {
  const [variable, text] = env.PROVIDERS
    ? ['PROVIDERS', env.PROVIDERS]
    : env.PROVIDERS_FILE
      ? ['PROVIDERS_FILE', fs.readFileSync(env.PROVIDERS_FILE, 'utf8')]
      : [undefined, '[]'];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`Invalid configuration: ${variable}: not valid JSON`);
  }
  const result = providerRegistrySchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${variable}: ${issue.path.join('.')} ${issue.message}`.replace(': ', ': ').trim());
  }
  return providerRegistry(result.data);
}

/**
 * `bin/gophermart`: the loyalty service as one executable, as Gophermart test suites
 * run it — configured by RUN_ADDRESS, DATABASE_URI and ACCRUAL_SYSTEM_ADDRESS (or the
 * flags -a, -d, -r; an environment variable wins over its flag, since the rest of the
 * service is configured by environment). It starts what is missing: a Temporal dev
 * server unless TEMPORAL_ADDRESS is set, an embedded PostgreSQL unless a database is
 * given, the accrual simulator unless an accrual system is given. Then migrations,
 * the API (listening first, within seconds) and the workers. SIGINT stops all of it.
 *
 * Temporal state lives in memory unless DATA_DIR is set; unfinished accruals are
 * restarted from the database at every start, so nothing is lost either way.
 */
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { limitsFromConfig } from '../api/limits';
import { resumeUnfinishedAccruals } from '../api/loyalty/accrual';
import {
  ConfigError,
  gophermartConfigSchema,
  loyaltyTokenOptions,
  parseConfig,
  type GophermartConfig,
} from '../config';
import { createPrisma } from '../infra/database';
import { runStoppable, type Startup } from '../infra/lifecycle';
import { createLogger, type Logger } from '../infra/logger';
import { migrate } from '../infra/migrate';
import { assertPortFree, freePort } from '../infra/ports';
import { connectClient, ensureSearchAttributes, installTemporalRuntime } from '../infra/temporal';
import { startApi } from './api';
import { accrualSystemOrSimulator, startAllInOneInfrastructure, startSupervisedWorker } from './all-in-one';

const FLAGS: Record<string, keyof GophermartConfig> = { a: 'RUN_ADDRESS', d: 'DATABASE_URI', r: 'ACCRUAL_SYSTEM_ADDRESS' };

/** Go-style flags: `-a value`, `-a=value`, `--a value`. Returns them as the variables they stand for. */
export function parseFlags(argv: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--?([a-z])(?:=(.*))?$/.exec(argv[i]!);
    const variable = match && FLAGS[match[1]!];
    if (!variable) throw new ConfigError(`unknown argument "${argv[i]}"; usage: gophermart [-a host:port] [-d postgres-uri] [-r accrual-url]`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new ConfigError(`flag -${match[1]} needs a value`);
    values[variable] = value;
  }
  return values;
}

/** `host:port`; an empty host (`:8080`) means every interface. IPv6 hosts in brackets (`[::1]:8080`). */
export function splitRunAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

type Lookup = (host: string) => Promise<{ address: string }[]>;
const lookupAll: Lookup = (host) => dns.lookup(host, { all: true });

/**
 * The addresses RUN_ADDRESS's host stands for: itself when it is empty or an IP, else
 * every address the name resolves to. `localhost` is 127.0.0.1 and ::1 on hosts whose
 * /etc/hosts lists both (Node's own listen would take only the first, often ::1, while
 * clients such as the Go harness dial 127.0.0.1).
 */
export async function runAddressHosts(host: string, lookup: Lookup = lookupAll): Promise<string[]> {
  if (host === '' || net.isIP(host)) return [host];
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: RUN_ADDRESS: cannot resolve "${host}" (${(error as Error).message})`);
  }
  return [...new Set(addresses.map((entry) => entry.address))];
}

/**
 * Of `hosts`, those this machine can listen on (a name may resolve to ::1 where IPv6 is
 * off); throws, naming RUN_ADDRESS, when the port is taken on any of them or none is usable.
 */
async function usableHosts(hosts: string[], port: number): Promise<string[]> {
  const usable: string[] = [];
  for (const host of hosts) {
    try {
      await assertPortFree(port, 'RUN_ADDRESS', 'RUN_ADDRESS', host);
      usable.push(host);
    } catch (error) {
      if (!/EADDRNOTAVAIL|EAFNOSUPPORT/.test((error as Error).message)) throw error;
    }
  }
  if (usable.length === 0) throw new Error(`RUN_ADDRESS: none of ${hosts.join(', ')} is an address of this machine`);
  return usable;
}

/** Flags, then the environment over them (empty variables count as unset), validated. */
export function gophermartConfig(argv: string[], env: NodeJS.ProcessEnv): GophermartConfig {
  return parseConfig(gophermartConfigSchema, { ...parseFlags(argv), ...nonEmpty(env) });
}

export async function runGophermart(argv: string[]): Promise<void> {
  let config: GophermartConfig;
  try {
    config = gophermartConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const started = Date.now();
  const logger = createLogger(config.LOG_LEVEL ?? 'info', 'gophermart');
  await runStoppable(logger, async (startup) => {
    await start(config, logger, startup);
    logger.info({ ms: Date.now() - started }, 'gophermart is up');
  });
}

async function start(config: GophermartConfig, logger: Logger, startup: Startup): Promise<void> {
  const { cleanup, stopping } = startup;
  // A taken port stops the start before anything runs.
  const { host: runHost, port } = splitRunAddress(config.RUN_ADDRESS);
  const hosts = await usableHosts(await runAddressHosts(runHost), port);
  const dataDir = config.DATA_DIR ? path.resolve(config.DATA_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'gophermart-'));
  if (!config.DATA_DIR) cleanup.add('temporary data', async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  fs.chmodSync(dataDir, 0o755); // an embedded PostgreSQL runs as another user when we are root

  installTemporalRuntime(logger);
  const infra = await startAllInOneInfrastructure(startup, {
    logger,
    dataDir,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalAddress: config.TEMPORAL_ADDRESS,
    temporalPort: await freePort(),
    persistTemporal: Boolean(config.DATA_DIR),
    databaseUrl: config.DATABASE_URI,
    databaseUrlVariable: 'DATABASE_URI',
    postgresPort: await freePort(),
    databaseName: 'gophermart',
  });

  stopping.throwIfAborted();
  const applied = await migrate(infra.databaseUrl);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  stopping.throwIfAborted();

  const accrual = await accrualSystemOrSimulator(config.ACCRUAL_SYSTEM_ADDRESS, cleanup);
  if (accrual.simulated) logger.warn({ url: accrual.address }, 'no ACCRUAL_SYSTEM_ADDRESS: using the built-in accrual simulator');

  const common = {
    temporalAddress: infra.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    databaseUrl: infra.databaseUrl,
  };
  // The API listens first: clients may connect while the worker still loads its workflow code.
  const api = await startApi({
    ...common,
    temporalUiUrl: infra.temporalUiUrl ?? config.TEMPORAL_UI_URL,
    host: hosts,
    port,
    // Unless LOG_LEVEL says otherwise, no line per request: test suites make thousands of them.
    logger: logger.child({ component: 'api' }, config.LOG_LEVEL ? {} : { level: 'warn' }),
    ...gophermartApiOptions(config),
  });
  cleanup.add('api', () => api.stop());
  logger.info({ url: api.url, addresses: hosts, accrual: accrual.address }, 'gophermart API listening');
  stopping.throwIfAborted();

  const temporal = await connectClient(infra.temporalAddress, config.TEMPORAL_NAMESPACE);
  cleanup.add('temporal client', () => temporal.connection.close());
  if (config.TEMPORAL_ADDRESS) await ensureSearchAttributes(temporal);
  stopping.throwIfAborted();

  await startSupervisedWorker({ ...common, logger: logger.child({ component: 'worker' }) }, config, accrual.address, cleanup, logger);
  stopping.throwIfAborted();

  const prisma = createPrisma(infra.databaseUrl, 2);
  try {
    const resumed = await resumeUnfinishedAccruals(prisma, temporal, config.TEMPORAL_TASK_QUEUE, stopping);
    if (resumed) logger.info({ resumed }, 'resumed accrual polling of unfinished orders');
  } finally {
    await prisma.$disconnect();
  }
}

/** The API's settings from the configuration: token, body and rate limits (no rate limit unless RATE_LIMIT_MAX is set), proxies. */
export function gophermartApiOptions(config: GophermartConfig) {
  return {
    loyalty: loyaltyTokenOptions(config),
    limits: limitsFromConfig(config),
    ...(config.API_TRUST_PROXY === undefined ? {} : { trustProxy: config.API_TRUST_PROXY }),
  };
}

function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

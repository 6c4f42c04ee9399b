/**
 * What the all-in-one processes (the `npm start` sandbox and `bin/gophermart`) share:
 * an accrual system (the configured one, or a simulator they start), and workers whose
 * sudden death stops the whole process instead of leaving an API without workers.
 */
import { accrualClientOptions, accrualRunSettings, type AccrualConfig } from '../config';
import type { Cleanup, Startup } from '../infra/lifecycle';
import type { Logger } from '../infra/logger';
import { startInfrastructure, type Infrastructure, type InfrastructureOptions } from '../infra/stack';
import { startAccrualSimulator, type SimulatorBehaviour } from '../simulators/accrual/server';
import { startWorker, type RunningWorker, type WorkerProcessOptions } from './worker';

type Optional<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | undefined };

/**
 * Temporal and PostgreSQL: the configured ones (an address, a URL), or local ones started
 * as child processes, stopped by the start-up's cleanup even when a stop interrupts it.
 */
export function startAllInOneInfrastructure(
  { startingProcesses }: Startup,
  options: Optional<InfrastructureOptions, 'temporalAddress' | 'databaseUrl' | 'databaseUrlVariable'>,
): Promise<Infrastructure> {
  const { temporalAddress, databaseUrl, databaseUrlVariable, ...rest } = options;
  const given = {
    ...(temporalAddress ? { temporalAddress } : {}),
    ...(databaseUrl ? { databaseUrl, ...(databaseUrlVariable ? { databaseUrlVariable } : {}) } : {}),
  };
  return startingProcesses('infrastructure', startInfrastructure({ ...rest, ...given }), (infra) => infra.stop());
}

/** The configured accrual system, or a simulator started for this process (stopped by `cleanup`). */
export async function accrualSystemOrSimulator(
  configured: string | undefined,
  cleanup: Cleanup,
  simulator: { port?: number; behaviour?: Partial<SimulatorBehaviour> } = {},
): Promise<{ address: string; simulated: boolean }> {
  if (configured) return { address: configured, simulated: false };
  const started = await startAccrualSimulator(simulator);
  cleanup.add('accrual simulator', () => started.close());
  return { address: started.url, simulated: true };
}

/** Both workers, configured from `config`, polling `accrualAddress`; stopped by `cleanup`. */
export async function startSupervisedWorker(
  options: Omit<WorkerProcessOptions, 'accrualSettings' | 'accrualWorker'>,
  config: AccrualConfig,
  accrualAddress: string,
  cleanup: Cleanup,
  logger: Logger,
): Promise<RunningWorker> {
  const worker = await startWorker({
    ...options,
    accrualSettings: accrualRunSettings(config),
    accrualWorker: accrualClientOptions({ ...config, ACCRUAL_SYSTEM_ADDRESS: accrualAddress }),
  });
  cleanup.add('worker', () => worker.stop());
  worker.done.catch((error) => {
    logger.fatal({ err: error }, 'worker stopped unexpectedly');
    process.kill(process.pid, 'SIGTERM');
  });
  return worker;
}

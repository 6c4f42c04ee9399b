// A worker for the baseline workflow, run as its own process like the order worker.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: 'baseline',
    workflowsPath: require.resolve('./workflows'),
    activities: { async noop() {} },
  });
  process.on('SIGTERM', () => worker.shutdown());
  process.stdout.write('worker polling\n');
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

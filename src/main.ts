// Starts the service: configuration, database (created if missing, migrations applied, plans
// seeded), Redis, HTTP. Stops in order on SIGTERM or SIGINT (see RunningService.stop), exits 0
// when done, 1 when that takes longer than SHUTDOWN_GRACE_MS; a second signal kills at once.
import 'reflect-metadata';
import { loadConfig, ConfigError } from './config/env';
import { DatabaseUnreachableError } from './db/orm';
import { RedisUnreachableError } from './app/redis';
import { ListenError, startService, type Role } from './app/service';
import { clusterRole, superviseCluster } from './app/cluster';
import { createLogger } from './observability/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const asked = (process.argv[2] ?? 'all') as Role;
  if (!['api', 'worker', 'all'].includes(asked)) {
    console.error(`usage: node dist/src/main.js [api|worker|all] (got "${asked}")`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  // API_PROCESSES > 1: this process supervises that many service processes on the one port
  if (asked !== 'worker' && config.apiProcesses > 1 && !clusterRole()) {
    superviseCluster(config.apiProcesses, asked, logger);
    return;
  }
  const role = clusterRole() ?? asked;
  let service: Awaited<ReturnType<typeof startService>> | null = null;
  let signalled: NodeJS.Signals | null = null;
  const shutdown = (running: NonNullable<typeof service>, signal: string) => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs: config.shutdownGraceMs }, 'shutdown took longer than SHUTDOWN_GRACE_MS, exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    timer.unref();
    running.stop({ drainDelayMs: config.shutdownDelayMs }).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // a second signal of either kind takes the default action: the process ends at once
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    signalled = signal;
    // during startup (the HTTP port may be open already) the stop follows as soon as it is done
    if (service) shutdown(service, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    service = await startService(config, logger, role);
  } catch (err) {
    if (err instanceof DatabaseUnreachableError || err instanceof RedisUnreachableError) {
      console.error(err.message);
      process.exit(3);
    }
    if (err instanceof ListenError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (signalled) shutdown(service, signalled);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// API_PROCESSES > 1 for `api` and `all`: this process becomes a supervisor (node:cluster) that
// forks that many service processes sharing the HTTP port (the cluster hands connections out
// round-robin). They share nothing else in memory: live updates go through Redis, rate limits
// are synced through Redis, the request caches are invalidated through Postgres NOTIFY. With
// `all`, the first process also runs the jobs, the others serve the API only. A process that dies
// is forked again (at most once a second); SIGTERM/SIGINT are passed to every process, which drain
// as a single one would, and the supervisor exits when all have (0 when all stopped cleanly).
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../observability/logger';
import type { Role } from './service';

const ROLE_ENV = 'VP_CLUSTER_ROLE';

/** The role of this process when it is one of a cluster's (else null). */
export function clusterRole(): Role | null {
  return cluster.isWorker ? ((process.env[ROLE_ENV] as Role | undefined) ?? 'api') : null;
}

export function superviseCluster(processes: number, role: 'api' | 'all', logger: Logger): void {
  const roles = new Map<Worker, Role>();
  let stopping = false;
  let failed = false;
  let exitCode = 1;
  let lastFork = 0;
  const fork = (r: Role) => {
    lastFork = Date.now();
    const w = cluster.fork({ [ROLE_ENV]: r });
    roles.set(w, r);
  };
  for (let i = 0; i < processes; i++) fork(role === 'all' && i === 0 ? 'all' : 'api');
  logger.info({ processes, role }, 'supervising API processes');

  // a process that ends before it ever listened failed to start (a port that is taken, Postgres or
  // Redis unreachable: it said why in one line): forking it again would only repeat that, so the
  // supervisor stops the others and exits with its code
  const listened = new Set<Worker>();
  cluster.on('listening', (w) => listened.add(w));
  cluster.on('exit', (w, code, signal) => {
    const r = roles.get(w) ?? 'api';
    roles.delete(w);
    const started = listened.delete(w);
    if (!stopping && !started) {
      stopping = true;
      failed = true;
      exitCode = code || 1;
      for (const other of roles.keys()) other.process.kill('SIGTERM');
    }
    if (stopping) {
      // one still loading when the stop came ends by the signal itself (its handler was not yet
      // installed): it never served, so there was nothing to drain — not a failure
      const stoppedWhileLoading = !started && signal !== null;
      if (code !== 0 && !stoppedWhileLoading) failed = true;
      if (roles.size === 0) process.exit(failed ? exitCode : 0);
      return;
    }
    logger.error({ pid: w.process.pid, code, signal, role: r }, 'an API process died; starting another');
    const wait = Math.max(0, 1000 - (Date.now() - lastFork));
    setTimeout(() => {
      if (!stopping) fork(r);
    }, wait);
  });

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // a second signal: end everything at once
      for (const w of roles.keys()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping API processes');
    if (roles.size === 0) process.exit(0);
    for (const w of roles.keys()) w.process.kill(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

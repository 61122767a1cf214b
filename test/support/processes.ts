// The service as separate Node processes (API or worker) on a test database, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

// from the sources (jest) or from the built tests themselves (npm run sim runs dist/test/…)
const MAIN =
  basename(join(__dirname, '..', '..')) === 'dist' ? join(__dirname, '..', '..', 'src', 'main.js') : join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export function startProcess(role: 'api' | 'worker' | 'all', env: Record<string, string>, timeoutMs = 20_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN, role], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', WORKER_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${role} did not start:\n${logs.join('\n')}`));
    }, timeoutMs);
    const ready = (port: number) => {
      clearTimeout(timer);
      resolve({
        child,
        port,
        logs,
        stop: (signal = 'SIGTERM') =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            // a stop that hangs must not hang the test run: killed after a grace period, and said so
            const grace = setTimeout(() => {
              console.warn(`${role} did not stop within 15 s of ${signal}; killed. Last logs:\n${logs.slice(-20).join('\n')}`);
              child.kill('SIGKILL');
            }, 15_000);
            child.once('exit', (code) => {
              clearTimeout(grace);
              done(code);
            });
            child.kill(signal);
          }),
      });
    };
    createInterface({ input: child.stderr! }).on('line', (l) => logs.push(l));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        // a worker listens too (health, metrics), after its workers have started
        if (entry.msg === 'http server listening') ready(entry.port!);
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code}:\n${logs.join('\n')}`));
    });
  });
}

/**
 * Crash points for crash-safety tests: a process started with VP_FAILPOINTS=a,b dies with SIGKILL
 * (no cleanup, like a power cut) when it reaches point a or b. Unset in production, where this is
 * one string lookup.
 */
const armed = new Set(
  (process.env.VP_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export function failpoint(name: string): void {
  if (armed.size && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}

/** Programmer errors fail loudly; expected failures are returned as Result. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

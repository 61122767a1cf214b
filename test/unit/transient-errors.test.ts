// Which failures answer SERVICE_UNAVAILABLE (retry with the same key) and which stay bugs.
import { isTransient } from '../../src/db/transient';
import { UsageQueueFullError } from '../../src/domain/ledger/usage-batcher';

const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isTransient', () => {
  it.each([
    ['a deadlock left after our retries', pg('40P01', 'deadlock detected')],
    ['a serialization failure', pg('40001')],
    ['a lock wait over its bound', pg('55P03', 'canceling statement due to lock timeout')],
    ['an administrator shut the database down', pg('57P01')],
    ['the database is starting up', pg('57P03')],
    ['too many connections', pg('53300')],
    ['a connection failure', pg('08006')],
    ['a refused connection', pg('ECONNREFUSED')],
    ['a reset connection', pg('ECONNRESET')],
    ['no pooled connection in time', Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' })],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
    ['too many recordUsage calls waiting in the process', new UsageQueueFullError(10_000)],
    [
      'the pool timeout as MikroORM renames it',
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'DriverException' }),
    ],
    ['a deadlock as MikroORM wraps it', Object.assign(new Error('deadlock detected'), { name: 'DeadlockException', sqlState: '40P01' })],
    ['a wrapped error with its previous one', Object.assign(new Error('wrapped'), { previous: pg('57P01') })],
    ['the cause of a wrapping error', new Error('recordUsage failed', { cause: pg('40P01') })],
  ])('%s is transient', (_what, err) => {
    expect(isTransient(err)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a business failure', pg('VPB01', 'INSUFFICIENT_CREDITS')],
    ['a unique violation', pg('23505')],
    ['a check violation', pg('23514')],
    ['a syntax error in our SQL', pg('42601')],
    ['nothing', undefined],
    ['a string', 'boom'],
  ])('%s is not', (_what, err) => {
    expect(isTransient(err)).toBe(false);
  });
});

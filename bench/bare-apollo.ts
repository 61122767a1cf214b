// The baselines of bench:api: bare Apollo Server 5 (startStandaloneServer, no Express app of ours,
// no plugins, no authentication, no rate limit), in one of two modes, each in its own process:
//   health  — `{ health }` answers a constant;
//   cte     — `recordUsage(userId, seconds, idempotencyKey)` runs the one statement (conditional
//             balance update + ledger insert, through `pg`) on the bench's database.
// Usage: node dist/bench/bare-apollo.js <health|cte> <port> [databaseUrl]
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Pool } from 'pg';

export const BARE_CTE_SQL = `
  with b as (
    update bench_balances set balance_seconds = balance_seconds - $2
     where user_id = $1 and balance_seconds >= $2 returning balance_seconds)
  insert into bench_ledger (user_id, amount_seconds, balance_after_seconds, idempotency_key)
  select $1, -$2, balance_seconds, $3 from b returning balance_after_seconds`;

const typeDefs = `#graphql
  type Query { health: String! }
  type Mutation { recordUsage(userId: ID!, seconds: Int!, idempotencyKey: String!): Int }
`;

async function main(): Promise<void> {
  const [mode, portArg, databaseUrl] = process.argv.slice(2);
  if ((mode !== 'health' && mode !== 'cte') || !portArg) throw new Error('usage: bare-apollo.js <health|cte> <port> [databaseUrl]');
  const pool = mode === 'cte' ? new Pool({ connectionString: databaseUrl, max: Number(process.env.BARE_POOL_MAX ?? 32) }) : null;
  const server = new ApolloServer({
    typeDefs,
    stopOnTerminationSignals: false,
    resolvers: {
      Query: { health: () => 'ok' },
      Mutation: {
        recordUsage: async (_: unknown, a: { userId: string; seconds: number; idempotencyKey: string }) => {
          const { rows } = await pool!.query<{ balance_after_seconds: string }>(BARE_CTE_SQL, [a.userId, a.seconds, a.idempotencyKey]);
          return rows[0] ? Number(rows[0].balance_after_seconds) : null;
        },
      },
    },
  });
  await startStandaloneServer(server, { listen: { port: Number(portArg), host: '127.0.0.1' } });
  process.send?.('ready');
  const stop = () => {
    void server
      .stop()
      .then(() => pool?.end())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

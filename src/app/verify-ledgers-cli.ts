// npm run verify:ledgers — checks every user's ledger (verifyLedger: hash chain, sequence, balances,
// every invariant) in the database of DATABASE_URL and prints one line per user with a problem and a
// summary whose figures two copies of the books must share (the restore drill compares them).
// Exits 0 when every ledger verifies, 1 otherwise. Reads only.
import 'reflect-metadata';
import { loadConfig } from '../config/env';
import { createOrm } from '../db/orm';
import { verifyLedger } from '../domain/ledger/verify-ledger';

const PAGE_USERS = 500;

async function main(): Promise<number> {
  const config = loadConfig();
  const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: 2, tls: config.databaseTls });
  try {
    let users = 0;
    let entries = 0;
    let balanceSeconds = 0;
    let bad = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await orm.em.fork().getConnection().execute<{ id: string }[]>('select id from users where id > ? order by id limit ?', [after, PAGE_USERS]);
      for (const { id } of page) {
        const report = await verifyLedger({ em: orm.em.fork() }, id);
        users += 1;
        entries += report.entriesChecked;
        balanceSeconds += report.balanceSeconds;
        if (!report.ok) {
          bad += 1;
          console.log(JSON.stringify({ userId: id, firstBadSequence: report.firstBadSequence, problems: report.problems }));
        }
      }
      if (page.length < PAGE_USERS) break;
      after = page.at(-1)!.id;
    }
    console.log(JSON.stringify({ users, entries, balanceSeconds, usersWithProblems: bad }));
    return bad === 0 ? 0 : 1;
  } finally {
    await orm.close(true);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);

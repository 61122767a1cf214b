// Ledger functions are called through their typed wrappers in src/db/ledger/; the entity manager's
// type lives in src/db/em.ts. Kept only so imports of Em from here (in branches not yet merged)
// still resolve: import it from src/db/em.
export type { Em } from '../../db/em';

import { CreditBalance } from './credit-balance.entity';
import { CreditGrant } from './credit-grant.entity';
import { LedgerEntry } from './ledger-entry.entity';
import { Membership } from './membership.entity';
import { Plan } from './plan.entity';
import { Reservation } from './reservation.entity';
import { UsagePeriod } from './usage-period.entity';
import { UsageRecord } from './usage-record.entity';
import { User } from './user.entity';

export { CreditBalance, CreditGrant, LedgerEntry, Membership, Plan, Reservation, UsagePeriod, UsageRecord, User };
export * from './types';

export const entities = [CreditBalance, CreditGrant, LedgerEntry, Membership, Plan, Reservation, UsagePeriod, UsageRecord, User];

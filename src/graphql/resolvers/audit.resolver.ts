// ADMIN views of the books' integrity: the audit log and the verification of one user's ledger.
import { Args, ArgsType, Ctx, Field, ID, Int, Query, Resolver } from 'type-graphql';
import type { AuditAction } from '../../domain/audit/audit';
import { listAuditLog } from '../../domain/audit/list-audit-log';
import { toDrift } from '../../domain/ledger/reconcile-ledgers';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { checkId } from '../../domain/ledger/validate';
import { ErrorCode } from '../../shared/errors';
import { authorize } from '../authz';
import type { GraphQLContext } from '../context';
import { connectionOf, cursors, pageArgs } from '../connection';
import { badInput } from '../errors';
import { AuditActionEnum, AuditEntryConnection, LedgerVerification } from '../types/gdpr';

function uuidArg(v: string | null | undefined, name: string): string | null {
  if (!v) return null;
  if (checkId(v, name, ErrorCode.USER_NOT_FOUND)) throw badInput(`${name} is not a user id.`);
  return v.toLowerCase();
}

@ArgsType()
export class AuditLogArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, default 20, at most 100.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
  @Field(() => ID, { nullable: true, description: 'Who acted.' }) actorId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Whose account it concerned.' }) targetUserId?: string | null;
  @Field(() => [AuditActionEnum], { nullable: true }) actions?: AuditAction[] | null;
  @Field(() => Date, { nullable: true, description: 'Inclusive.' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive.' }) to?: Date | null;
}

@ArgsType()
export class VerifyLedgerArgs {
  @Field(() => ID) userId!: string;
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'ADMIN: the audit log, newest first.' })
  async auditLog(@Args(() => AuditLogArgs) a: AuditLogArgs, @Ctx() ctx: GraphQLContext): Promise<AuditEntryConnection> {
    authorize(ctx, 'auditLog');
    const req = pageArgs(cursors.auditLog, a);
    const page = await listAuditLog(ctx.em, {
      first: req.first,
      beforeId: req.after,
      actorId: uuidArg(a.actorId, 'actorId'),
      targetUserId: uuidArg(a.targetUserId, 'targetUserId'),
      actions: a.actions,
      from: a.from,
      to: a.to,
    });
    return { ...connectionOf(cursors.auditLog, page, (node) => node.id), totalCount: page.totalCount };
  }

  @Query(() => LedgerVerification, {
    nullable: true,
    description: "ADMIN: checks one user's ledger against every invariant and the hash chain (reads only; never repairs). Null for an unknown user.",
  })
  async verifyLedger(@Args(() => VerifyLedgerArgs) { userId }: VerifyLedgerArgs, @Ctx() ctx: GraphQLContext): Promise<LedgerVerification | null> {
    authorize(ctx, 'verifyLedger');
    const id = uuidArg(userId, 'userId')!;
    const [user] = await ctx.em.getConnection().execute('select 1 from users where id = ?', [id]);
    if (!user) return null;
    const report = await verifyLedger({ em: ctx.em }, id);
    const drift = toDrift(report);
    return {
      userId: id,
      ok: report.ok,
      balanceSeconds: report.balanceSeconds,
      entriesChecked: report.entriesChecked,
      firstBadSequence: report.firstBadSequence,
      firstBadInvariants: report.ok ? [] : drift.invariants,
      problems: report.problems.map((p) => ({ invariant: p.invariant, sequence: p.sequence ?? null, message: p.message })),
    };
  }
}

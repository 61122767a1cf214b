import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { commitReservation } from '../../domain/ledger/commit-reservation';
import { extendReservation } from '../../domain/ledger/extend-reservation';
import { releaseReservation } from '../../domain/ledger/release-reservation';
import { reserveCredits } from '../../domain/ledger/reserve-credits';
import { findReservation } from '../../domain/queries/lookups';
import { countUsage } from '../../observability/metrics';
import { authorize, authorizeObject, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { CommitReservationInput, ExtendReservationInput, ReleaseReservationInput, ReserveCreditsInput } from '../types/inputs';
import { Reservation } from '../types/objects';
import { CommitReservationPayload, ExtendReservationPayload, ReleaseReservationPayload, ReserveCreditsPayload } from '../types/payloads';
import { ledgerDeps, payload } from './common';

@Resolver(() => Reservation)
export class ReservationResolver {
  @Query(() => Reservation, { nullable: true, description: 'USER: own; SERVICE, ADMIN: any.' })
  async reservation(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Reservation | null> {
    const p = authorize(ctx, 'reservation');
    await authorizeObject(ctx, p, 'reservation', id);
    return findReservation(ctx.em, id);
  }

  @Mutation(() => ReserveCreditsPayload, { description: 'SERVICE, ADMIN: set seconds aside for a call that starts.' })
  async reserveCredits(@Arg('input', () => ReserveCreditsInput) input: ReserveCreditsInput, @Ctx() ctx: GraphQLContext): Promise<ReserveCreditsPayload> {
    const p = authorize(ctx, 'reserveCredits');
    const r = await reserveCredits(ledgerDeps(ctx), { ...input, userId: targetUser(p, input.userId) });
    return payload(r, (v) => v);
  }

  @Mutation(() => ExtendReservationPayload, { description: 'SERVICE, ADMIN: add seconds to a hold and renew its TTL.' })
  async extendReservation(
    @Arg('input', () => ExtendReservationInput) input: ExtendReservationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExtendReservationPayload> {
    authorize(ctx, 'extendReservation');
    return payload(await extendReservation(ledgerDeps(ctx), input), (v) => v);
  }

  @Mutation(() => CommitReservationPayload, { description: 'SERVICE, ADMIN: end a hold with the seconds really used.' })
  async commitReservation(
    @Arg('input', () => CommitReservationInput) input: CommitReservationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CommitReservationPayload> {
    authorize(ctx, 'commitReservation');
    const r = await commitReservation(ledgerDeps(ctx), input);
    countUsage('commitReservation', r);
    return payload(r, (v) => v);
  }

  @Mutation(() => ReleaseReservationPayload, { description: 'SERVICE, ADMIN: give a hold back unused.' })
  async releaseReservation(
    @Arg('input', () => ReleaseReservationInput) input: ReleaseReservationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ReleaseReservationPayload> {
    authorize(ctx, 'releaseReservation');
    return payload(await releaseReservation(ledgerDeps(ctx), input), (v) => v);
  }
}

// Every operation the web app sends, as typed documents generated from schema.graphql by
// `npm run codegen` (web/src/gql/): a field removed or renamed in the schema breaks `npm run typecheck`.
import { graphql } from './gql';

/** What every mutation answers when it refuses: a typed code and a message. */
export const UserErrorFieldsFragment = graphql(`
  fragment UserErrorFields on UserError {
    code
    message
  }
`);

export const BalanceFields = graphql(`
  fragment BalanceFields on CreditBalance {
    userId
    balanceSeconds
    reservedSeconds
    availableSeconds
    periodIncludedSeconds
    periodUsedSeconds
    periodOverageSeconds
    periodOverageCents
    version
    updatedAt
  }
`);

export const MeDocument = graphql(`
  query Me {
    me {
      id
      email
      role
      timeZone
      membership {
        id
        status
        cancelAtPeriodEnd
        currentPeriodStart
        currentPeriodEnd
        overageLimitCents
        scheduledChangeAt
        scheduledPlan {
          code
          name
        }
        plan {
          code
          name
          priceCents
          includedSeconds
          overageCentsPerMinute
        }
      }
      balance {
        ...BalanceFields
      }
    }
    plans {
      code
      name
      priceCents
      includedSeconds
      overageCentsPerMinute
      features
    }
  }
`);

export const BalanceChangedDocument = graphql(`
  subscription BalanceChanged {
    balanceChanged {
      ...BalanceFields
    }
  }
`);

export const UsageAlertDocument = graphql(`
  subscription UsageAlert {
    usageAlert {
      id
      kind
      usedSeconds
      includedSeconds
      overageSeconds
      balanceSeconds
      createdAt
    }
  }
`);

export const UsageDocument = graphql(`
  query Usage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
    usage(from: $from, to: $to, granularity: $granularity) {
      granularity
      timeZone
      buckets {
        startAt
        localDate
        billableSeconds
        usedSeconds
        overageSeconds
        calls
      }
      totals {
        billableSeconds
        calls
        overageSeconds
        overageCents
      }
    }
    usageForecast {
      asOf
      periodStart
      periodEnd
      usedSeconds
      includedSeconds
      dailyRateSeconds
      projectedUsedSeconds
      projectedOverageSeconds
      projectedOverageCents
      balanceRunsOutAt
    }
  }
`);

export const RoiDocument = graphql(`
  query Roi($agentCostCentsPerHour: Int!) {
    roi(agentCostCentsPerHour: $agentCostCentsPerHour) {
      calls
      handledSeconds
      humanCostCents
      spendCents
      savingsCents
      returnBp
    }
  }
`);

export const TransactionsDocument = graphql(`
  query Transactions($first: Int!, $after: String) {
    transactions(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          sequence
          type
          amountSeconds
          balanceAfterSeconds
          description
          createdAt
          lineage {
            seconds
            grant {
              id
              source
              expiresAt
            }
          }
        }
      }
    }
  }
`);

export const CheckoutDocument = graphql(`
  mutation Checkout($input: CreateCheckoutSessionInput!) {
    createCheckoutSession(input: $input) {
      url
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const TopUpDocument = graphql(`
  mutation TopUp($input: CreateTopUpCheckoutSessionInput!) {
    createTopUpCheckoutSession(input: $input) {
      url
      amountCents
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const PortalDocument = graphql(`
  mutation Portal($input: CreateBillingPortalSessionInput!) {
    createBillingPortalSession(input: $input) {
      url
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const ChangePlanDocument = graphql(`
  mutation ChangePlan($input: ChangePlanInput!) {
    changePlan(input: $input) {
      kind
      effectiveAt
      paymentPending
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const CancelDocument = graphql(`
  mutation Cancel($input: CancelMembershipInput!) {
    cancelMembership(input: $input) {
      membership {
        status
        cancelAtPeriodEnd
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const OverageLimitDocument = graphql(`
  mutation OverageLimit($input: SetOverageLimitInput!) {
    setOverageLimit(input: $input) {
      membership {
        overageLimitCents
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const ConsentsDocument = graphql(`
  query Consents {
    consents(first: 1) {
      current {
        purpose
        granted
        policyVersion
        changedAt
      }
    }
  }
`);

export const GrantConsentDocument = graphql(`
  mutation GrantConsent($input: GrantConsentInput!) {
    grantConsent(input: $input) {
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const RevokeConsentDocument = graphql(`
  mutation RevokeConsent($input: RevokeConsentInput!) {
    revokeConsent(input: $input) {
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const ExportDocument = graphql(`
  mutation ExportMyData {
    exportMyData(input: {}) {
      url
      expiresAt
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const DeleteAccountDocument = graphql(`
  mutation DeleteAccount {
    requestAccountDeletion(input: {}) {
      request {
        status
        requestedAt
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

// ---- admin ---------------------------------------------------------------------------------------

export const RevenueDocument = graphql(`
  query Revenue($from: DateTime!, $to: DateTime!) {
    revenueMetrics(from: $from, to: $to) {
      from
      to
      mrrCents
      membershipMrrCents
      usageMrrCents
      customers
      newCustomers
      churnedCustomers
      customerChurnRateBp
      arpuCents
      ltvCents
      revenueCents
    }
  }
`);

export const EconomicsDocument = graphql(`
  query Economics($from: DateTime, $to: DateTime, $first: Int!, $after: String) {
    tierUsage(from: $from, to: $to) {
      planCode
      customers
      periods
      averageShareBp
      p50ShareBp
      p90ShareBp
      overageShareBp
    }
    unitEconomics(from: $from, to: $to) {
      costPerMinuteMillicents
      plans {
        planCode
        customers
        usedSeconds
        revenueCents
        costCents
        marginCents
        marginBp
        revenuePerUsedMinuteMillicents
      }
    }
    customerEconomics(from: $from, to: $to, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          userId
          planCode
          calls
          usedSeconds
          revenueCents
          costCents
          marginCents
          marginBp
        }
      }
    }
  }
`);

export const OperationsDocument = graphql(`
  query Operations($status: String) {
    webhookEvents(first: 50, status: $status) {
      id
      type
      status
      attempts
      lastError
      receivedAt
      processedAt
    }
    failedJobs(first: 50) {
      id
      queue
      type
      eventId
      attemptsMade
      failedReason
      failedAt
    }
  }
`);

export const RetryEventDocument = graphql(`
  mutation RetryEvent($input: RetryWebhookEventInput!) {
    retryWebhookEvent(input: $input) {
      event {
        id
        status
      }
      userErrors {
        ...UserErrorFields
      }
    }
  }
`);

export const VerifyLedgerDocument = graphql(`
  query VerifyLedger($userId: ID!) {
    verifyLedger(userId: $userId) {
      userId
      ok
      entriesChecked
      balanceSeconds
      firstBadSequence
      problems {
        invariant
        message
        sequence
      }
    }
  }
`);

export const AuditLogDocument = graphql(`
  query AuditLog($first: Int!, $after: String) {
    auditLog(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          action
          actorRole
          actorId
          targetUserId
          subjectId
          occurredAt
        }
      }
    }
  }
`);

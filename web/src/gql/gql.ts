/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserErrorFields on UserError {\n    code\n    message\n  }\n": typeof types.UserErrorFieldsFragmentDoc,
    "\n  fragment BalanceFields on CreditBalance {\n    userId\n    balanceSeconds\n    reservedSeconds\n    availableSeconds\n    periodIncludedSeconds\n    periodUsedSeconds\n    periodOverageSeconds\n    periodOverageCents\n    version\n    updatedAt\n  }\n": typeof types.BalanceFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      email\n      role\n      timeZone\n      membership {\n        id\n        status\n        cancelAtPeriodEnd\n        currentPeriodStart\n        currentPeriodEnd\n        overageLimitCents\n        scheduledChangeAt\n        scheduledPlan {\n          code\n          name\n        }\n        plan {\n          code\n          name\n          priceCents\n          includedSeconds\n          overageCentsPerMinute\n        }\n      }\n      balance {\n        ...BalanceFields\n      }\n    }\n    plans {\n      code\n      name\n      priceCents\n      includedSeconds\n      overageCentsPerMinute\n      features\n    }\n  }\n": typeof types.MeDocument,
    "\n  subscription BalanceChanged {\n    balanceChanged {\n      ...BalanceFields\n    }\n  }\n": typeof types.BalanceChangedDocument,
    "\n  subscription UsageAlert {\n    usageAlert {\n      id\n      kind\n      usedSeconds\n      includedSeconds\n      overageSeconds\n      balanceSeconds\n      createdAt\n    }\n  }\n": typeof types.UsageAlertDocument,
    "\n  query Usage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(from: $from, to: $to, granularity: $granularity) {\n      granularity\n      timeZone\n      buckets {\n        startAt\n        localDate\n        billableSeconds\n        usedSeconds\n        overageSeconds\n        calls\n      }\n      totals {\n        billableSeconds\n        calls\n        overageSeconds\n        overageCents\n      }\n    }\n    usageForecast {\n      asOf\n      periodStart\n      periodEnd\n      usedSeconds\n      includedSeconds\n      dailyRateSeconds\n      projectedUsedSeconds\n      projectedOverageSeconds\n      projectedOverageCents\n      balanceRunsOutAt\n    }\n  }\n": typeof types.UsageDocument,
    "\n  query Roi($agentCostCentsPerHour: Int!) {\n    roi(agentCostCentsPerHour: $agentCostCentsPerHour) {\n      calls\n      handledSeconds\n      humanCostCents\n      spendCents\n      savingsCents\n      returnBp\n    }\n  }\n": typeof types.RoiDocument,
    "\n  query Transactions($first: Int!, $after: String) {\n    transactions(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          sequence\n          type\n          amountSeconds\n          balanceAfterSeconds\n          description\n          createdAt\n          lineage {\n            seconds\n            grant {\n              id\n              source\n              expiresAt\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.TransactionsDocument,
    "\n  mutation Checkout($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.CheckoutDocument,
    "\n  mutation TopUp($input: CreateTopUpCheckoutSessionInput!) {\n    createTopUpCheckoutSession(input: $input) {\n      url\n      amountCents\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.TopUpDocument,
    "\n  mutation Portal($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.PortalDocument,
    "\n  mutation ChangePlan($input: ChangePlanInput!) {\n    changePlan(input: $input) {\n      kind\n      effectiveAt\n      paymentPending\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ChangePlanDocument,
    "\n  mutation Cancel($input: CancelMembershipInput!) {\n    cancelMembership(input: $input) {\n      membership {\n        status\n        cancelAtPeriodEnd\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.CancelDocument,
    "\n  mutation OverageLimit($input: SetOverageLimitInput!) {\n    setOverageLimit(input: $input) {\n      membership {\n        overageLimitCents\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.OverageLimitDocument,
    "\n  query Consents {\n    consents(first: 1) {\n      current {\n        purpose\n        granted\n        policyVersion\n        changedAt\n      }\n    }\n  }\n": typeof types.ConsentsDocument,
    "\n  mutation GrantConsent($input: GrantConsentInput!) {\n    grantConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.GrantConsentDocument,
    "\n  mutation RevokeConsent($input: RevokeConsentInput!) {\n    revokeConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RevokeConsentDocument,
    "\n  mutation ExportMyData {\n    exportMyData(input: {}) {\n      url\n      expiresAt\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.ExportMyDataDocument,
    "\n  mutation DeleteAccount {\n    requestAccountDeletion(input: {}) {\n      request {\n        status\n        requestedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.DeleteAccountDocument,
    "\n  query Revenue($from: DateTime!, $to: DateTime!) {\n    revenueMetrics(from: $from, to: $to) {\n      from\n      to\n      mrrCents\n      membershipMrrCents\n      usageMrrCents\n      customers\n      newCustomers\n      churnedCustomers\n      customerChurnRateBp\n      arpuCents\n      ltvCents\n      revenueCents\n    }\n  }\n": typeof types.RevenueDocument,
    "\n  query Economics($from: DateTime, $to: DateTime, $first: Int!, $after: String) {\n    tierUsage(from: $from, to: $to) {\n      planCode\n      customers\n      periods\n      averageShareBp\n      p50ShareBp\n      p90ShareBp\n      overageShareBp\n    }\n    unitEconomics(from: $from, to: $to) {\n      costPerMinuteMillicents\n      plans {\n        planCode\n        customers\n        usedSeconds\n        revenueCents\n        costCents\n        marginCents\n        marginBp\n        revenuePerUsedMinuteMillicents\n      }\n    }\n    customerEconomics(from: $from, to: $to, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          userId\n          planCode\n          calls\n          usedSeconds\n          revenueCents\n          costCents\n          marginCents\n          marginBp\n        }\n      }\n    }\n  }\n": typeof types.EconomicsDocument,
    "\n  query Operations($status: String) {\n    webhookEvents(first: 50, status: $status) {\n      id\n      type\n      status\n      attempts\n      lastError\n      receivedAt\n      processedAt\n    }\n    failedJobs(first: 50) {\n      id\n      queue\n      type\n      eventId\n      attemptsMade\n      failedReason\n      failedAt\n    }\n  }\n": typeof types.OperationsDocument,
    "\n  mutation RetryEvent($input: RetryWebhookEventInput!) {\n    retryWebhookEvent(input: $input) {\n      event {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": typeof types.RetryEventDocument,
    "\n  query VerifyLedger($userId: ID!) {\n    verifyLedger(userId: $userId) {\n      userId\n      ok\n      entriesChecked\n      balanceSeconds\n      firstBadSequence\n      problems {\n        invariant\n        message\n        sequence\n      }\n    }\n  }\n": typeof types.VerifyLedgerDocument,
    "\n  query AuditLog($first: Int!, $after: String) {\n    auditLog(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          action\n          actorRole\n          actorId\n          targetUserId\n          subjectId\n          occurredAt\n        }\n      }\n    }\n  }\n": typeof types.AuditLogDocument,
};
const documents: Documents = {
    "\n  fragment UserErrorFields on UserError {\n    code\n    message\n  }\n": types.UserErrorFieldsFragmentDoc,
    "\n  fragment BalanceFields on CreditBalance {\n    userId\n    balanceSeconds\n    reservedSeconds\n    availableSeconds\n    periodIncludedSeconds\n    periodUsedSeconds\n    periodOverageSeconds\n    periodOverageCents\n    version\n    updatedAt\n  }\n": types.BalanceFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      email\n      role\n      timeZone\n      membership {\n        id\n        status\n        cancelAtPeriodEnd\n        currentPeriodStart\n        currentPeriodEnd\n        overageLimitCents\n        scheduledChangeAt\n        scheduledPlan {\n          code\n          name\n        }\n        plan {\n          code\n          name\n          priceCents\n          includedSeconds\n          overageCentsPerMinute\n        }\n      }\n      balance {\n        ...BalanceFields\n      }\n    }\n    plans {\n      code\n      name\n      priceCents\n      includedSeconds\n      overageCentsPerMinute\n      features\n    }\n  }\n": types.MeDocument,
    "\n  subscription BalanceChanged {\n    balanceChanged {\n      ...BalanceFields\n    }\n  }\n": types.BalanceChangedDocument,
    "\n  subscription UsageAlert {\n    usageAlert {\n      id\n      kind\n      usedSeconds\n      includedSeconds\n      overageSeconds\n      balanceSeconds\n      createdAt\n    }\n  }\n": types.UsageAlertDocument,
    "\n  query Usage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(from: $from, to: $to, granularity: $granularity) {\n      granularity\n      timeZone\n      buckets {\n        startAt\n        localDate\n        billableSeconds\n        usedSeconds\n        overageSeconds\n        calls\n      }\n      totals {\n        billableSeconds\n        calls\n        overageSeconds\n        overageCents\n      }\n    }\n    usageForecast {\n      asOf\n      periodStart\n      periodEnd\n      usedSeconds\n      includedSeconds\n      dailyRateSeconds\n      projectedUsedSeconds\n      projectedOverageSeconds\n      projectedOverageCents\n      balanceRunsOutAt\n    }\n  }\n": types.UsageDocument,
    "\n  query Roi($agentCostCentsPerHour: Int!) {\n    roi(agentCostCentsPerHour: $agentCostCentsPerHour) {\n      calls\n      handledSeconds\n      humanCostCents\n      spendCents\n      savingsCents\n      returnBp\n    }\n  }\n": types.RoiDocument,
    "\n  query Transactions($first: Int!, $after: String) {\n    transactions(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          sequence\n          type\n          amountSeconds\n          balanceAfterSeconds\n          description\n          createdAt\n          lineage {\n            seconds\n            grant {\n              id\n              source\n              expiresAt\n            }\n          }\n        }\n      }\n    }\n  }\n": types.TransactionsDocument,
    "\n  mutation Checkout($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.CheckoutDocument,
    "\n  mutation TopUp($input: CreateTopUpCheckoutSessionInput!) {\n    createTopUpCheckoutSession(input: $input) {\n      url\n      amountCents\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.TopUpDocument,
    "\n  mutation Portal($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.PortalDocument,
    "\n  mutation ChangePlan($input: ChangePlanInput!) {\n    changePlan(input: $input) {\n      kind\n      effectiveAt\n      paymentPending\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ChangePlanDocument,
    "\n  mutation Cancel($input: CancelMembershipInput!) {\n    cancelMembership(input: $input) {\n      membership {\n        status\n        cancelAtPeriodEnd\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.CancelDocument,
    "\n  mutation OverageLimit($input: SetOverageLimitInput!) {\n    setOverageLimit(input: $input) {\n      membership {\n        overageLimitCents\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.OverageLimitDocument,
    "\n  query Consents {\n    consents(first: 1) {\n      current {\n        purpose\n        granted\n        policyVersion\n        changedAt\n      }\n    }\n  }\n": types.ConsentsDocument,
    "\n  mutation GrantConsent($input: GrantConsentInput!) {\n    grantConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.GrantConsentDocument,
    "\n  mutation RevokeConsent($input: RevokeConsentInput!) {\n    revokeConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RevokeConsentDocument,
    "\n  mutation ExportMyData {\n    exportMyData(input: {}) {\n      url\n      expiresAt\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.ExportMyDataDocument,
    "\n  mutation DeleteAccount {\n    requestAccountDeletion(input: {}) {\n      request {\n        status\n        requestedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.DeleteAccountDocument,
    "\n  query Revenue($from: DateTime!, $to: DateTime!) {\n    revenueMetrics(from: $from, to: $to) {\n      from\n      to\n      mrrCents\n      membershipMrrCents\n      usageMrrCents\n      customers\n      newCustomers\n      churnedCustomers\n      customerChurnRateBp\n      arpuCents\n      ltvCents\n      revenueCents\n    }\n  }\n": types.RevenueDocument,
    "\n  query Economics($from: DateTime, $to: DateTime, $first: Int!, $after: String) {\n    tierUsage(from: $from, to: $to) {\n      planCode\n      customers\n      periods\n      averageShareBp\n      p50ShareBp\n      p90ShareBp\n      overageShareBp\n    }\n    unitEconomics(from: $from, to: $to) {\n      costPerMinuteMillicents\n      plans {\n        planCode\n        customers\n        usedSeconds\n        revenueCents\n        costCents\n        marginCents\n        marginBp\n        revenuePerUsedMinuteMillicents\n      }\n    }\n    customerEconomics(from: $from, to: $to, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          userId\n          planCode\n          calls\n          usedSeconds\n          revenueCents\n          costCents\n          marginCents\n          marginBp\n        }\n      }\n    }\n  }\n": types.EconomicsDocument,
    "\n  query Operations($status: String) {\n    webhookEvents(first: 50, status: $status) {\n      id\n      type\n      status\n      attempts\n      lastError\n      receivedAt\n      processedAt\n    }\n    failedJobs(first: 50) {\n      id\n      queue\n      type\n      eventId\n      attemptsMade\n      failedReason\n      failedAt\n    }\n  }\n": types.OperationsDocument,
    "\n  mutation RetryEvent($input: RetryWebhookEventInput!) {\n    retryWebhookEvent(input: $input) {\n      event {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n": types.RetryEventDocument,
    "\n  query VerifyLedger($userId: ID!) {\n    verifyLedger(userId: $userId) {\n      userId\n      ok\n      entriesChecked\n      balanceSeconds\n      firstBadSequence\n      problems {\n        invariant\n        message\n        sequence\n      }\n    }\n  }\n": types.VerifyLedgerDocument,
    "\n  query AuditLog($first: Int!, $after: String) {\n    auditLog(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          action\n          actorRole\n          actorId\n          targetUserId\n          subjectId\n          occurredAt\n        }\n      }\n    }\n  }\n": types.AuditLogDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserErrorFields on UserError {\n    code\n    message\n  }\n"): (typeof documents)["\n  fragment UserErrorFields on UserError {\n    code\n    message\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BalanceFields on CreditBalance {\n    userId\n    balanceSeconds\n    reservedSeconds\n    availableSeconds\n    periodIncludedSeconds\n    periodUsedSeconds\n    periodOverageSeconds\n    periodOverageCents\n    version\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment BalanceFields on CreditBalance {\n    userId\n    balanceSeconds\n    reservedSeconds\n    availableSeconds\n    periodIncludedSeconds\n    periodUsedSeconds\n    periodOverageSeconds\n    periodOverageCents\n    version\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      email\n      role\n      timeZone\n      membership {\n        id\n        status\n        cancelAtPeriodEnd\n        currentPeriodStart\n        currentPeriodEnd\n        overageLimitCents\n        scheduledChangeAt\n        scheduledPlan {\n          code\n          name\n        }\n        plan {\n          code\n          name\n          priceCents\n          includedSeconds\n          overageCentsPerMinute\n        }\n      }\n      balance {\n        ...BalanceFields\n      }\n    }\n    plans {\n      code\n      name\n      priceCents\n      includedSeconds\n      overageCentsPerMinute\n      features\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      email\n      role\n      timeZone\n      membership {\n        id\n        status\n        cancelAtPeriodEnd\n        currentPeriodStart\n        currentPeriodEnd\n        overageLimitCents\n        scheduledChangeAt\n        scheduledPlan {\n          code\n          name\n        }\n        plan {\n          code\n          name\n          priceCents\n          includedSeconds\n          overageCentsPerMinute\n        }\n      }\n      balance {\n        ...BalanceFields\n      }\n    }\n    plans {\n      code\n      name\n      priceCents\n      includedSeconds\n      overageCentsPerMinute\n      features\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BalanceChanged {\n    balanceChanged {\n      ...BalanceFields\n    }\n  }\n"): (typeof documents)["\n  subscription BalanceChanged {\n    balanceChanged {\n      ...BalanceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription UsageAlert {\n    usageAlert {\n      id\n      kind\n      usedSeconds\n      includedSeconds\n      overageSeconds\n      balanceSeconds\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  subscription UsageAlert {\n    usageAlert {\n      id\n      kind\n      usedSeconds\n      includedSeconds\n      overageSeconds\n      balanceSeconds\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Usage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(from: $from, to: $to, granularity: $granularity) {\n      granularity\n      timeZone\n      buckets {\n        startAt\n        localDate\n        billableSeconds\n        usedSeconds\n        overageSeconds\n        calls\n      }\n      totals {\n        billableSeconds\n        calls\n        overageSeconds\n        overageCents\n      }\n    }\n    usageForecast {\n      asOf\n      periodStart\n      periodEnd\n      usedSeconds\n      includedSeconds\n      dailyRateSeconds\n      projectedUsedSeconds\n      projectedOverageSeconds\n      projectedOverageCents\n      balanceRunsOutAt\n    }\n  }\n"): (typeof documents)["\n  query Usage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(from: $from, to: $to, granularity: $granularity) {\n      granularity\n      timeZone\n      buckets {\n        startAt\n        localDate\n        billableSeconds\n        usedSeconds\n        overageSeconds\n        calls\n      }\n      totals {\n        billableSeconds\n        calls\n        overageSeconds\n        overageCents\n      }\n    }\n    usageForecast {\n      asOf\n      periodStart\n      periodEnd\n      usedSeconds\n      includedSeconds\n      dailyRateSeconds\n      projectedUsedSeconds\n      projectedOverageSeconds\n      projectedOverageCents\n      balanceRunsOutAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Roi($agentCostCentsPerHour: Int!) {\n    roi(agentCostCentsPerHour: $agentCostCentsPerHour) {\n      calls\n      handledSeconds\n      humanCostCents\n      spendCents\n      savingsCents\n      returnBp\n    }\n  }\n"): (typeof documents)["\n  query Roi($agentCostCentsPerHour: Int!) {\n    roi(agentCostCentsPerHour: $agentCostCentsPerHour) {\n      calls\n      handledSeconds\n      humanCostCents\n      spendCents\n      savingsCents\n      returnBp\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Transactions($first: Int!, $after: String) {\n    transactions(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          sequence\n          type\n          amountSeconds\n          balanceAfterSeconds\n          description\n          createdAt\n          lineage {\n            seconds\n            grant {\n              id\n              source\n              expiresAt\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Transactions($first: Int!, $after: String) {\n    transactions(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          sequence\n          type\n          amountSeconds\n          balanceAfterSeconds\n          description\n          createdAt\n          lineage {\n            seconds\n            grant {\n              id\n              source\n              expiresAt\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Checkout($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Checkout($input: CreateCheckoutSessionInput!) {\n    createCheckoutSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TopUp($input: CreateTopUpCheckoutSessionInput!) {\n    createTopUpCheckoutSession(input: $input) {\n      url\n      amountCents\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation TopUp($input: CreateTopUpCheckoutSessionInput!) {\n    createTopUpCheckoutSession(input: $input) {\n      url\n      amountCents\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Portal($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Portal($input: CreateBillingPortalSessionInput!) {\n    createBillingPortalSession(input: $input) {\n      url\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePlan($input: ChangePlanInput!) {\n    changePlan(input: $input) {\n      kind\n      effectiveAt\n      paymentPending\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePlan($input: ChangePlanInput!) {\n    changePlan(input: $input) {\n      kind\n      effectiveAt\n      paymentPending\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Cancel($input: CancelMembershipInput!) {\n    cancelMembership(input: $input) {\n      membership {\n        status\n        cancelAtPeriodEnd\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Cancel($input: CancelMembershipInput!) {\n    cancelMembership(input: $input) {\n      membership {\n        status\n        cancelAtPeriodEnd\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OverageLimit($input: SetOverageLimitInput!) {\n    setOverageLimit(input: $input) {\n      membership {\n        overageLimitCents\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation OverageLimit($input: SetOverageLimitInput!) {\n    setOverageLimit(input: $input) {\n      membership {\n        overageLimitCents\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Consents {\n    consents(first: 1) {\n      current {\n        purpose\n        granted\n        policyVersion\n        changedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Consents {\n    consents(first: 1) {\n      current {\n        purpose\n        granted\n        policyVersion\n        changedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GrantConsent($input: GrantConsentInput!) {\n    grantConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation GrantConsent($input: GrantConsentInput!) {\n    grantConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeConsent($input: RevokeConsentInput!) {\n    revokeConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeConsent($input: RevokeConsentInput!) {\n    revokeConsent(input: $input) {\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExportMyData {\n    exportMyData(input: {}) {\n      url\n      expiresAt\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ExportMyData {\n    exportMyData(input: {}) {\n      url\n      expiresAt\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount {\n    requestAccountDeletion(input: {}) {\n      request {\n        status\n        requestedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteAccount {\n    requestAccountDeletion(input: {}) {\n      request {\n        status\n        requestedAt\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Revenue($from: DateTime!, $to: DateTime!) {\n    revenueMetrics(from: $from, to: $to) {\n      from\n      to\n      mrrCents\n      membershipMrrCents\n      usageMrrCents\n      customers\n      newCustomers\n      churnedCustomers\n      customerChurnRateBp\n      arpuCents\n      ltvCents\n      revenueCents\n    }\n  }\n"): (typeof documents)["\n  query Revenue($from: DateTime!, $to: DateTime!) {\n    revenueMetrics(from: $from, to: $to) {\n      from\n      to\n      mrrCents\n      membershipMrrCents\n      usageMrrCents\n      customers\n      newCustomers\n      churnedCustomers\n      customerChurnRateBp\n      arpuCents\n      ltvCents\n      revenueCents\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Economics($from: DateTime, $to: DateTime, $first: Int!, $after: String) {\n    tierUsage(from: $from, to: $to) {\n      planCode\n      customers\n      periods\n      averageShareBp\n      p50ShareBp\n      p90ShareBp\n      overageShareBp\n    }\n    unitEconomics(from: $from, to: $to) {\n      costPerMinuteMillicents\n      plans {\n        planCode\n        customers\n        usedSeconds\n        revenueCents\n        costCents\n        marginCents\n        marginBp\n        revenuePerUsedMinuteMillicents\n      }\n    }\n    customerEconomics(from: $from, to: $to, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          userId\n          planCode\n          calls\n          usedSeconds\n          revenueCents\n          costCents\n          marginCents\n          marginBp\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Economics($from: DateTime, $to: DateTime, $first: Int!, $after: String) {\n    tierUsage(from: $from, to: $to) {\n      planCode\n      customers\n      periods\n      averageShareBp\n      p50ShareBp\n      p90ShareBp\n      overageShareBp\n    }\n    unitEconomics(from: $from, to: $to) {\n      costPerMinuteMillicents\n      plans {\n        planCode\n        customers\n        usedSeconds\n        revenueCents\n        costCents\n        marginCents\n        marginBp\n        revenuePerUsedMinuteMillicents\n      }\n    }\n    customerEconomics(from: $from, to: $to, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          userId\n          planCode\n          calls\n          usedSeconds\n          revenueCents\n          costCents\n          marginCents\n          marginBp\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Operations($status: String) {\n    webhookEvents(first: 50, status: $status) {\n      id\n      type\n      status\n      attempts\n      lastError\n      receivedAt\n      processedAt\n    }\n    failedJobs(first: 50) {\n      id\n      queue\n      type\n      eventId\n      attemptsMade\n      failedReason\n      failedAt\n    }\n  }\n"): (typeof documents)["\n  query Operations($status: String) {\n    webhookEvents(first: 50, status: $status) {\n      id\n      type\n      status\n      attempts\n      lastError\n      receivedAt\n      processedAt\n    }\n    failedJobs(first: 50) {\n      id\n      queue\n      type\n      eventId\n      attemptsMade\n      failedReason\n      failedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryEvent($input: RetryWebhookEventInput!) {\n    retryWebhookEvent(input: $input) {\n      event {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RetryEvent($input: RetryWebhookEventInput!) {\n    retryWebhookEvent(input: $input) {\n      event {\n        id\n        status\n      }\n      userErrors {\n        ...UserErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VerifyLedger($userId: ID!) {\n    verifyLedger(userId: $userId) {\n      userId\n      ok\n      entriesChecked\n      balanceSeconds\n      firstBadSequence\n      problems {\n        invariant\n        message\n        sequence\n      }\n    }\n  }\n"): (typeof documents)["\n  query VerifyLedger($userId: ID!) {\n    verifyLedger(userId: $userId) {\n      userId\n      ok\n      entriesChecked\n      balanceSeconds\n      firstBadSequence\n      problems {\n        invariant\n        message\n        sequence\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($first: Int!, $after: String) {\n    auditLog(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          action\n          actorRole\n          actorId\n          targetUserId\n          subjectId\n          occurredAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($first: Int!, $after: String) {\n    auditLog(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          action\n          actorRole\n          actorId\n          targetUserId\n          subjectId\n          occurredAt\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
import { Migration20261124000001_schema } from './Migration20261124000001_schema';
import { Migration20261124000002_ledger_functions } from './Migration20261124000002_ledger_functions';
import { Migration20261124000003_api_keys } from './Migration20261124000003_api_keys';
import { Migration20261124000004_stripe } from './Migration20261124000004_stripe';
import { Migration20261124000005_overage_invoices } from './Migration20261124000005_overage_invoices';
import { Migration20261124000006_plan_changes } from './Migration20261124000006_plan_changes';
import { Migration20261124000020_analytics } from './Migration20261124000020_analytics';
import { Migration20261124000030_gdpr_audit } from './Migration20261124000030_gdpr_audit';
import { Migration20261124000040_webhook_backlog_index } from './Migration20261124000040_webhook_backlog_index';
import { Migration20261124000050_rollup_first_pass } from './Migration20261124000050_rollup_first_pass';
import { Migration20261124000060_usage_batches } from './Migration20261124000060_usage_batches';
import { Migration20261124000070_close_canceled_period } from './Migration20261124000070_close_canceled_period';
import { Migration20261124000080_usage_batch_lock_order_and_wait } from './Migration20261124000080_usage_batch_lock_order_and_wait';
import { Migration20261124000090_overage_invoice_backoff } from './Migration20261124000090_overage_invoice_backoff';
import { Migration20261124000100_erasure_collection } from './Migration20261124000100_erasure_collection';
import { Migration20261124000110_renewal_grant_awaiting_payment } from './Migration20261124000110_renewal_grant_awaiting_payment';
import { Migration20261124000120_refund_lineage } from './Migration20261124000120_refund_lineage';
import { Migration20261124000140_api_key_creator } from './Migration20261124000140_api_key_creator';
import { Migration20261124000150_end_canceled_period } from './Migration20261124000150_end_canceled_period';
import { Migration20261124000151_audit_actor_stripe } from './Migration20261124000151_audit_actor_stripe';
import { Migration20261124000170_balance_limit } from './Migration20261124000170_balance_limit';
import { Migration20261124000180_unpaid_renewal_expiry } from './Migration20261124000180_unpaid_renewal_expiry';
import { Migration20261124000181_checkout_requests } from './Migration20261124000181_checkout_requests';
import { Migration20261124000182_second_subscriptions } from './Migration20261124000182_second_subscriptions';
import { Migration20261124000200_no_overage_in_trial } from './Migration20261124000200_no_overage_in_trial';
import { Migration20261124000210_usage_batch_busy_users } from './Migration20261124000210_usage_batch_busy_users';
import { Migration20261124000211_extend_requires_key } from './Migration20261124000211_extend_requires_key';
import { Migration20261124000220_webhook_next_retry } from './Migration20261124000220_webhook_next_retry';
import { Migration20261124000230_refund_fallback_after_end } from './Migration20261124000230_refund_fallback_after_end';
import { Migration20261203000240_sql_sources } from './Migration20261203000240_sql_sources';
import { Migration20261203000241_one_append_only_rule } from './Migration20261203000241_one_append_only_rule';
import { Migration20261204000242_one_period_close_one_usage_batch } from './Migration20261204000242_one_period_close_one_usage_batch';
import { Migration20261204000243_one_head_lock } from './Migration20261204000243_one_head_lock';

/**
 * Migrations renamed after what they hold: the name a database may have recorded → the name now.
 * migrate() rewrites a recorded old name before it looks for pending migrations.
 */
export const RENAMED_MIGRATIONS: Readonly<Record<string, string>> = {
  Migration20261124000080_usage_batches_review: 'Migration20261124000080_usage_batch_lock_order_and_wait',
};

/** Every migration, in order. Listed explicitly so tests, the CLI and the built service agree. */
export const migrationsList = [
  { name: 'Migration20261124000001_schema', class: Migration20261124000001_schema },
  { name: 'Migration20261124000002_ledger_functions', class: Migration20261124000002_ledger_functions },
  { name: 'Migration20261124000003_api_keys', class: Migration20261124000003_api_keys },
  { name: 'Migration20261124000004_stripe', class: Migration20261124000004_stripe },
  { name: 'Migration20261124000005_overage_invoices', class: Migration20261124000005_overage_invoices },
  { name: 'Migration20261124000006_plan_changes', class: Migration20261124000006_plan_changes },
  { name: 'Migration20261124000020_analytics', class: Migration20261124000020_analytics },
  { name: 'Migration20261124000030_gdpr_audit', class: Migration20261124000030_gdpr_audit },
  { name: 'Migration20261124000040_webhook_backlog_index', class: Migration20261124000040_webhook_backlog_index },
  { name: 'Migration20261124000050_rollup_first_pass', class: Migration20261124000050_rollup_first_pass },
  { name: 'Migration20261124000060_usage_batches', class: Migration20261124000060_usage_batches },
  { name: 'Migration20261124000070_close_canceled_period', class: Migration20261124000070_close_canceled_period },
  { name: 'Migration20261124000080_usage_batch_lock_order_and_wait', class: Migration20261124000080_usage_batch_lock_order_and_wait },
  { name: 'Migration20261124000090_overage_invoice_backoff', class: Migration20261124000090_overage_invoice_backoff },
  { name: 'Migration20261124000100_erasure_collection', class: Migration20261124000100_erasure_collection },
  { name: 'Migration20261124000110_renewal_grant_awaiting_payment', class: Migration20261124000110_renewal_grant_awaiting_payment },
  { name: 'Migration20261124000120_refund_lineage', class: Migration20261124000120_refund_lineage },
  { name: 'Migration20261124000140_api_key_creator', class: Migration20261124000140_api_key_creator },
  { name: 'Migration20261124000150_end_canceled_period', class: Migration20261124000150_end_canceled_period },
  { name: 'Migration20261124000151_audit_actor_stripe', class: Migration20261124000151_audit_actor_stripe },
  { name: 'Migration20261124000170_balance_limit', class: Migration20261124000170_balance_limit },
  { name: 'Migration20261124000180_unpaid_renewal_expiry', class: Migration20261124000180_unpaid_renewal_expiry },
  { name: 'Migration20261124000181_checkout_requests', class: Migration20261124000181_checkout_requests },
  { name: 'Migration20261124000182_second_subscriptions', class: Migration20261124000182_second_subscriptions },
  { name: 'Migration20261124000200_no_overage_in_trial', class: Migration20261124000200_no_overage_in_trial },
  { name: 'Migration20261124000210_usage_batch_busy_users', class: Migration20261124000210_usage_batch_busy_users },
  { name: 'Migration20261124000211_extend_requires_key', class: Migration20261124000211_extend_requires_key },
  { name: 'Migration20261124000220_webhook_next_retry', class: Migration20261124000220_webhook_next_retry },
  { name: 'Migration20261124000230_refund_fallback_after_end', class: Migration20261124000230_refund_fallback_after_end },
  { name: 'Migration20261203000240_sql_sources', class: Migration20261203000240_sql_sources },
  { name: 'Migration20261203000241_one_append_only_rule', class: Migration20261203000241_one_append_only_rule },
  { name: 'Migration20261204000242_one_period_close_one_usage_batch', class: Migration20261204000242_one_period_close_one_usage_batch },
  { name: 'Migration20261204000243_one_head_lock', class: Migration20261204000243_one_head_lock },
];

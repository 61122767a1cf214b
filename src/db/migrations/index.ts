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
import { Migration20261124000080_usage_batches_review } from './Migration20261124000080_usage_batches_review';
import { Migration20261124000090_overage_invoice_backoff } from './Migration20261124000090_overage_invoice_backoff';
import { Migration20261124000100_erasure_collection } from './Migration20261124000100_erasure_collection';
import { Migration20261124000110_renewal_grant_awaiting_payment } from './Migration20261124000110_renewal_grant_awaiting_payment';
import { Migration20261124000120_refund_lineage } from './Migration20261124000120_refund_lineage';
import { Migration20261124000140_api_key_creator } from './Migration20261124000140_api_key_creator';
import { Migration20261124000150_end_canceled_period } from './Migration20261124000150_end_canceled_period';
import { Migration20261124000151_audit_actor_stripe } from './Migration20261124000151_audit_actor_stripe';
import { Migration20261124000170_balance_limit } from './Migration20261124000170_balance_limit';
import { Migration20261124000200_no_overage_in_trial } from './Migration20261124000200_no_overage_in_trial';

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
  { name: 'Migration20261124000080_usage_batches_review', class: Migration20261124000080_usage_batches_review },
  { name: 'Migration20261124000090_overage_invoice_backoff', class: Migration20261124000090_overage_invoice_backoff },
  { name: 'Migration20261124000100_erasure_collection', class: Migration20261124000100_erasure_collection },
  { name: 'Migration20261124000110_renewal_grant_awaiting_payment', class: Migration20261124000110_renewal_grant_awaiting_payment },
  { name: 'Migration20261124000120_refund_lineage', class: Migration20261124000120_refund_lineage },
  { name: 'Migration20261124000140_api_key_creator', class: Migration20261124000140_api_key_creator },
  { name: 'Migration20261124000150_end_canceled_period', class: Migration20261124000150_end_canceled_period },
  { name: 'Migration20261124000151_audit_actor_stripe', class: Migration20261124000151_audit_actor_stripe },
  { name: 'Migration20261124000170_balance_limit', class: Migration20261124000170_balance_limit },
  { name: 'Migration20261124000200_no_overage_in_trial', class: Migration20261124000200_no_overage_in_trial },
];

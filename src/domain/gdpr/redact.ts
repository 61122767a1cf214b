// Data minimization for what we keep of the payment provider's payloads: the fields where Stripe
// puts a customer's name, email, phone, address or tax ids are blanked (kept as null, so the
// shape stays). Nothing we process reads them: handlers use ids, statuses, periods and metadata.

const PERSONAL_KEYS = new Set([
  'email',
  'customer_email',
  'receipt_email',
  'name',
  'customer_name',
  'phone',
  'customer_phone',
  'address',
  'customer_address',
  'shipping',
  'customer_shipping',
  'shipping_details',
  'billing_details',
  'customer_details',
  'customer_tax_ids',
  'tax_ids',
  'individual_name',
  'cardholder_name',
]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A copy of `value` without personal fields; with `alsoText`, any string containing it (an
 * email address, compared case-insensitively) is blanked too.
 */
export function redactPersonalData<T>(value: T, alsoText?: string): T {
  return copyJson(value, alsoText, (k, x) => (PERSONAL_KEYS.has(k) && x !== null ? 'blank' : 'keep'));
}

/**
 * A deep copy of JSON where `decide` drops a key, blanks it (null) or keeps it (copied the same
 * way), and any string holding `alsoText` (case-insensitively) becomes null.
 */
function copyJson<T>(value: T, alsoText: string | undefined, decide: (key: string, v: Json) => 'keep' | 'blank' | 'drop'): T {
  const needle = alsoText?.toLowerCase();
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return needle && v.toLowerCase().includes(needle) ? null : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) {
        const d = decide(k, x);
        if (d !== 'drop') out[k] = d === 'blank' ? null : walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(value as Json) as T;
}

// What a processed Stripe event keeps after its customer is erased: ids, types, states, amounts
// and periods — the shape of the bookkeeping, nothing that could name a person (free-text fields
// such as an invoice's footer or description are dropped, whatever they hold).
const SKELETON_KEYS = new Set([
  'id',
  'object',
  'type',
  'created',
  'livemode',
  'api_version',
  'data',
  'customer',
  'subscription',
  'invoice',
  'status',
  'billing_reason',
  'mode',
  'payment_status',
  'client_reference_id',
  'currency',
  'amount',
  'amount_total',
  'amount_paid',
  'amount_due',
  'lines',
  'items',
  'period',
  'start',
  'end',
  'current_period_start',
  'current_period_end',
  'cancel_at_period_end',
  'parent',
  'subscription_details',
  'pricing',
  'price_details',
  'price',
  'quantity',
  'schedule',
]);

/** A copy of a payload with only bookkeeping keys (see SKELETON_KEYS), and no string holding `alsoText`. */
export function bookkeepingSkeleton<T>(value: T, alsoText?: string): T {
  return copyJson(value, alsoText, (k) => (SKELETON_KEYS.has(k) ? 'keep' : 'drop'));
}

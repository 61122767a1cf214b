// What is kept of Stripe's payloads: personal fields blanked at storage; after an erasure, a
// processed event's bookkeeping skeleton only.
import { bookkeepingSkeleton, redactPersonalData } from '../../src/domain/gdpr/redact';

const invoice = {
  id: 'evt_1',
  type: 'invoice.paid',
  created: 1_790_000_000,
  data: {
    object: {
      id: 'in_1',
      object: 'invoice',
      customer: 'cus_1',
      customer_email: 'anna@example.com',
      customer_name: 'Anna Müller',
      customer_address: { city: 'Köln' },
      billing_reason: 'subscription_cycle',
      footer: 'Danke, Anna!',
      amount_paid: 4900,
      parent: { subscription_details: { subscription: 'sub_1' } },
      metadata: { userId: 'u1', note: 'anna@example.com' },
      lines: { data: [{ id: 'il_1', period: { start: 1, end: 2 }, description: 'Starter', pricing: { price_details: { price: 'price_s' } } }] },
    },
  },
};

describe('redactPersonalData', () => {
  it.each([
    [
      'blanks personal fields and keeps what handlers read',
      undefined,
      {
        customer_email: null,
        customer_name: null,
        customer_address: null,
        customer: 'cus_1',
        billing_reason: 'subscription_cycle',
        footer: 'Danke, Anna!',
        metadata: { userId: 'u1', note: 'anna@example.com' },
      },
    ],
    ['with an email, also blanks every string holding it', 'ANNA@example.com', { metadata: { userId: 'u1', note: null }, footer: 'Danke, Anna!' }],
  ])('%s', (_what, email, expected) => {
    expect(redactPersonalData(invoice, email).data.object).toMatchObject(expected);
  });

  it('leaves null personal fields, other types and the input alone', () => {
    expect(redactPersonalData({ email: null, n: 1, b: true, a: [1, 'x'] })).toEqual({ email: null, n: 1, b: true, a: [1, 'x'] });
    redactPersonalData(invoice);
    expect(invoice.data.object.customer_email).toBe('anna@example.com');
  });
});

describe('bookkeepingSkeleton', () => {
  it('keeps ids, states, amounts and periods only', () => {
    expect(bookkeepingSkeleton(invoice)).toEqual({
      id: 'evt_1',
      type: 'invoice.paid',
      created: 1_790_000_000,
      data: {
        object: {
          id: 'in_1',
          object: 'invoice',
          customer: 'cus_1',
          billing_reason: 'subscription_cycle',
          amount_paid: 4900,
          parent: { subscription_details: { subscription: 'sub_1' } },
          lines: { data: [{ id: 'il_1', period: { start: 1, end: 2 }, pricing: { price_details: { price: 'price_s' } } }] },
        },
      },
    });
  });
});

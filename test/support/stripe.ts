import type { FakeStripe } from '../../src/dev/fake-stripe';

/** The service's Stripe settings pointing at a fake server. */
export function stripeEnv(fake: FakeStripe, webhookSecret: string): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: fake.url,
    STRIPE_PRICE_STARTER: 'price_starter', STRIPE_PRICE_BUSINESS: 'price_business', STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
  };
}

import type { FakeStripe } from '../../src/dev/fake-stripe';

/** The service's Stripe settings pointing at a fake server. */
export function stripeEnv(fake: FakeStripe, webhookSecret: string): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: 'sk_test_fake',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_URL: fake.url,
    STRIPE_PRICE_STARTER: 'price_starter',
    STRIPE_PRICE_BUSINESS: 'price_business',
    STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
  };
}

import { startFakeStripe } from '../../src/dev/fake-stripe';
import { startTestApi, type TestApi } from './api';

/** A started service whose Stripe is a fake server, with webhooks wired back to the service. */
export async function startStripeApi(webhookSecret: string, env: Record<string, string> = {}): Promise<{ fake: FakeStripe; api: TestApi }> {
  const fake = await startFakeStripe({ webhookSecret });
  const api = await startTestApi({ ...stripeEnv(fake, webhookSecret), SWEEP_INTERVAL_MS: '200', ...env });
  fake.webhookUrl = api.url.replace('/graphql', '/webhooks/stripe');
  return { fake, api };
}

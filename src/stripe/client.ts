// The only importer of the Stripe SDK: API version pinned, timeouts and retries explicit, and the
// API's address configurable so the fake server can stand in offline.
import Stripe from 'stripe';
import type { StripeConfig } from '../config/env';

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export type StripeClient = Stripe;
export type { Stripe };

export function createStripeClient(config: StripeConfig): Stripe {
  const api = new URL(config.apiUrl);
  return new Stripe(config.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: api.hostname,
    port: api.port || (api.protocol === 'https:' ? 443 : 80),
    protocol: api.protocol === 'https:' ? 'https' : 'http',
    timeout: 10_000,
    maxNetworkRetries: 2,
    telemetry: false,
  });
}

/** Verifies a webhook's signature on the raw body (tolerance 300 s) and parses it; throws if forged. */
export function verifyWebhook(stripe: Stripe, rawBody: Buffer, signature: string, secret: string): Stripe.Event {
  return stripe.webhooks.constructEvent(rawBody, signature, secret, 300);
}

// npm run stripe:fake — the fake Stripe API on 127.0.0.1 for offline demos. Point the service at it
// with STRIPE_API_URL and the printed settings.
import { startFakeStripe } from './fake-stripe';

const port = Number(process.env.FAKE_STRIPE_PORT ?? 12111);
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_offline_demo_secret';

startFakeStripe({ webhookSecret: secret, port }).then((fake) => {
  fake.webhookUrl = process.env.WEBHOOK_URL ?? 'http://127.0.0.1:4000/webhooks/stripe';
  console.log(`fake Stripe listening on ${fake.url}; webhooks go to ${fake.webhookUrl}`);
  console.log(`run the service with:\n  STRIPE_SECRET_KEY=sk_test_offline STRIPE_WEBHOOK_SECRET=${secret} STRIPE_API_URL=${fake.url} \\`);
  console.log('  STRIPE_PRICE_STARTER=price_starter STRIPE_PRICE_BUSINESS=price_business STRIPE_PRICE_ENTERPRISE=price_enterprise npm start');
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});

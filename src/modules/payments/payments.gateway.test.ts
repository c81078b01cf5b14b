import { describe, expect, it } from 'vitest';
import { computeToken, tokenString, verifyWebhookSignature, webhookSignature } from './payments.gateway.ts';

// Expected digests were computed outside this code: printf '%s' '<string>' | sha256sum, and
// openssl dgst -sha256 -hmac for the webhook signature.
describe('the gateway request token', () => {
  it('joins Init fields in ordinal order of their names: Amount, Currency, OrderId, Password, TeamSlug', () => {
    const fields = { TeamSlug: 'demo-team', Amount: 150000, OrderId: 'ORDER_12345', Currency: 'RUB' };
    expect(tokenString(fields, 'demo123')).toBe('150000RUBORDER_12345demo123demo-team');
    expect(computeToken(fields, 'demo123')).toBe('0f09b5fb4392181d177c9f5541c07c61a40841e21123bab7971b00cc8bd6f0f1');
  });

  it('computes our own Init token in KZT', () => {
    expect(
      computeToken({ TeamSlug: 'sbor-sandbox', Amount: 400000, OrderId: '1-abcdef01', Currency: 'KZT' }, 'sandbox-password'),
    ).toBe('7b2b6beef8ce9f3cbd4db75ee93634dc32b46f706ca4fc03181aae7a8b43e54f');
  });

  it('uses PaymentId + Password + TeamSlug when PaymentId comes without Amount (Check, full Cancel)', () => {
    expect(tokenString({ TeamSlug: 'sbor-sandbox', PaymentId: 'sbx_123' }, 'sandbox-password')).toBe(
      'sbx_123sandbox-passwordsbor-sandbox',
    );
    expect(computeToken({ TeamSlug: 'sbor-sandbox', PaymentId: 'sbx_123' }, 'sandbox-password')).toBe(
      '4cf4727ba2dea954a3c17da3c86c37a12744f73d81a892904315c1eed1cfe31b',
    );
  });

  it('sorts ordinally again when Amount is present with PaymentId (Confirm, partial Cancel): Password before PaymentId', () => {
    const fields = { TeamSlug: 'demo-team', PaymentId: 'PAYMENT_123456', Amount: 150000 };
    expect(tokenString(fields, 'demo123')).toBe('150000demo123PAYMENT_123456demo-team');
    expect(computeToken(fields, 'demo123')).toBe('69ecb28402b447083354fe0d3e2676ef77158509a0b8b00512a0bd7e0aac6ee5');
  });

  it('leaves out fields that are absent or null (Check by orderId)', () => {
    expect(computeToken({ TeamSlug: 'demo-team', OrderId: 'ORDER_12345', PaymentId: null, Amount: undefined }, 'demo123')).toBe(
      'c168fa0929ab6510ecfa51ddcb152af80835d457b67874f101b4b7ba12eaeafe',
    );
  });
});

describe('the webhook signature', () => {
  const body =
    '{"paymentId":"sbx_1","status":"AUTHORIZED","teamSlug":"sbor-sandbox","timestamp":"2026-11-24T12:00:00Z","data":{}}';
  const secret = 'a-webhook-secret-of-32-characters';

  it('is sha256=<hex HMAC-SHA256(secret, raw body)>', () => {
    expect(webhookSignature(secret, body)).toBe('sha256=684572f1cc078e5519b9ced1c4c4e6270e69ec3bbc549eeb93614910e36fd9ff');
  });

  it('verifies only the exact body with the exact secret', () => {
    const signature = webhookSignature(secret, body);
    expect(verifyWebhookSignature(secret, body, signature)).toBe(true);
    expect(verifyWebhookSignature(secret, body.replace('AUTHORIZED', 'CONFIRMED'), signature)).toBe(false);
    expect(verifyWebhookSignature('another-secret-of-some-length', body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, body, 'sha256=00')).toBe(false);
  });
});

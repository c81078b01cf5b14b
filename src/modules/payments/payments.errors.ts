import { DomainError } from '../../platform/errors.ts';
import type { GatewayError } from './payments.gateway.ts';

/** The gateway did not answer (down, refused the connection, timed out): 503, try again later. */
export const gatewayUnavailable = (error: GatewayError) =>
  new DomainError(
    'unavailable',
    'payment-gateway-unavailable',
    'The payment gateway is not answering. The booking is unchanged; try again shortly.',
    {
      gateway_error: error.kind,
    },
  );
/** The gateway answered, but not with a payment (5xx, refusal, nonsense): a 502 at every door. */
export const gatewayFailed = (error: GatewayError) =>
  new DomainError(
    'bad-gateway',
    'payment-gateway-error',
    'The payment gateway could not start the payment. The booking is unchanged; try again later.',
    {
      gateway_error: error.kind,
      ...(error.code ? { gateway_code: error.code } : {}),
    },
  );
export const paymentInProgress = () =>
  new DomainError('conflict', 'payment-in-progress', 'A payment for this booking is being processed; wait for its outcome.');
export const nothingToPay = () =>
  new DomainError('conflict', 'nothing-to-pay', 'This booking costs nothing; confirm it instead of paying.');
export const amountTooSmall = (minimum: number) =>
  new DomainError(
    'unprocessable',
    'amount-below-gateway-minimum',
    `The gateway takes payments of at least ${minimum} minor units.`,
    {
      minimum,
    },
  );
export const invalidWebhookSignature = () =>
  new DomainError('unauthenticated', 'invalid-webhook-signature', 'The webhook signature is missing or does not match.');
export const sandboxSwitchesOff = () =>
  new DomainError(
    'forbidden',
    'sandbox-switches-off',
    "The sandbox's test switches are off. Start the service (or sbor sandbox-gateway) with SANDBOX_FAULTS=on to use them.",
  );
export const sandboxMerchantOnly = () =>
  new DomainError(
    'unauthenticated',
    'unauthenticated',
    "The standalone sandbox's test switches take the merchant's credentials: HTTP Basic PAYMENT_TERMINAL_KEY:PAYMENT_PASSWORD.",
  );

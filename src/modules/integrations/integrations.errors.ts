import { DomainError } from '../../platform/errors.ts';

export const webhookNotFound = () => new DomainError('not-found', 'webhook-not-found', 'No such webhook endpoint.');
export const badWebhookUrl = (why: string) => new DomainError('invalid', 'bad-webhook-url', `Webhook URL: ${why}.`);

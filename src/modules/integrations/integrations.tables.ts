import type { ColumnType, Generated } from 'kysely';

export interface EventLogTable {
  event_id: number;
  type: string;
  aggregate_id: string;
  keys: string[];
  payload: ColumnType<unknown, string, string>;
  occurred_at: ColumnType<Date, string, string>;
  recorded_at: Generated<Date>;
  webhooks_pending: boolean;
}

export type EndpointStatus = 'active' | 'disabled' | 'deleted';

export interface WebhookEndpointTable {
  id: Generated<number>;
  organizer_id: number;
  organizer_slug: string;
  url: string;
  description: Generated<string>;
  event_types: string[];
  secret: string;
  status: Generated<EndpointStatus>;
  consecutive_failures: Generated<number>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  created_by: number;
  created_at: Generated<Date>;
}

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface WebhookDeliveryTable {
  id: Generated<number>;
  endpoint_id: number;
  event_id: number;
  event_type: string;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Generated<Date>;
  claimed_until: Date | null;
  delivered_at: Date | null;
  created_at: Generated<Date>;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: Generated<Date>;
}

export type IntegrationsTables = {
  'integrations.event_log': EventLogTable;
  'integrations.webhook_endpoints': WebhookEndpointTable;
  'integrations.webhook_deliveries': WebhookDeliveryTable;
  'integrations.webhook_attempts': WebhookAttemptTable;
};

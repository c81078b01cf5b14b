/** An outbound webhook endpoint was switched off; notifications tell whoever registered it. */
export interface WebhookDisabledPayload {
  endpointId: number;
  organizerId: number;
  organizerSlug: string;
  url: string;
  reason: string;
  /** Who registered the endpoint: told in-app and by email. */
  userId: number;
}

declare module '../../platform/bus/event-map.ts' {
  interface EventMap {
    'webhook.disabled': WebhookDisabledPayload;
  }
}

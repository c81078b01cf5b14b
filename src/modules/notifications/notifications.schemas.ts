import { Type } from 'typebox';
import { Id, Page } from '../../platform/http/schemas.ts';

export const NotificationSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String({ description: 'The message type, e.g. booking.confirmed.' }),
    subject: Type.String(),
    text: Type.String(),
    link: Type.Union([Type.String(), Type.Null()]),
    read: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Notification' },
);

export const NotificationPageSchema = Type.Object({
  items: Type.Array(Type.Ref('Notification')),
  page: Type.Integer(),
  page_size: Type.Integer(),
  total: Type.Integer(),
  unread: Type.Integer(),
});

export const PageQuery = Type.Object({
  page: Page,
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const IdParams = Type.Object({ id: Id });

export const PreferencesSchema = Type.Object(
  {
    email: Type.Boolean(),
    sms: Type.Boolean(),
    in_app: Type.Boolean(),
  },
  {
    additionalProperties: false,
    description: 'Optional messages (holds, expiries, reminders) per channel; transactional ones always go.',
  },
);

export const MailboxQuery = Type.Object({
  recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'An email address or phone.' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});

export const MailboxItemSchema = Type.Object({
  id: Type.Integer(),
  delivery_id: Type.Integer(),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  recipient: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(Type.Object({ filename: Type.String(), content_type: Type.String(), content: Type.String() }), {
    description: 'Files the email carries (a rental’s calendar invitation).',
  }),
  created_at: Type.String({ format: 'date-time' }),
});

const Status = Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed')]);

export const DeliveriesQuery = Type.Object({
  user_id: Type.Optional(Id),
  event_id: Type.Optional(Type.Integer({ ...Id, description: 'The source bus event id.' })),
  status: Type.Optional(Status),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  message_id: Type.Integer(),
  source_event_id: Type.Integer(),
  user_id: Type.Integer(),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('in_app')]),
  address: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.String({ format: 'date-time' }),
  sent_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

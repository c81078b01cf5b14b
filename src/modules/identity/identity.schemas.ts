import { Type } from 'typebox';
import { ROLES } from './identity.tables.ts';
import { Id, Page } from '../../platform/http/schemas.ts';

const Email = Type.String({ format: 'email', maxLength: 254, description: 'Compared case-insensitively.' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Phone = Type.String({
  pattern: '^\\+?[0-9 ()-]{5,20}$',
  maxLength: 21,
  description: 'E.164 preferred, e.g. +77011234567.',
});
const Telegram = Type.String({ pattern: '^@?[A-Za-z0-9_]{5,32}$', maxLength: 33, description: 'Telegram username.' });
const Locale = Type.Union([Type.Literal('ru'), Type.Literal('en')]);
const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));

export const NotificationPreferencesSchema = Type.Object(
  { email: Type.Boolean(), sms: Type.Boolean(), in_app: Type.Boolean() },
  { additionalProperties: false, description: 'Optional messages per channel; transactional ones always go.' },
);

export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    first_name: Type.String(),
    surname: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    telegram: Type.Union([Type.String(), Type.Null()]),
    locale: Locale,
    notification_preferences: NotificationPreferencesSchema,
    role: RoleSchema,
    is_active: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    first_name: Name,
    surname: Name,
    phone: Type.Optional(Phone),
    telegram: Type.Optional(Telegram),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
});

export const UpdateMeBody = Type.Object(
  {
    email: Type.Optional(Email),
    first_name: Type.Optional(Name),
    surname: Type.Optional(Name),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    telegram: Type.Optional(Type.Union([Telegram, Type.Null()])),
    locale: Type.Optional(Locale),
    notification_preferences: Type.Optional(NotificationPreferencesSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ChangePasswordBody = Type.Object(
  { current_password: Password, new_password: Password },
  { additionalProperties: false },
);

export const UserIdParams = Type.Object({ id: Id });

export const ListUsersQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 100 })),
  role: Type.Optional(RoleSchema),
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const UserPageSchema = Type.Object({
  items: Type.Array(Type.Ref('User')),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});

export const AdminUpdateBody = Type.Object(
  { role: Type.Optional(RoleSchema), is_active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const JwksSchema = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

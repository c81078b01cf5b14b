import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { IdentityService } from './identity.service.ts';
import {
  AdminUpdateBody,
  ChangePasswordBody,
  JwksSchema,
  ListUsersQuery,
  LoginBody,
  RefreshBody,
  RegisterBody,
  TokenPairSchema,
  UpdateMeBody,
  UserIdParams,
  UserPageSchema,
  UserSchema,
} from './identity.schemas.ts';

const tags = ['identity'];
const UserRef = Type.Ref('User');

export function registerIdentityRoutes(app: App, identity: IdentityService): void {
  app.addSchema(UserSchema);

  app.post(
    '/api/auth/register',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Create an account (role user).', body: RegisterBody, response: { 201: UserRef } },
    },
    async (request, reply) => reply.code(201).send(await identity.register(request.body, request.ip)),
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Exchange email and password for tokens.', body: LoginBody, response: { 200: TokenPairSchema } },
    },
    async (request) => identity.login(request.body.email, request.body.password, request.ip),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Rotate a refresh token; reusing a rotated one revokes its whole family.',
        body: RefreshBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => identity.refresh(request.body.refresh_token, request.ip),
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Revoke a refresh token and its family.', body: RefreshBody, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await identity.logout(request.body.refresh_token);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Public keys that verify access tokens (for gateways).', response: { 200: JwksSchema } },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return identity.jwks();
    },
  );

  app.get(
    '/api/users/me',
    { config: { access: 'user' }, schema: { tags, summary: 'The signed-in user.', response: { 200: UserRef } } },
    async (request) => identity.getUser(principalOf(request).userId),
  );

  app.patch(
    '/api/users/me',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Edit your profile.', body: UpdateMeBody, response: { 200: UserRef } },
    },
    async (request) => identity.updateMe(principalOf(request), request.body),
  );

  app.post(
    '/api/users/me/password',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Change your password; ends every session.',
        body: ChangePasswordBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await identity.changePassword(principalOf(request), request.body.current_password, request.body.new_password);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/users/me/become-organizer',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Become an organizer (idempotent).', response: { 200: UserRef } },
    },
    async (request) => identity.becomeOrganizer(principalOf(request)),
  );

  app.get(
    '/api/admin/users',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'List users.', querystring: ListUsersQuery, response: { 200: UserPageSchema } },
    },
    async (request) => identity.listUsers(request.query),
  );

  app.get(
    '/api/admin/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'One user.', params: UserIdParams, response: { 200: UserRef } },
    },
    async (request) => identity.getUser(request.params.id),
  );

  app.patch(
    '/api/admin/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Change a role or (de)activate; deactivation ends every session.',
        params: UserIdParams,
        body: AdminUpdateBody,
        response: { 200: UserRef },
      },
    },
    async (request) => identity.adminUpdate(principalOf(request), request.params.id, request.body),
  );
}

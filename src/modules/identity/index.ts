import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import { Credentials, DEFAULT_CREDENTIAL_OPTIONS, type CredentialOptions } from './credentials.ts';
import { registerIdentityRoutes } from './identity.routes.ts';
import { IdentityService, type UserView } from './identity.service.ts';
import type { Principal } from '../../platform/http/access.ts';
import { DEFAULT_LOGIN_LIMITS, LoginGuard, type LoginGuardLimits } from './login-guard.ts';
import { TokenKeys } from './tokens.ts';

export { identityMigrations } from './identity.migrations.ts';
export type { IdentityService, UserView, TokenPair } from './identity.service.ts';
export type { Role } from './identity.tables.ts';
export { DEFAULT_LOGIN_LIMITS } from './login-guard.ts';
export { Credentials } from './credentials.ts';
export { importUsers, UsersImportError, type ImportSummary } from './users-import.ts';
export {
  AdminAccountsError,
  createAdmin,
  demoteAdmin,
  generatePassword,
  promoteToAdmin,
  type AdminAccount,
  type RoleChange,
} from './admin-accounts.ts';
export { generateUser, generateUsersFile, plainPasswordFor } from './users-generator.ts';

export interface IdentityModule {
  service: IdentityService;
  /** The Authenticator the HTTP layer uses for every route that needs a principal. */
  authenticate: Credentials['authenticate'];
  /** What other modules ask identity, in the shapes they declare (built here so main.ts only wires). */
  forSales: { hasContact(userId: number): Promise<boolean> };
  forNotifications: { recipients: IdentityService['notificationRecipients'] };
  /** A user's notification preferences, kept on the account; notifications reads and sets them. */
  notificationPreferences: {
    get(userId: number): Promise<UserView['notification_preferences']>;
    set(principal: Principal, preferences: UserView['notification_preferences']): Promise<UserView['notification_preferences']>;
  };
  registerRoutes(app: App): void;
}

export async function createIdentityModule(
  db: Kysely<object>,
  options: { issuer: string; accessTokenTtlSeconds?: number; limits?: LoginGuardLimits; credentials?: CredentialOptions },
): Promise<IdentityModule> {
  const keys = await TokenKeys.load(db, options.issuer, options.accessTokenTtlSeconds);
  const guard = new LoginGuard(options.limits ?? DEFAULT_LOGIN_LIMITS);
  const credentials = new Credentials(db, keys, guard, options.credentials ?? DEFAULT_CREDENTIAL_OPTIONS);
  const service = new IdentityService(db, keys, credentials, guard);
  return {
    service,
    authenticate: credentials.authenticate,
    forSales: { hasContact: (userId) => service.hasContact(userId) },
    forNotifications: { recipients: (userIds) => service.notificationRecipients(userIds) },
    notificationPreferences: {
      get: async (userId) => (await service.getUser(userId)).notification_preferences,
      set: async (principal, preferences) =>
        (await service.updateMe(principal, { notification_preferences: preferences })).notification_preferences,
    },
    registerRoutes: (app) => registerIdentityRoutes(app, service),
  };
}

import { DomainError } from '../../platform/errors.ts';

export const invalidCredentials = () =>
  new DomainError('unauthenticated', 'invalid-credentials', 'The email or password is wrong.');

export const accountInactive = () => new DomainError('unauthenticated', 'account-inactive', 'This account has been deactivated.');

export const invalidRefreshToken = () =>
  new DomainError('unauthenticated', 'invalid-refresh-token', 'The refresh token is invalid, expired or revoked. Sign in again.');

export const refreshTokenReused = () =>
  new DomainError(
    'unauthenticated',
    'refresh-token-reused',
    'This refresh token was already used. For safety every session started from it has been ended; sign in again.',
  );

export const invalidAccessToken = () =>
  new DomainError('unauthenticated', 'invalid-token', 'The access token is invalid or expired.');

export const emailTaken = () => new DomainError('conflict', 'email-taken', 'An account with this email already exists.');

export const weakPassword = (field: string, reason: string) =>
  new DomainError('invalid', 'weak-password', `The password ${reason}.`, { errors: [{ field, message: reason }] });

export const userNotFound = () => new DomainError('not-found', 'user-not-found', 'No such user.');

export const tooManyAttempts = (retryAfter: number) =>
  new DomainError('rate-limited', 'too-many-attempts', `Too many attempts. Try again in ${retryAfter} s.`, {
    retry_after: retryAfter,
  });

export const cannotDemoteYourself = () =>
  new DomainError('conflict', 'cannot-change-own-admin', 'Admins cannot remove their own admin role or deactivate themselves.');

export const wrongCurrentPassword = () =>
  new DomainError('invalid', 'wrong-current-password', 'The current password is not right.', {
    errors: [{ field: 'body/current_password', message: 'is not the current password' }],
  });

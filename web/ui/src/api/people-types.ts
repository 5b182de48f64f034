/** The console users as /api/users answers them (see /api/openapi.json, tag "users"). */
import type { Role } from './types.js';

export interface ConsoleUser {
  readonly email: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastLoginAt: string | null;
}

/** POST /api/users: `initialPassword` only when the server generated one. */
export interface CreatedUser extends ConsoleUser {
  readonly initialPassword: string | null;
}

/** POST /api/users/:email/password */
export interface PasswordReset {
  readonly email: string;
  readonly password: string;
}

/** A password the server answered once, to be shown once. */
export interface OneTimePassword {
  readonly email: string;
  readonly password: string;
  readonly kind: 'initial' | 'reset';
}

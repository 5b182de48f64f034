import { refusalText } from '../base/refusal-texts.js';
import { RelaydeskError } from '../base/errors.js';
import {
  changeUser,
  clearLoginFailures,
  deleteUser,
  findUserByEmail,
  insertUser,
  type Db,
  type UserLeaving,
  type UserRole,
  type UserRow,
} from '../store/index.js';
import { generatePassword, hashPassword, PASSWORD_MIN } from './passwords.js';

/**
 * The console's users as commands, for the API and the CLI alike. Emails arrive
 * validated and lowercased (passwords.ts has the schemas).
 */
export async function addUser(
  db: Db,
  input: { email: string; role: UserRole; password?: string; now: number },
): Promise<{ user: UserRow; initialPassword: string | null }> {
  if (input.password !== undefined && input.password.length < PASSWORD_MIN)
    throw new RelaydeskError('BAD_INPUT', `a password needs at least ${PASSWORD_MIN} characters`, [], {
      text: refusalText('password-too-short', { minimum: PASSWORD_MIN }),
    });
  const initialPassword = input.password === undefined ? generatePassword() : null;
  const passwordHash = await hashPassword(input.password ?? initialPassword!);
  if (!(await insertUser(db, { email: input.email, role: input.role, passwordHash, now: input.now }))) {
    throw new RelaydeskError(
      'CONFLICT',
      `a user ${input.email} exists already; change it on the Console users page, with PATCH /api/users/${input.email} and POST /api/users/${input.email}/password, or with \`relaydesk user passwd\``,
      [],
      { text: refusalText('user-exists', { email: input.email }) },
    );
  }
  const user = await findUserByEmail(db, input.email);
  if (!user) throw new RelaydeskError('INTERNAL', `the user ${input.email} vanished right after it was created`);
  const { passwordHash: _drop, ...row } = user;
  return { user: row, initialPassword };
}

const LAST_ADMIN = 'that would leave no enabled admin, and only an admin can let anyone back in; make another user admin first';
const lastAdmin = () => new RelaydeskError('CONFLICT', LAST_ADMIN, [], { text: refusalText('last-admin', {}) });

/** `onDisable`: work that commits with the disabling or not at all (the desk gives their cases to others). */
export async function updateUser(
  db: Db,
  email: string,
  change: { role?: UserRole; disabled?: boolean; now: number; onDisable?: UserLeaving },
): Promise<UserRow> {
  const r = await changeUser(db, email, change);
  if (r.kind === 'not-found') throw notFound(email);
  if (r.kind === 'last-admin') throw lastAdmin();
  return r.user;
}

/** Sets a new password, ends every session of the user and lifts a login lockout (an admin's reset, or the CLI's). */
export async function resetPassword(db: Db, email: string, password: string, now: number): Promise<UserRow> {
  const r = await changeUser(db, email, { passwordHash: await hashPassword(password), now });
  if (r.kind === 'not-found') throw notFound(email);
  if (r.kind === 'last-admin') throw lastAdmin();
  // The lockout's message sends people to an admin's reset: it must let them in at once.
  await clearLoginFailures(db, `email:${r.user.email}`);
  return r.user;
}

export async function removeUser(db: Db, email: string, onDelete?: UserLeaving): Promise<{ email: string; deleted: true }> {
  const r = await deleteUser(db, email, onDelete);
  if (r === 'not-found') throw notFound(email);
  if (r === 'last-admin') throw lastAdmin();
  return { email, deleted: true };
}

const notFound = (email: string) =>
  new RelaydeskError('NOT_FOUND', `no user ${email}; see GET /api/users (or \`relaydesk user list\`)`, [], { text: refusalText('user-not-found', { email }) });

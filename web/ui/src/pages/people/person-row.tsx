import type { ConsoleUser } from '../../api/shapes.js';
import type { Role } from '../../api/shapes.js';
import { useI18n } from '../../i18n/i18n.js';
import { Link } from '../../router.js';

export interface PersonActions {
  setRole(u: ConsoleUser, role: Role): void;
  setDisabled(u: ConsoleUser, disabled: boolean): void;
  setAvailable(u: ConsoleUser, available: boolean): void;
  resetPassword(u: ConsoleUser): void;
  remove(u: ConsoleUser): void;
}

/** One console user; `isYou` marks the signed-in admin, whose own password is changed on the Account page. */
export function PersonRow({ user: u, isYou, busy, actions }: { user: ConsoleUser; isYou: boolean; busy: boolean; actions: PersonActions }) {
  const { t, formatTime } = useI18n();
  const label = { email: u.email };
  const otherRole: Role = u.role === 'admin' ? 'agent' : 'admin';
  return (
    <tr data-user={u.email} className={isYou ? 'people-own-row' : undefined}>
      <td>
        {u.email}
        {isYou && <span className="badge people-you">{t('people.you')}</span>}
      </td>
      <td>
        <span className={`role role-${u.role}`}>{t(`role.${u.role}`)}</span>
      </td>
      <td>
        <span className={`badge ${u.disabled ? 'user-suspended' : 'people-enabled'}`}>
          {t(u.disabled ? 'people.status.disabled' : 'people.status.enabled')}
        </span>
      </td>
      <td>
        <span className={`badge ${u.available ? 'people-enabled' : 'user-suspended'}`}>
          {t(u.available ? 'availability.available' : 'availability.unavailable')}
        </span>
      </td>
      <td>{u.lastLoginAt ? formatTime(u.lastLoginAt) : <span className="muted">{t('people.never')}</span>}</td>
      <td>{formatTime(u.createdAt)}</td>
      <td>
        <div className="actions people-actions">
          <button
            type="button"
            disabled={busy}
            aria-label={t(otherRole === 'admin' ? 'people.makeAdminLabel' : 'people.makeAgentLabel', label)}
            onClick={() => actions.setRole(u, otherRole)}
          >
            {t(otherRole === 'admin' ? 'people.makeAdmin' : 'people.makeAgent')}
          </button>
          <button
            type="button"
            disabled={busy}
            aria-label={t(u.disabled ? 'people.enableLabel' : 'people.disableLabel', label)}
            onClick={() => actions.setDisabled(u, !u.disabled)}
          >
            {t(u.disabled ? 'people.enable' : 'people.disable')}
          </button>
          <button
            type="button"
            disabled={busy}
            aria-label={t(u.available ? 'people.setUnavailableLabel' : 'people.setAvailableLabel', label)}
            onClick={() => actions.setAvailable(u, !u.available)}
          >
            {t(u.available ? 'people.setUnavailable' : 'people.setAvailable')}
          </button>
          {isYou ? (
            <Link to="/account" className="people-own-password">
              {t('people.ownPassword')}
            </Link>
          ) : (
            <button type="button" disabled={busy} aria-label={t('people.resetPasswordLabel', label)} onClick={() => actions.resetPassword(u)}>
              {t('people.resetPassword')}
            </button>
          )}
          <button type="button" disabled={busy} aria-label={t('people.deleteLabel', label)} onClick={() => actions.remove(u)}>
            {t('people.delete')}
          </button>
        </div>
      </td>
    </tr>
  );
}

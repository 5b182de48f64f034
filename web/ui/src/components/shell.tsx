import { Fragment, useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { PAGES } from '../routes.js';
import { Link, matchPath } from '../router.js';
import { useSession } from '../session.js';
import { AvailabilityToggle } from './availability-toggle.js';
import { LanguageSelect } from './language-select.js';
import { BreachedBadge } from './sla.js';

const SECTIONS = [
  { id: 'desk', label: 'nav.desk' },
  { id: 'admin', label: 'nav.admin' },
] as const;

/** The signed-in console: top bar, navigation for the user's role, and the current page. */
export function Shell({ path }: { path: string }) {
  const { t } = useI18n();
  const { user, logout } = useSession();
  const allowed = PAGES.filter((p) => p.roles.includes(user.role));
  let match: { page: (typeof PAGES)[number]; params: Record<string, string> } | null = null;
  for (const page of allowed) {
    const params = matchPath(page.path, path);
    if (params) {
      match = { page, params };
      break;
    }
  }
  const mainRef = useRef<HTMLElement>(null);
  // After navigation, keyboard and screen-reader users start at the new page's content.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [path]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <span className="topbar-user" data-testid="current-user">
          {t('user.signedInAs', { email: user.email })} <span className={`role role-${user.role}`}>{t(`role.${user.role}`)}</span>
        </span>
        <AvailabilityToggle />
        <LanguageSelect />
        <Link to="/account" className="topbar-link">
          {t('nav.account')}
        </Link>
        <button type="button" onClick={() => void logout()}>
          {t('user.logout')}
        </button>
      </header>
      <div className="layout">
        <nav className="sidenav" aria-label={t('nav.label')}>
          {SECTIONS.map((section) => {
            const items = allowed.filter((p) => p.nav?.section === section.id);
            if (items.length === 0) return null;
            return (
              <div key={section.id} className="nav-section">
                <h2 className="nav-heading">{t(section.label)}</h2>
                <ul>
                  {items.map((p) => {
                    // A page below another's path that has its own entry is that entry's, not both.
                    const current = path === p.path || (path.startsWith(`${p.path}/`) && !allowed.some((o) => o.nav && o.path === path));
                    return (
                      <li key={p.path}>
                        <Link to={p.path} aria-current={current ? 'page' : undefined}>
                          {t(p.nav!.label)}
                          {p.nav!.badge === 'breached' && <BreachedBadge />}
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </div>
            );
          })}
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1} className="content">
          {match ? <Fragment key={path}>{match.page.render(match.params)}</Fragment> : <p role="alert">{t('page.notFound')}</p>}
        </main>
      </div>
    </div>
  );
}

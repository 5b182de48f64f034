import { lazy, Suspense, type ReactNode } from 'react';
import type { Role } from './api/shapes.js';
import type { MessageKey } from './i18n/en.js';
import { AccountPage } from './pages/account.js';
import { CaseViewPage } from './pages/case-view.js';
import { CasesPage } from './pages/cases.js';
import { ChannelsPage } from './pages/channels.js';
import { ConfigurationPage } from './pages/configuration.js';
import { DirectoryUsersPage } from './pages/directory/users.js';
import { DomainsPage } from './pages/directory/domains.js';
import { GroupsPage } from './pages/directory/groups.js';
import { HostsPage } from './pages/hosts.js';
import { IntegrationsPage } from './pages/integrations.js';
import { OrgUnitsPage } from './pages/directory/org-units.js';
import { LeadViewPage } from './pages/lead-view.js';
import { PeoplePage } from './pages/people.js';
import { RoutingPage } from './pages/routing.js';
import { MailSettingsPage } from './pages/settings.js';
import { QuarantinePage } from './pages/quarantine.js';
import { EmailLogPage } from './pages/email-log.js';
import { FailedPage } from './pages/failed.js';
import { LeadsPage } from './pages/leads.js';
import { SuspendedPage } from './pages/suspended.js';
import { Loading } from './components/status.js';

// The charts library comes with the dashboard only: agents never load it.
const DashboardPage = lazy(async () => ({ default: (await import('./pages/dashboard.js')).DashboardPage }));

/**
 * Every page of the signed-in console, in navigation order. A page is added here once: the
 * navigation, the role check and the router all read this table.
 */
export interface PageRoute {
  readonly path: string;
  readonly roles: readonly Role[];
  /** Shown in the navigation under this section; absent for pages reached by links. */
  readonly nav?: { readonly section: 'desk' | 'admin'; readonly label: MessageKey; readonly badge?: 'breached' };
  render(params: Record<string, string>): ReactNode;
}

const BOTH: readonly Role[] = ['admin', 'agent'];
const ADMIN: readonly Role[] = ['admin'];

export const PAGES: readonly PageRoute[] = [
  { path: '/cases', roles: BOTH, nav: { section: 'desk', label: 'nav.cases' }, render: () => <CasesPage /> },
  // Before /cases/:number, which would take "breached" for a case number.
  { path: '/cases/breached', roles: BOTH, nav: { section: 'desk', label: 'nav.breached', badge: 'breached' }, render: () => <CasesPage view="breached" /> },
  { path: '/cases/:number', roles: BOTH, render: (p) => <CaseViewPage number={Number(p.number)} /> },
  { path: '/leads', roles: BOTH, nav: { section: 'desk', label: 'nav.leads' }, render: () => <LeadsPage /> },
  { path: '/leads/:id', roles: BOTH, render: (p) => <LeadViewPage id={p.id ?? ''} /> },
  { path: '/suspended', roles: BOTH, nav: { section: 'desk', label: 'nav.suspended' }, render: () => <SuspendedPage /> },
  { path: '/failed', roles: BOTH, nav: { section: 'desk', label: 'nav.failed' }, render: () => <FailedPage /> },
  {
    path: '/admin/dashboard',
    roles: ADMIN,
    nav: { section: 'admin', label: 'nav.dashboard' },
    render: () => (
      <Suspense fallback={<Loading />}>
        <DashboardPage />
      </Suspense>
    ),
  },
  { path: '/admin/domains', roles: ADMIN, nav: { section: 'admin', label: 'nav.domains' }, render: () => <DomainsPage /> },
  { path: '/admin/org-units', roles: ADMIN, nav: { section: 'admin', label: 'nav.orgUnits' }, render: () => <OrgUnitsPage /> },
  { path: '/admin/users', roles: ADMIN, nav: { section: 'admin', label: 'nav.directoryUsers' }, render: () => <DirectoryUsersPage /> },
  { path: '/admin/groups', roles: ADMIN, nav: { section: 'admin', label: 'nav.groups' }, render: () => <GroupsPage /> },
  { path: '/admin/hosts', roles: ADMIN, nav: { section: 'admin', label: 'nav.hosts' }, render: () => <HostsPage /> },
  { path: '/admin/routing', roles: ADMIN, nav: { section: 'admin', label: 'nav.routing' }, render: () => <RoutingPage /> },
  { path: '/admin/quarantine', roles: ADMIN, nav: { section: 'admin', label: 'nav.quarantine' }, render: () => <QuarantinePage /> },
  { path: '/admin/email-log', roles: ADMIN, nav: { section: 'admin', label: 'nav.emailLog' }, render: () => <EmailLogPage /> },
  { path: '/admin/channels', roles: ADMIN, nav: { section: 'admin', label: 'nav.channels' }, render: () => <ChannelsPage /> },
  { path: '/admin/settings', roles: ADMIN, nav: { section: 'admin', label: 'nav.settings' }, render: () => <MailSettingsPage /> },
  { path: '/admin/configuration', roles: ADMIN, nav: { section: 'admin', label: 'nav.configuration' }, render: () => <ConfigurationPage /> },
  { path: '/admin/people', roles: ADMIN, nav: { section: 'admin', label: 'nav.people' }, render: () => <PeoplePage /> },
  { path: '/admin/integrations', roles: ADMIN, nav: { section: 'admin', label: 'nav.integrations' }, render: () => <IntegrationsPage /> },
  { path: '/account', roles: BOTH, render: () => <AccountPage /> },
];

/** The first page after sign-in: admins see the traffic, agents their cases. */
export const homeOf = (role: Role): string => (role === 'admin' ? '/admin/dashboard' : '/cases');

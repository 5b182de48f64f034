import { ComingSoonPage } from '../../pages/coming-soon.js';

export function DirectoryUsersPage() {
  return <ComingSoonPage title="nav.directoryUsers" />;
}

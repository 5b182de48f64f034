import { ComingSoonPage } from '../../pages/coming-soon.js';

export function GroupsPage() {
  return <ComingSoonPage title="nav.groups" />;
}

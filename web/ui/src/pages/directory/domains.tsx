import { ComingSoonPage } from '../../pages/coming-soon.js';

export function DomainsPage() {
  return <ComingSoonPage title="nav.domains" />;
}

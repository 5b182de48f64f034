import { ComingSoonPage } from './coming-soon.js';

export function HostsPage() {
  return <ComingSoonPage title="nav.hosts" />;
}

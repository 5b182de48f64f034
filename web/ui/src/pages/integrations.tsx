import { ComingSoonPage } from './coming-soon.js';

export function IntegrationsPage() {
  return <ComingSoonPage title="nav.integrations" />;
}

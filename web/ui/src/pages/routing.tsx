import { ComingSoonPage } from '../pages/coming-soon.js';

export function RoutingPage() {
  return <ComingSoonPage title="nav.routing" />;
}

import { ComingSoonPage } from './coming-soon.js';

export function PeoplePage() {
  return <ComingSoonPage title="nav.people" />;
}

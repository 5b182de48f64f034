import { ComingSoonPage } from '../pages/coming-soon.js';

export function ConfigurationPage() {
  return <ComingSoonPage title="nav.configuration" />;
}

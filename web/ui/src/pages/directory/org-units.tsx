import { ComingSoonPage } from '../../pages/coming-soon.js';

export function OrgUnitsPage() {
  return <ComingSoonPage title="nav.orgUnits" />;
}

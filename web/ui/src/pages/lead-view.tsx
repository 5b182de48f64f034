import { ComingSoonPage } from './coming-soon.js';

export function LeadViewPage({ id }: { id: string }) {
  return <ComingSoonPage title="nav.leads" key={id} />;
}

import { ComingSoonPage } from './coming-soon.js';

export function MailSettingsPage() {
  return <ComingSoonPage title="nav.settings" />;
}

import type { ConfigDocument, ConfigProblem } from '../../api/config-document.js';
import type { ConfigEditor } from '../../components/config-editor.js';

/** What each section of the settings form is given. */
export interface SectionProps {
  editor: ConfigEditor;
  draft: ConfigDocument;
  all: readonly ConfigProblem[];
}

// Apart from the worker so that apply-intake.ts, which the worker calls, can name them too.

import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { MessageSource } from '../../base/message-source.js';
import type { LiveConfig } from '../../config/index.js';
import type { DeskMetrics } from '../../metrics/index.js';
import type { Db, StoreHandle } from '../../store/index.js';
import type { DeskKeys } from './outgoing.js';

export interface DeskDeps {
  readonly db: Db;
  readonly live: LiveConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostname: string;
  readonly keys: DeskKeys;
  /** New mail (acknowledgements) was queued: deliver it now. */
  readonly wake: () => void;
  /** For large attachments written while a message is read; default: ordinary transactions. */
  readonly lazyTransaction?: StoreHandle['lazyTransaction'];
  /** Counts intake outcomes (the queue's intakes; an admin's recover or retry is not counted). */
  readonly metrics?: DeskMetrics;
}

export interface IntakeRequest {
  readonly queueId: string;
  readonly recipient: string;
  readonly mailFrom: string;
  readonly source: MessageSource;
  readonly spam: boolean;
  /**
   * An admin asks for the intake again (recover, retry): earlier effects do not count as
   * a duplicate, and the flood limit does not hold back what the admin let in.
   */
  readonly redo?: boolean;
}

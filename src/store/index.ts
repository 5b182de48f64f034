/**
 * store — the durable state of the product.
 *
 * JOB      Holds messages (with their raw bodies), deliveries, the trace, mailboxes,
 *          configuration versions and secrets; the only place with SQL.
 * INPUTS   Typed records from the components; OUTPUTS typed rows, never SQL rows.
 * TRUSTS   Nothing: every value arrives validated by its component.
 * SECURITY Holds message bodies and secrets; the database URL's password is never
 *          printed (see `StoreHandle.where`).
 * EVENTS   store.unavailable and store.recovered (StoreHealth, in the log). Trace events are
 *          written by the repositories, in the transaction of the change they record.
 *
 * The face is closed: one repository file per aggregate under repos/ (messages, deliveries,
 * cases, leads, channels, users, …), and this file names each function and row type other
 * components may use. Callers pass `Db` and `DbTransaction` along and never build queries:
 * no other folder imports Kysely, and store errors are classified here
 * (`isTransientStoreError`, `isUniqueViolation`), not by their codes elsewhere.
 *
 * SQLite (WAL) is the embedded default: the server commits with synchronous=NORMAL and
 * fsyncs the WAL before a 250 (durableTransaction), the CLI with synchronous=FULL; PostgreSQL
 * serves several nodes. Differences live in `dialects/` as capability flags.
 */
export { openStore, type Db, type DbTransaction, type StoreHandle, type StoreLocation, type StoreOptions } from './db.js';
export type { DialectCaps } from './dialects/caps.js';
export type { DeliveryStatus } from './schema.js';
export { StoreWriter } from './store-writer.js';
export { describeStoreError, isTransientStoreError, isUniqueViolation } from './errors.js';
export { StoreHealth, type StoreHealthState } from './health.js';
export { GroupCommit } from './group-commit.js';
export {
  backupSqliteStore,
  checkSqliteStoreFile,
  liveNodesInFile,
  restoreSqliteStore,
  SQLITE_STORE_FILE,
  type BackupProgress,
  type StoreFileCheck,
} from './sqlite-backup.js';
export { configSavesInThisProcess, listConfigVersions, loadConfigTexts, loadConfigVersion, loadCurrentConfig, saveConfigVersion } from './repos/config-repo.js';
export {
  claimDue,
  countByStatus,
  isHeld,
  latestDeliveryTo,
  listHeld,
  loadDeliveries,
  oldestCreatedAt,
  reclaimExpiredLeases,
  reclaimOwnStaleLeases,
  releaseLeases,
  renewLeases,
  resolveHeld,
  type DeliveryRow,
} from './repos/delivery-repo.js';
export { completeMany, type AttemptCompletion, type AttemptResult } from './repos/completion-repo.js';
export { listMailbox, storeInMailbox, type MailboxEntry } from './repos/mailbox-repo.js';
export {
  contentOf,
  findMessagesByMessageId,
  insertReceived,
  loadHeader,
  loadMessage,
  loadSource,
  messageRowOf,
  searchMessages,
  storedSource,
  type MessageContent,
  type MessageRow,
  type NewDelivery,
  type ReceivedRecord,
} from './repos/message-repo.js';
export { listEnvelopes, type EnvelopePage, type StoredEnvelope } from './repos/envelope-repo.js';
export { BlobWriter, deleteSpooledBlobs, openBlob } from './repos/blob-repo.js';
export { touchNode } from './repos/node-repo.js';
export {
  claimImapMailbox,
  listImapMailboxes,
  recordImapState,
  recordImapTaken,
  releaseImapMailbox,
  restartImapMailbox,
  type ImapMailboxRow,
} from './repos/imap-mailbox-repo.js';
export {
  claimDestinationProbe,
  clearTryLater,
  countDestinationMessage,
  dropDestinationSlots,
  dropEarlierRunSlots,
  giveBackDestinationSlots,
  loadDestination,
  loadDestinations,
  recordConnectionFailure,
  recordConnectionSuccess,
  recordDestinationDeferral,
  recordTryLater,
  releaseHeldDeliveries,
  renewDestinationSlots,
  takeDestinationSlot,
  type DestinationState,
  type SlotAnswer,
} from './repos/destination-repo.js';
export { loadOrCreateSecret, loadSecrets, writeSecrets } from './repos/secret-repo.js';
export { findDeliveredRouteTest, loadOnboardingMarks, recordOnboardingMark, type OnboardingMark } from './repos/onboarding-repo.js';
export { loadTrace, type TraceEvent } from './repos/trace-repo.js';
export { deskTakesAddress, listDeskChannels, rotateInboundAddress, saveVerification, syncDeskChannels, type StoredChannel } from './repos/desk-channel-repo.js';
export {
  createCase,
  findCaseByMessageIds,
  findLinkedCases,
  insertDeskMessage,
  listCases,
  loadAttachment,
  loadCaseById,
  loadCaseByNumber,
  loadContentIdParts,
  loadDeskMessages,
  newAttachmentBlobId,
  setCaseStatus,
  touchCase,
  countBreachedCases,
  saveCaseSla,
  findUnrecordedBreaches,
  recordSlaBreach,
  type CaseSla,
  type SlaTargetName,
  type CaseRow,
  type DeskMessageOwner,
  type DeskMessageRow,
  type NewDeskMessage,
} from './repos/desk-case-repo.js';
export {
  insertCaseEvent,
  listAgentStates,
  listUnclosedCasesOf,
  loadAssignmentTurn,
  loadCaseEvents,
  loadFirstInboundText,
  lockAssignmentTurn,
  recordAssignmentTurn,
  setCaseAssignee,
  type AgentStateRow,
  type CaseEventRow,
} from './repos/desk-assignment-repo.js';
export { countRecentOpenedBy, findEarlierIntakes, loadDeskMark, loadIntakesOfMessage, recordIntake } from './repos/desk-intake-repo.js';
export { createLead, findLeadByMessageIds, findOpenLeadByEmail, listLeads, loadLead, setLeadStatus, type LeadRow } from './repos/desk-lead-repo.js';
export {
  createAccount,
  createContact,
  createOpportunity,
  findAccountByName,
  findContactByEmail,
  insertConfirmation,
  insertFailed,
  insertSuspended,
  listConfirmations,
  listFailed,
  listSuspended,
  loadConversion,
  loadFailed,
  loadSetAsideOfMessage,
  loadSuspended,
  setSuspendedState,
  updateFailed,
} from './repos/desk-set-aside-repo.js';
export {
  deleteApiToken,
  deleteWebhook,
  findApiTokenByHash,
  insertApiToken,
  insertWebhook,
  listApiTokens,
  listWebhooks,
  loadWebhook,
  touchApiToken,
  type ApiRole,
  type ApiTokenRow,
  type WebhookRow,
} from './repos/api-repo.js';
export {
  changeUser,
  countUsers,
  createFirstAdmin,
  deleteSession,
  deleteStaleSessions,
  deleteUser,
  dropSetupToken,
  findSession,
  findUserByEmail,
  insertSession,
  insertUser,
  listUsers,
  recordLogin,
  setUserAvailability,
  shareSetupToken,
  touchSession,
  type SessionRow,
  type UserLeaving,
  type UserRole,
  type UserRow,
} from './repos/user-repo.js';
export { clearLoginFailures, forgetLoginAttempts, recentLoginFailures, recordLoginFailure } from './repos/login-failure-repo.js';
export {
  claimMaintenance,
  deleteLogEntries,
  deleteSetAside,
  deleteSpoolOrphans,
  expireHeld,
  finishMaintenance,
  freeSpaceMode,
  loadLastMaintenance,
  loggedDeliveries,
  purgeFinished,
  releaseMaintenance,
  type MaintenanceRun,
} from './repos/retention-repo.js';
export { loadStoreStats, type StoreKind } from './repos/store-stats-repo.js';
export {
  deleteTrafficBefore,
  firstMessageAt,
  lastRolledMinute,
  loadHopHealth,
  loadTrafficMinutes,
  MINUTE_MS,
  rollMinutes,
  sampleQueue,
  type TrafficMinute,
} from './repos/traffic-repo.js';
export type { DeliverySummary } from './repos/delivery-summary.js';

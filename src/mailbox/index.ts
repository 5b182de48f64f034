/**
 * mailbox — local delivery to the mailbox of a recognized user.
 *
 * JOB      The queue's `mailbox` transport: for each delivery of a group, the mailbox entry
 *          (address, queue id, subject, From, Date, Message-ID, spam flag, when stored).
 *          The message's bytes stay where the store keeps them; the entry points at them.
 * INPUTS   One group of `mailbox` deliveries of one message and its copy, from the queue.
 * OUTPUTS  A delivered outcome per delivery carrying its entry; the queue writes the entry
 *          in the transaction that records the outcome.
 * TRUSTS   The header fields it copies are the sender's: read from the header block only
 *          (its first 256 KiB), each cut at 998 characters.
 * SECURITY None: no network, no credentials; it writes nothing itself.
 * EVENTS   None of its own: the queue traces mailbox.stored with the outcome.
 */
export { mailboxTransport } from './mailbox-transport.js';

package io.tokenwarden.bench;

/**
 * One fired deadline as a subject reports it, all in epoch millis.
 *
 * @param due when it was due
 * @param emitted when the subject says it fired: the record timestamp of the expiry event, or the commit of
 *     PostgreSQL's UPDATE
 * @param received when the bench saw it: a read-committed consumer's poll, or the return of the UPDATE
 */
record Fired(long due, long emitted, long received) {}

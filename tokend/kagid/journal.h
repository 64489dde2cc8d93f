/*
 * journal.h - kagid's messages to the systemd journal, with fields.
 */
#ifndef KAGI_JOURNAL_H
#define KAGI_JOURNAL_H

/*
 * 1 when standard error is the journal's stream: $JOURNAL_STREAM (set by
 * systemd for a service) names the device and inode of file descriptor 2.
 * A variable inherited by a program whose stderr went elsewhere does not
 * count, nor does a journal whose socket is missing.  Always 0 when kagid
 * is built without libsystemd.
 */
int journal_attached(void);

/*
 * Send every message to the journal natively from now on: MESSAGE,
 * PRIORITY, SYSLOG_IDENTIFIER=kagid, SYSLOG_FACILITY (authpriv), CODE_FUNC
 * when known, and for audit records KAGI_USER, KAGI_EVENT, KAGI_OUTCOME.
 * A message the journal does not take goes to standard error.
 */
void journal_start(void);

#endif

/*
 * alert.h - kagid's alert hook (R-INC-1): kagid.conf's alert_command run
 * for each alert-priority audit record, after its transaction commits.
 *
 * The command is run directly (posix_spawn, no shell, an empty
 * environment but PATH), with the record as one JSON object on standard
 * input and /dev/null as output.  It never blocks a log-in: kagid does
 * not wait for it; at most ALERT_MAX_INFLIGHT run at once (further alerts
 * are logged as dropped, their records are in the chain and in syslog),
 * and one still running after alert_timeout is killed.
 */
#ifndef KAGI_ALERT_H
#define KAGI_ALERT_H

#include <stdint.h>
#include <sys/types.h>

#define ALERT_MAX_INFLIGHT 8

struct alert_runner;

/* cmd: an absolute path ("" or NULL: no hook, alert_spawn does nothing). */
int alert_runner_new(const char *cmd, int64_t timeout_ms,
    struct alert_runner **out);
void alert_runner_free(struct alert_runner **ar);
/* Start the command with json on its standard input. */
int alert_spawn(struct alert_runner *ar, const char *json);
/* Reap finished commands; kill those past their time (now: monotonic ms). */
void alert_reap(struct alert_runner *ar, int64_t now_ms);
/* Commands running now. */
int alert_inflight(const struct alert_runner *ar);
/*
 * How the runs ended since the runner was made: *ok exited 0; *failed
 * could not be started, exited non-zero, died of a signal or were killed
 * past their time; *last_failed: the newest run that ended failed.
 * Runs still going count in neither (compliance.c).
 */
void alert_outcomes(const struct alert_runner *ar, int64_t *ok,
    int64_t *failed, int *last_failed);

#endif

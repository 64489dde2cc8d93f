/*
 * ctl.h - what the parts of kagictl share: one invocation's settings, the
 * call to kagid with its one error-to-message mapping, and the output
 * helpers (tables, times, JSON).
 *
 * kagictl checks every argument before it contacts kagid, so a request
 * that leaves it is well-formed; kagid still decides everything.  Strings
 * that come back from kagid are printed only through ctl_clean(), so a
 * name or label cannot carry terminal escapes to the administrator.
 */
#ifndef KAGI_CTL_H
#define KAGI_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/* Exit codes (documented in kagictl.c and in kagictl help). */
#define CTL_EXIT_OK 0
#define CTL_EXIT_REFUSED 1	/* kagid refused; or nothing was done */
#define CTL_EXIT_USAGE 2	/* bad command line; nothing sent */
#define CTL_EXIT_UNREACHABLE 3	/* no kagid, time-out, malformed reply */
#define CTL_EXIT_PENDING 4	/* stored as a request awaiting approval */

#define CTL_CODE_MAX 8		/* longest TOTP code */
#define CTL_TRIES 3		/* code attempts on a terminal */

struct kagid_config;

/* One invocation: global settings, the command's options and operands. */
struct ctl {
	/* The configuration read (NULL when it could not be: cfg_err). */
	const struct kagid_config *cfg;
	char cfg_err[512];
	int force;		/* restore --force */
	const char *sockpath;
	const char *admin_group;
	int timeout_ms;
	int json;
	/* command options; NULL / 0 when not given */
	const char *role;
	const char *label;
	const char *algorithm;
	int digits;
	int yes;
	int no_qr;
	int ascii;
	int pending;
	/* audit and report options; NULL / 0 when not given */
	const char *anchor;		/* SEQ:HASH */
	const char *checkpoints;	/* --checkpoints FILE */
	const char *const *archives;	/* --archive files, in order */
	int narchives;
	int64_t before, since, until;	/* seconds since the epoch */
	const char *filter_user;	/* --user */
	const char *event;
	int days;
	int csv;
	int set_pin;
	const char *company;	/* vendor add */
	const char *expires;
	const char *window;
	const char *from;
	const char *worker;	/* vendor add: the permit (R-REM-5) */
	const char *place;
	const char *work;
	int grant;		/* enroll --grant (R-PRIV-3) */
	const char *attestation;	/* SSH security keys (issue 16) */
	const char *sshkey;		/* enroll --sshkey KEY.pub */
	const char *challenge;		/* enroll --challenge FILE */
	const char *sshd_config;	/* doctor gateway --sshd-config */
	const char *zone;		/* host add --zone, --class, --csr */
	const char *host_class;
	const char *csr;
	const char *to;			/* store copy --to CONNINFO */
	/* operands */
	const char *file;
	const char *const *files;	/* import google-authenticator */
	int nfiles;
	const char *user;
	int64_t token;		/* 0 = none */
	/* Requests, exceptions, enrollment codes. */
	int64_t id;		/* request or exception id; 0 = none */
	const char *reason;
	int enroll_code;
	int own;		/* token lost TOKEN, token list: the caller's own */
	const char *arg;	/* a second operand (user role USER ROLE) */
};

/* ctl_import.c: import google-authenticator FILE...; import pam-oath */
int ctl_import_ga(struct ctl *ctl);
int ctl_import_oath(struct ctl *ctl);

/* ctl_audit.c: write all of buf to fd (EINTR retried); KAGI_ERR_IO. */
int ctl_write_all(int fd, const char *buf, size_t len);

/* ctl_backup.c */
/* backup FILE; restore FILE [--force] (kagid stopped). */
int ctl_backup(struct ctl *ctl);
int ctl_restore(struct ctl *ctl);
/* kagid answers on its socket: it is running. */
int ctl_kagid_running(const struct ctl *ctl);

/* ctl_store.c: store copy --to CONNINFO (kagid stopped). */
int ctl_store_copy(struct ctl *ctl);
/* path made absolute against the working directory into out (PATH_MAX);
 * KAGI_ERR_TOO_LARGE when it does not fit. */
int ctl_abspath(const char *path, char *out, size_t outlen);

/* ctl_sshkey.c: a file of the caller's (safefile.h), at most max bytes,
 * NUL-terminated; the error printed. */
int ctl_read_file(const char *path, size_t max, char **buf, size_t *len);

/* ctl_host.c: host ca-init | add | renew | revoke | list | show (issue 15). */
int ctl_host_ca_init(struct ctl *ctl);
int ctl_host_add(struct ctl *ctl);
int ctl_host_renew(struct ctl *ctl);
int ctl_host_revoke(struct ctl *ctl);
int ctl_host_list(struct ctl *ctl);
int ctl_host_show(struct ctl *ctl);

/* ctl_call.c */
/*
 * A request {"v", "op"} with "user" (when ctl->user is set) and "token"
 * (when ctl->token is set), or NULL when out of memory.
 */
struct json_object *ctl_request(const struct ctl *ctl, const char *op);
/*
 * Connect, send req, wait for the reply, disconnect.  KAGI_OK with *reply
 * the "ok" reply; otherwise an error code, with *reply set only when kagid
 * answered with an error (a refusal), NULL when it could not be reached
 * or its answer was not understood.
 */
int ctl_call(const struct ctl *ctl, struct json_object *req,
    struct json_object **reply);
/*
 * The one place that turns an error into words: print on stderr what went
 * wrong and what to do, with kagid's own message after it when there is
 * one, and return the exit code.  reply as left by ctl_call().
 */
int ctl_fail(const struct ctl *ctl, int r, struct json_object *reply);
/*
 * Call and, on failure, ctl_fail(); returns an exit code.  Takes req (may
 * be NULL: out of memory) and frees it.
 */
int ctl_run(const struct ctl *ctl, struct json_object *req,
    struct json_object **reply);
/*
 * The caller's own op (token_list_own, token_lost_own): no user is sent,
 * kagid names the caller by SO_PEERCRED.  CTL_EXIT_OK with *reply;
 * CTL_EXIT_REFUSED with *missing set and nothing said when kagid has no
 * such thing of the caller's (the caller says what); other failures
 * said by ctl_fail().
 */
int ctl_run_own(const struct ctl *ctl, const char *op,
    struct json_object **reply, int *missing);
/* Print "kagictl: MESSAGE" on stderr (printf-style, already translated). */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ctl_out.c */
/*
 * Copy s into buf with control characters (C0, DEL, C1) replaced by '?';
 * truncated to fit.  NULL prints as "-".  Returns buf.
 */
const char *ctl_clean(const char *s, char *buf, size_t len);
/* Local "YYYY-MM-DD HH:MM", or "-" for 0. */
const char *ctl_time(int64_t t, char *buf, size_t len);
const char *ctl_time_iso(int64_t t, char *buf, size_t len);
/* Member key of obj as a string / integer / boolean; NULL or 0 when absent. */
const char *ctl_jstr(struct json_object *obj, const char *key);
int64_t ctl_jint(struct json_object *obj, const char *key);
int ctl_jbool(struct json_object *obj, const char *key);
/* Print reply without "status" as pretty JSON on stdout. */
int ctl_print_json(struct json_object *reply);

struct ctl_table;
/* A table of ncols columns with translated headers; NULL when no memory. */
struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);
/* Add a row of ncols strings (copied, cleaned). */
int ctl_table_add(struct ctl_table *t, const char *const *cells);
/* Print with columns padded to their display width. */
void ctl_table_print(const struct ctl_table *t, FILE *out);
void ctl_table_free(struct ctl_table **t);

/* Tables of user and token objects (from user_list, user_show...). */
int ctl_print_users(struct json_object *users);
int ctl_print_tokens(struct json_object *tokens);

/* ctl_tty.c */
/* Is standard input a terminal? */
int ctl_interactive(void);
/*
 * Read one line into buf (without its end): on a terminal after showing
 * prompt on /dev/tty, otherwise from standard input without a prompt.
 * KAGI_ERR_TRUNCATED at end of input, KAGI_ERR_TOO_LARGE for a line that
 * does not fit (buf wiped on every failure).
 */
int ctl_read_line(const char *prompt, char *buf, size_t len);

/* ctl_user.c */
int ctl_user_add(struct ctl *ctl);
int ctl_user_list(struct ctl *ctl);
int ctl_user_show(struct ctl *ctl);
int ctl_user_disable(struct ctl *ctl);
int ctl_user_enable(struct ctl *ctl);
int ctl_user_delete(struct ctl *ctl);
int ctl_unlock(struct ctl *ctl);
int ctl_status(struct ctl *ctl);

/* ctl_audit.c, ctl_verify.c (R-LOG-1, R-LOG-2, R-LOG-3) */
/* One page of live records after `after`, with export's filters when
 * filtered (--since, --until, --user, --event); an exit code. */
int ctl_records_page(const struct ctl *ctl, int64_t after, int filtered,
    struct json_object **reply);
int ctl_audit_verify(struct ctl *ctl);
int ctl_audit_key(struct ctl *ctl);
int ctl_audit_anchor(struct ctl *ctl);
int ctl_audit_archive(struct ctl *ctl);
int ctl_audit_export(struct ctl *ctl);

/* ctl_report.c (R-TOK-6, R-TOK-7, R-PRIV-1, R-REM-4, R-AUD-1) */
int ctl_report_dormant(struct ctl *ctl);
int ctl_report_access(struct ctl *ctl);
int ctl_report_privileged(struct ctl *ctl);
int ctl_report_lockouts(struct ctl *ctl);
int ctl_report_vendors(struct ctl *ctl);
int ctl_report_exceptions(struct ctl *ctl);
int ctl_compliance(struct ctl *ctl);

/* ctl_token.c */
int ctl_token_add_totp(struct ctl *ctl);
int ctl_token_confirm(struct ctl *ctl);
int ctl_token_list(struct ctl *ctl);
int ctl_token_revoke(struct ctl *ctl);

/* ctl_request.c: the two-person rule */
/*
 * When reply says the act was stored as a request awaiting approval,
 * say so (or print the JSON) and return CTL_EXIT_PENDING; else 0.
 */
int ctl_pending(const struct ctl *ctl, struct json_object *reply);
int ctl_request_list(struct ctl *ctl);
int ctl_request_show(struct ctl *ctl);
int ctl_request_approve(struct ctl *ctl);
int ctl_request_reject(struct ctl *ctl);

/* ctl_life.c: enrollment codes, roles, off-boarding, break-glass */
int ctl_user_add_code(struct ctl *ctl);
int ctl_user_enroll_code(struct ctl *ctl);
int ctl_user_offboard(struct ctl *ctl);
int ctl_token_lost(struct ctl *ctl);
int ctl_breakglass_issue(struct ctl *ctl);
int ctl_breakglass_list(struct ctl *ctl);
int ctl_breakglass_report(struct ctl *ctl);
/* ctl_fido2.c, ctl_u2f.c */
int ctl_token_add_fido2(struct ctl *ctl);
/* kagictl enroll: one's own key with an enrollment code. */
#define CTL_ENROLL_CODE_MAX 64
int ctl_enroll(struct ctl *ctl);
/* Say in words why kagid refused a key ("duplicate", ...); exit 1. */
int ctl_fido2_refused(const char *why);
int ctl_import_pam_u2f(struct ctl *ctl);

/* ctl_sshkey.c: the SSH gateway's security keys (issue 16). */
int ctl_token_sshkey_challenge(struct ctl *ctl);
int ctl_token_add_sshkey(struct ctl *ctl);
int ctl_enroll_sshkey(struct ctl *ctl);
/* Say why kagid refused an SSH key; CTL_EXIT_REFUSED. */
int ctl_sshkey_refused(const char *why);
/* ctl_doctor.c: kagictl doctor gateway. */
int ctl_doctor_gateway(struct ctl *ctl);
/* ctl_vendor.c */
int ctl_user_role(struct ctl *ctl);
int ctl_vendor_add(struct ctl *ctl);
int ctl_vendor_show(struct ctl *ctl);
int ctl_vendor_list(struct ctl *ctl);

/* ctl_session.c */
int ctl_session_list(struct ctl *ctl);

#endif

/*
 * pk_int.h - what the parts of pam_kagi.so share, and nothing else.
 *
 * Private to the module: the per-call context, the outcomes a PAM call
 * can come to, and the pk_ functions one part of the module calls in
 * another.  The module is built with -fvisibility=hidden and exports
 * only what matches '^pam_sm_', so nothing declared here leaves
 * pam_kagi.so.  Outcomes become PAM codes only in pam_kagi.c
 * (pk_pam_code()).
 */
#ifndef KAGI_PK_INT_H
#define KAGI_PK_INT_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "pk_fido2.h"
#include "proto.h"

/* The zones as kagid names them, zone='s choices (pk_kagid.c). */
extern const char *const pk_zones[];

struct pk_opts {
	char *socket;		/* NULL: KAGI_DEFAULT_SOCKET */
	int zone;		/* index into pk_zones */
	long long timeout;	/* seconds, per step of an exchange */
	int debug;
	char *lang;		/* NULL: the host's locale */
	char *breakglass_file;	/* NULL: no break-glass without kagid */
};

/* What one PAM call came to; pk_pam_code() turns it into a PAM code. */
enum pk_outcome {
	PK_CONTINUE,		/* a step went well: not an outcome, denies */
	PK_GRANTED,		/* auth "success" or account "ok" */
	PK_DENIED,		/* auth "denied", or a name kagid never sees */
	PK_LOCKED,		/* account "locked" */
	PK_DISABLED,		/* account "disabled" */
	PK_UNKNOWN,		/* account "unknown" */
	PK_UNENROLLED,		/* account "unenrolled" */
	PK_THROTTLED,		/* auth "throttled": the address, not the user */
	PK_REFUSED,		/* account "refused": outside a vendor's terms */
	PK_CONV_FAILED,		/* the conversation failed */
	PK_BAD_CONFIG,		/* a bad module option */
	PK_SYSTEM,		/* PAM itself failed us (pam_get_user) */
	PK_UNAVAILABLE		/* anything wrong on the way to kagid */
};

/* One PAM call's context. */
struct pk_ctx {
	pam_handle_t *pamh;
	struct pk_opts opts;
	int silent;		/* PAM_SILENT: no messages */
	locale_t loc;		/* lang=, or (locale_t)0 */
	const char *user;	/* PAM's strings, not ours */
	const char *service;
	const char *tty;
	const char *rhost;
	struct kagi_client *client;
	int64_t reply_ms;	/* monotonic ms of client's last reply */
	/* From an auth "success" (R-MFA-5); last_time 0: none before. */
	int64_t last_time;
	char last_from[KAGI_FIELD_MAX + 1];
	char last_factors[KAGI_NAME_MAX + 1];
	int64_t failures_since;
	int unreachable;	/* kagid could not be reached at all */
	/* auth_begin's answer */
	int fido2;		/* methods[0] is "fido2" */
	int totp_allowed;	/* methods holds "totp" */
	struct pkf_request freq;
};

/* Longest banner kagid sends (kagid's BANNER_MAX). */
#define PK_BANNER_MAX 2048
/* pam_set_data name of the session id kagid gave at open. */
#define PK_SESSION_DATA "pam_kagi_session"
/* pam_set_data name of a break-glass log-in, for the account step. */
#define PK_BG_DATA "pam_kagi_breakglass"

/* --- pk_log.c: the debug log */

/* Log at LOG_DEBUG, only with debug. */
void pk_debug(const struct pk_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- pk_locale.c: the module's language and what it says */

/* lang= is "xx" or "xx_YY": 1, else 0. */
int pk_lang_valid(const char *s);
/* Open the locale for lang=, if any; an absent one is logged, not fatal. */
void pk_locale_open(struct pk_ctx *ctx);
void pk_locale_close(struct pk_ctx *ctx);
/* msgid translated in lang='s locale (or the host's). */
const char *pk_text(const struct pk_ctx *ctx, const char *msgid)
    __attribute__((format_arg(2)));
/* What the user is told for an outcome, untranslated; NULL: nothing. */
const char *pk_user_message(enum pk_outcome o);
/* What the user is told when the key step fails, untranslated; or NULL. */
const char *pk_fido2_message(enum pkf_result res);
/* A time for the user, in the host's time zone. */
void pk_time_text(int64_t t, char *out, size_t len);

/* --- pk_kagid.c: requests to kagid */

struct json_object;

/* A request with the context every authentication request carries. */
int pk_request_new(const struct pk_ctx *ctx, const char *op,
    struct json_object **out);
/*
 * kagid keeps a connection whose auth_begin it has answered for
 * KAGI_FOLLOW_UP_MS only (proto_ops.h): after a wait for the person or
 * the key, the connection is kept when its last reply came less than
 * PK_REUSE_MS ago, else closed, and the next pk_call() opens a new one.
 */
#define PK_REUSE_MS (KAGI_FOLLOW_UP_MS / 2)
void pk_client_after_wait(struct pk_ctx *ctx);
/* Send req over the call's connection (opened on first use). */
int pk_call(struct pk_ctx *ctx, struct json_object *req,
    struct json_object **reply);
/* Log why kagid could not be used; always PK_UNAVAILABLE. */
enum pk_outcome pk_unavailable(const struct pk_ctx *ctx, const char *op,
    int r, struct json_object *reply);
/* auth_begin: kagid says how this user is to be asked. */
enum pk_outcome pk_auth_begin(struct pk_ctx *ctx);
/* auth_totp: hand the code over; kagid gives the verdict. */
enum pk_outcome pk_auth_totp(struct pk_ctx *ctx, const char *code);
/* auth_fido2: the assertion, or what went wrong; kagid gives the verdict. */
enum pk_outcome pk_auth_fido2(struct pk_ctx *ctx, enum pkf_result res,
    const struct pkf_answer *ans);
/* account: kagid says whether the account may be used now. */
enum pk_outcome pk_account(struct pk_ctx *ctx);
/* Break-glass with breakglass_file= while kagid is unreachable. */
enum pk_outcome pk_breakglass_offline(struct pk_ctx *ctx);

/* --- pk_session.c: sessions (R-PRIV-7, R-REM-4) */

/* session_open: register; keep kagid's id for close; say when it ends. */
enum pk_outcome pk_session_open(struct pk_ctx *ctx);
/* session_close: by the id kept at open, else by this process's pid. */
enum pk_outcome pk_session_close(struct pk_ctx *ctx);

#endif

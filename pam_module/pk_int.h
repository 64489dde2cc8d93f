/*
 * pk_int.h - what every part of pam_kagi.so shares, and nothing else.
 *
 * Private to the module: the per-call context, the outcomes a PAM call
 * can come to, and the helpers every part may call (pk_log.c,
 * pk_locale.c).  The parts call each other only downwards, each layer's
 * functions declared in a header of its own:
 *
 *   pam_kagi.c     entry points, options, context, outcome -> PAM code
 *   pk_flow.h      log-in flows: pk_auth.c, pk_account.c, pk_session.c
 *   pk_conv.h      the person (pk_conv.c)       }
 *   pk_kagid.h     kagid (pk_kagid.c)           } none calls another
 *   pk_fido2.h     the key (pk_fido2.c)         }
 *   pk_breakglass.h  the break-glass file       }
 *   helpers        pk_log.c, pk_locale.c, pk_state.c, pk_fido2_wire.c,
 *                  pk_dl.c, pk_kdf.c, and lib/
 *
 * The module is built with -fvisibility=hidden and exports only what
 * matches '^pam_sm_', so nothing declared here leaves pam_kagi.so.
 * Outcomes become PAM codes only in pam_kagi.c (pk_pam_code()).
 */
#ifndef KAGI_PK_INT_H
#define KAGI_PK_INT_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "pk_fido2_wire.h"
#include "proto.h"

struct pk_opts {
	char *socket;		/* NULL: KAGI_DEFAULT_SOCKET */
	int zone;		/* enum kagi_zone (names.h) */
	long long timeout;	/* seconds, per step of an exchange */
	int debug;
	char *lang;		/* NULL: the host's locale */
	char *breakglass_file;	/* NULL: no break-glass without kagid */
	int sshkey;		/* the SSH gateway: bind sshd's security key */
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
	PK_UNAVAILABLE,		/* anything wrong on the way to kagid */
	PK_NOMEM,		/* an allocation failed, ours or a library's */
	PK_UNCONFIRMED,		/* account "unconfirmed": not this log-in's */
	PK_USER_CHANGED		/* account: PAM_USER is not who authenticated */
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
	/* An auth "success": its confirmation id, for the account phase. */
	char confirm[KAGI_NAME_MAX + 1];
	/* From account "ok" confirming it (R-MFA-5); last_time 0: none
	 * before; last_ended -1: no session of it seen, 0: still open. */
	int64_t last_time;
	char last_from[KAGI_FIELD_MAX + 1];
	char last_factors[KAGI_NAME_MAX + 1];
	int64_t last_ended;
	int64_t failures_since;
	int unreachable;	/* kagid could not be reached at all */
	int store_down;		/* kagid answered: its store is unreachable */
	/* auth_begin's answer */
	int fido2;		/* methods[0] is "fido2" */
	int totp_allowed;	/* methods holds "totp" */
	struct pkf_request freq;
};

/* --- pk_state.c: what the handle keeps from auth for account */

struct pk_auth_state {
	char user[KAGI_NAME_MAX + 1];		/* PAM_USER at auth */
	char confirm[KAGI_NAME_MAX + 1];	/* kagid's id, "" once used */
	int breakglass;		/* a break-glass log-in, kagid unreachable */
};
/* After an auth success: ctx->user and ctx->confirm, or break-glass. */
enum pk_outcome pk_state_set(const struct pk_ctx *ctx, int breakglass);
/* At the start of auth: nothing of an earlier attempt stays. */
void pk_state_clear(pam_handle_t *pamh);
/* The state of this handle's auth success, or NULL. */
const struct pk_auth_state *pk_state_get(pam_handle_t *pamh);
/* The confirmation id was sent: keep only the user. */
enum pk_outcome pk_state_spend(pam_handle_t *pamh);

/* --- pk_log.c: the debug log */

/* Log at LOG_DEBUG, only with debug. */
void pk_debug(const struct pk_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- pk_locale.c: the module's language and what it says */

/* lang= is "xx" or "xx_YY": 1, else 0. */
int pk_lang_valid(const char *s);
/*
 * Open the locale for lang=, if any; an absent one is logged, not fatal
 * (PK_CONTINUE); PK_NOMEM when there was no memory for it.
 */
enum pk_outcome pk_locale_open(struct pk_ctx *ctx);
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

#endif

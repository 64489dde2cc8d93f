/*
 * pk_kagid.h - kagid (pk_kagid.c): pam_kagi's requests to kagid, one per
 * question, and what kagid answers.  It calls no other part of the
 * module but the helpers; the flows call it.  Internal to the module
 * (hidden symbols).
 */
#ifndef KAGI_PK_KAGID_H
#define KAGI_PK_KAGID_H

#include <stdint.h>

#include "pk_fido2_wire.h"
#include "pk_int.h"
#include "proto_ops.h"

/*
 * kagid keeps a connection whose auth_begin it has answered for
 * KAGI_FOLLOW_UP_MS only (proto_ops.h): after a wait for the person or
 * the key, the connection is kept when its last reply came less than
 * PK_REUSE_MS ago, else closed, and the next request opens a new one.
 */
#define PK_REUSE_MS (KAGI_FOLLOW_UP_MS / 2)
void pk_kagid_after_wait(struct pk_ctx *ctx);
/* Close the call's connection, if open; the next request opens one. */
void pk_kagid_close(struct pk_ctx *ctx);

/*
 * auth_begin: how this user is to be asked (ctx->fido2, ->totp_allowed,
 * ->freq).  *banner: kagid's banner for the code prompt, or NULL; the
 * caller frees it.  PK_CONTINUE, or PK_UNAVAILABLE with
 * ctx->unreachable set when kagid could not be reached at all.
 */
enum pk_outcome pk_kagid_auth_begin(struct pk_ctx *ctx, char **banner);

/* kagid's answer to an enrollment code typed at the prompt (R-TOK-4). */
struct pk_enrollment {
	int64_t token;		/* the pending token */
	char *qr;		/* its QR code and otpauth link: they carry */
	char *uri;		/* the new secret (pk_enrollment_clear()) */
};
/* Wipe and free; NULL members tolerated. */
void pk_enrollment_clear(struct pk_enrollment *enr);

/*
 * auth_totp: hand the code over; kagid gives the verdict, and on
 * success its confirmation id (ctx->confirm).  PK_CONTINUE when the code
 * was an enrollment code: *enr is filled.
 */
enum pk_outcome pk_kagid_auth_totp(struct pk_ctx *ctx, const char *code,
    struct pk_enrollment *enr);
/*
 * auth_enroll: a code of the new authenticator for the pending token:
 * PK_GRANTED, PK_DENIED or PK_UNAVAILABLE.  Each goes on a connection
 * of its own, closed once kagid has answered.
 */
enum pk_outcome pk_kagid_auth_enroll(struct pk_ctx *ctx, int64_t token,
    const char *code);
/*
 * auth_fido2: the assertion, or what went wrong; kagid gives the verdict
 * (on success with ctx->confirm).  With fallback (res PKF_NO_KEY, a code
 * allowed), kagid records the fallback and answers PK_CONTINUE, or
 * refuses it: PK_DENIED.
 */
/*
 * auth_sshkey: the key sshd took ("TYPE BASE64" of SSH_AUTH_INFO_0's one
 * publickey line), or failure, why there is none; kagid gives the
 * verdict (PK_GRANTED with the confirmation id kept, else PK_DENIED).
 */
enum pk_outcome pk_kagid_auth_sshkey(struct pk_ctx *ctx, const char *key,
    const char *failure);
enum pk_outcome pk_kagid_auth_fido2(struct pk_ctx *ctx, enum pkf_result res,
    const struct pkf_answer *ans, int fallback);
/*
 * account: kagid says whether the account may be used now; with confirm
 * (this handle's auth success's id) it confirms that log-in, and its "ok"
 * fills ctx->last_* (R-MFA-5).
 */
enum pk_outcome pk_kagid_account(struct pk_ctx *ctx, const char *confirm);
/*
 * session_open: register the session (this process's pid and session
 * id, logind's id when not NULL): PK_GRANTED with kagid's *session and
 * when it will end it (*ends, 0: never), or PK_UNAVAILABLE.
 */
enum pk_outcome pk_kagid_session_open(struct pk_ctx *ctx,
    const char *logind, int64_t *session, int64_t *ends);
/* session_close: by kagid's id when session is not NULL, else by pid. */
enum pk_outcome pk_kagid_session_close(struct pk_ctx *ctx,
    const int64_t *session);

#endif

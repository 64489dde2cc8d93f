/*
 * pk_conv.h - the person (pk_conv.c): what pam_kagi asks and tells the
 * person logging in, through the PAM conversation.  It calls no other
 * part of the module but the language helpers (pk_locale.c); the flows
 * call it.  Internal to the module (hidden symbols).
 */
#ifndef KAGI_PK_CONV_H
#define KAGI_PK_CONV_H

#include <stdint.h>

#include "pk_fido2_wire.h"
#include "pk_int.h"

/* Ask for the code; *code is the caller's to wipe with kagi_free_str(). */
enum pk_outcome pk_conv_ask_code(const struct pk_ctx *ctx, char **code);
/* Ask for the key's PIN: 0, or -1 when the conversation failed, -2 when
   it failed for want of memory; *pin as *code above. */
int pk_conv_ask_pin(const struct pk_ctx *ctx, char **pin);

/*
 * Each of these is PK_CONTINUE, or PK_NOMEM when the message could not be
 * shown for want of memory.
 */
/* Nothing of these under PAM_SILENT: */
/* What an outcome means for the person, if anything. */
enum pk_outcome pk_conv_show_outcome(const struct pk_ctx *ctx,
    enum pk_outcome o);
/* kagid's banner as it came, before the first prompt; NULL: none. */
enum pk_outcome pk_conv_show_banner(const struct pk_ctx *ctx,
    const char *banner);
/* "Touch your security key." (what it comes to is the key step's). */
void pk_conv_show_touch(const struct pk_ctx *ctx);
/* What went wrong with the key, if the person can do something. */
enum pk_outcome pk_conv_show_key_failure(const struct pk_ctx *ctx,
    enum pkf_result res);
/* "Last successful log-in ..." once confirmed, when there was one. */
enum pk_outcome pk_conv_show_last_login(const struct pk_ctx *ctx);
/* When kagid will end the session; ends 0: it will not. */
enum pk_outcome pk_conv_show_session_end(const struct pk_ctx *ctx,
    int64_t ends);

/* These even under PAM_SILENT: */
/* The new authenticator's QR code and otpauth link (R-TOK-4). */
enum pk_outcome pk_conv_show_enroll(const struct pk_ctx *ctx,
    const char *qr, const char *uri);
enum pk_outcome pk_conv_show_enroll_retry(const struct pk_ctx *ctx);
enum pk_outcome pk_conv_show_enroll_failed(const struct pk_ctx *ctx);
/* A break-glass code was accepted and must be reported (R-EXC-1). */
enum pk_outcome pk_conv_show_breakglass(const struct pk_ctx *ctx);

#endif

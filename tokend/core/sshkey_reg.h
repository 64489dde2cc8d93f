/*
 * sshkey_reg.h - enrolling an OpenSSH security key for a user
 * (sshkey_reg.c; issue 16, R-MFA-3, R-REM-2, R-PRIV-2, R-PRIV-3,
 * R-TOK-1): the single-use challenge, the attestation verified, the key
 * stored as a token.
 */
#ifndef KAGI_SSHKEY_REG_H
#define KAGI_SSHKEY_REG_H

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/*
 * An administrator (peer) enrolls a key for u.  begin answers the
 * challenge (base64 "challenge", its "expires") that ssh-keygen signs
 * with -O challenge=FILE; for a user whose enrollment needs a second
 * person (a privileged user, approval.c) it stores a request instead, and
 * its approval a grant that only u spends (self_begin / _finish with
 * code NULL), as for FIDO2 keys (fido2_reg.h).  finish takes req's "key"
 * (the KEY.pub line), "attestation" (base64 of ssh-keygen's
 * write-attestation file) and "label"?; it stores the key or refuses it
 * (reply's "refused" says why, with an audit record).  An administrator's
 * finish for a privileged user is always refused ("enrolled_by_user").
 */
int sshkey_reg_admin_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply);
int sshkey_reg_admin_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply);

/* The caller enrolls its own key, with its enrollment code or (code
 * NULL) its approved grant: as fido2_reg_self_begin / _finish. */
int sshkey_reg_self_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *reply);
int sshkey_reg_self_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *req,
    struct json_object *reply);

#endif

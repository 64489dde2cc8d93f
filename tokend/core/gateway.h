/*
 * gateway.h - the SSH gateway's decisions (gateway.c; issue 16,
 * R-REM-1, R-REM-2, R-REM-3, R-PRIV-2): which of a user's security keys
 * sshd may take now, from where and until when (the AuthorizedKeysCommand
 * kagi-authkeys asks), and who may ask.
 */
#ifndef KAGI_GATEWAY_H
#define KAGI_GATEWAY_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/* The most key lines one answer carries. */
#define GATEWAY_KEYS_MAX 32

/*
 * May u log in through the gateway at now from rhost (NULL: not known
 * yet, as for the keys command)?  *why NULL when it may, else
 * "no_terms", "bad_terms", "expired", "outside_window",
 * "source_address" (the permit's terms: vendor.c), "no_remote_grant"
 * (a staff or privileged user without a remote-access grant, i.e. no
 * permit on their account).  When it may,
 * *ends is when that ends (the window's close, or the permit's expiry if
 * earlier) and from (GATEWAY_FROM_MAX) the permit's networks as sshd's
 * from= pattern list.
 */
#define GATEWAY_FROM_MAX 1024
int gateway_terms(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why, int64_t *ends,
    char from[GATEWAY_FROM_MAX]);

/* 0 when peer is the configured authkeys_user (by SO_PEERCRED uid);
 * KAGI_ERR_DENIED for everyone else, root included. */
int gateway_authkeys_caller(const struct kagid_ctx *ctx,
    const struct peer *peer);

/*
 * The authorized_keys lines of user for sshd now ("lines", an array; empty
 * when the user is unknown, disabled, locked, outside its terms or has no
 * active security key), each "verify-required,expiry-time=\"...Z\",
 * from=\"...\",restrict,pty TYPE BASE64".  Reads only: no record.
 */
int gateway_authkeys(struct kagid_ctx *ctx, const char *user,
    const char *rhost, int64_t now, struct json_object *reply);

/*
 * t of u was just revoked: when it is a security key, every open session
 * of u ends once the caller's transaction commits (reason
 * "key_revoked"; session_end_user()).  0 for any other token.
 */
int gateway_key_revoked(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct token_rec *t);

#endif

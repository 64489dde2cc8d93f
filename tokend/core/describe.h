/*
 * describe.h - users and tokens as kagid's replies show them
 * (describe.c).  Each fills *out with a new object, or fails and leaves
 * it untouched.
 */
#ifndef KAGI_DESCRIBE_H
#define KAGI_DESCRIBE_H

#include <json-c/json.h>

#include "ctx.h"
#include "fido2.h"
#include "store.h"

/* name, role, disabled, created, last_success, locked, locked_until. */
int user_to_json(struct kagid_ctx *ctx, const struct user_rec *u,
    struct json_object **out);
/* id, user, type, label, state, created, last_used (and TOTP settings). */
int token_to_json(const struct token_rec *t, const char *user,
    struct json_object **out);
/* A FIDO2 token's, with its credential f's details. */
int cred_token_json(const struct token_rec *t, const struct fido2_rec *f,
    const char *user, struct json_object **out);
/* token_to_json, or cred_token_json for a FIDO2 token (read from the
 * store). */
int fido2_token_json(struct kagid_ctx *ctx, const struct token_rec *t,
    const char *user, struct json_object **out);

#endif

/*
 * username.h - the one canonical form of a user name (R-MFA-5).
 *
 * Every handler that takes a user name from a request, and user_add
 * before it stores one, passes it through user_canonical(), so that
 * "Tanaka", " tanaka " and "Ｔａｎａｋａ" (full-width) are one account,
 * counted by one lockout record.
 */
#ifndef KAGI_USERNAME_H
#define KAGI_USERNAME_H

#include <stddef.h>

#include <json-c/json.h>

#include "store.h"

/*
 * Write the canonical form of in into out (STORE_NAME_MAX + 1 bytes):
 * surrounding ASCII blanks (space, tab) and ideographic spaces (U+3000)
 * trimmed, full-width forms U+FF01..U+FF5E turned into their ASCII
 * characters, ASCII letters lower-cased; every other byte is kept as it
 * is.  KAGI_ERR_INVALID (out empty) when the result is empty or longer
 * than STORE_NAME_MAX.
 */
int user_canonical(const char *in, char out[STORE_NAME_MAX + 1]);
/* A name kagid stores: 1..STORE_NAME_MAX bytes of [A-Za-z0-9._@-], not
 * "-" or "." first. */
int user_name_valid(const char *name);
/* The request's "user", canonical and valid, into name. */
int user_req_name(struct json_object *req, char name[STORE_NAME_MAX + 1]);

#endif

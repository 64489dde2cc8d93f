/*
 * err.c - names of kagi's error codes, for logs and for the wire.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"

struct err_name {
	int code;
	const char *wire;
	const char *text;
};

static const struct err_name err_names[] = {
	{ KAGI_OK, "ok", "success" },
	{ KAGI_ERR_NOMEM, "nomem", "out of memory" },
	{ KAGI_ERR_INVALID, "invalid", "malformed input" },
	{ KAGI_ERR_TOO_LARGE, "too_large", "input too large" },
	{ KAGI_ERR_TRUNCATED, "truncated", "input truncated" },
	{ KAGI_ERR_IO, "io", "input/output error" },
	{ KAGI_ERR_TIMEOUT, "timeout", "timed out" },
	{ KAGI_ERR_UNSAFE_FILE, "unsafe_file", "unsafe file" },
	{ KAGI_ERR_NOT_FOUND, "not_found", "not found" },
	{ KAGI_ERR_EXISTS, "exists", "already exists" },
	{ KAGI_ERR_DENIED, "denied", "permission denied" },
	{ KAGI_ERR_CRYPTO, "crypto", "cryptographic failure" },
	{ KAGI_ERR_STORE, "store", "state store failure" },
	{ KAGI_ERR_VERSION, "version", "version mismatch" },
	{ KAGI_ERR_UNAVAILABLE, "unavailable", "kagid unavailable" },
	{ KAGI_ERR_CONFIG, "config", "configuration error" },
	{ KAGI_ERR_REPLAY, "replay", "code already used" },
	{ KAGI_ERR_BAD_CODE, "bad_code", "wrong or malformed code" },
	{ KAGI_ERR_LOCKED, "locked", "account locked" },
	{ KAGI_ERR_DISABLED, "disabled", "account disabled" },
	{ KAGI_ERR_STATE, "state", "wrong state for this operation" },
	{ KAGI_ERR_INTERNAL, "internal", "internal error" },
	{ KAGI_ERR_STORE_DOWN, "store_down", "state store unreachable" },
};

static const struct err_name *
err_find(int r)
{
	size_t i;

	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (err_names[i].code == r)
			return &err_names[i];
	return NULL;
}

const char *
kagi_strerror(int r)
{
	const struct err_name *e = err_find(r);

	return e != NULL ? e->text : "unknown error";
}

const char *
kagi_err_wire(int r)
{
	const struct err_name *e = err_find(r);

	return e != NULL ? e->wire : "internal";
}

int
kagi_err_from_wire(const char *s)
{
	size_t i;

	if (s == NULL)
		return KAGI_ERR_INTERNAL;
	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (strcmp(err_names[i].wire, s) == 0)
			return err_names[i].code != KAGI_OK ?
			    err_names[i].code : KAGI_ERR_INTERNAL;
	return KAGI_ERR_INTERNAL;
}

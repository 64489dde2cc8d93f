/*
 * kagi_err.h - the one error idiom shared by pam_kagi, kagid and kagictl.
 *
 * Every function that can fail returns int: 0 on success, a negative
 * KAGI_ERR_* code otherwise.  kagi_strerror() names a code for logs;
 * kagi_err_wire() / kagi_err_from_wire() map codes to the short strings
 * carried in protocol replies.  Codes never carry secrets.
 */
#ifndef KAGI_ERR_H
#define KAGI_ERR_H

enum kagi_err {
	KAGI_OK = 0,
	KAGI_ERR_NOMEM = -1,		/* allocation failed */
	KAGI_ERR_INVALID = -2,		/* malformed input */
	KAGI_ERR_TOO_LARGE = -3,	/* over a size limit */
	KAGI_ERR_TRUNCATED = -4,	/* input ended early */
	KAGI_ERR_IO = -5,		/* read/write/socket failure */
	KAGI_ERR_TIMEOUT = -6,		/* peer silent past the time-out */
	KAGI_ERR_UNSAFE_FILE = -7,	/* symlink, wrong owner or mode */
	KAGI_ERR_NOT_FOUND = -8,	/* no such user, token, key */
	KAGI_ERR_EXISTS = -9,		/* already exists */
	KAGI_ERR_DENIED = -10,		/* caller's class may not do this */
	KAGI_ERR_CRYPTO = -11,		/* crypto failure, bad tag */
	KAGI_ERR_STORE = -12,		/* state store failure */
	KAGI_ERR_VERSION = -13,		/* protocol/schema version mismatch */
	KAGI_ERR_UNAVAILABLE = -14,	/* kagid cannot be reached */
	KAGI_ERR_CONFIG = -15,		/* configuration error */
	KAGI_ERR_REPLAY = -16,		/* TOTP step already used */
	KAGI_ERR_BAD_CODE = -17,	/* code wrong or malformed */
	KAGI_ERR_LOCKED = -18,		/* account locked */
	KAGI_ERR_DISABLED = -19,	/* account disabled */
	KAGI_ERR_STATE = -20,		/* object in the wrong state */
	KAGI_ERR_INTERNAL = -21,	/* should not happen */
	KAGI_ERR_STORE_DOWN = -22,	/* state store unreachable (issue 14) */
	KAGI_ERR_MAX_ = -23		/* keep last */
};

/* A static English description of r, for logs. Never NULL. */
const char *kagi_strerror(int r);

/* Short stable token for r used on the wire ("denied", "not_found"...). */
const char *kagi_err_wire(int r);

/* Inverse of kagi_err_wire(); unknown strings map to KAGI_ERR_INTERNAL. */
int kagi_err_from_wire(const char *s);

#endif

/*
 * totp.h - RFC 6238 TOTP through liboath, and what kagi adds to it.
 *
 * liboath computes and matches codes; kagi adds: code normalisation
 * (full-width digits U+FF10..U+FF19 typed through a Japanese input method
 * read as ASCII digits; anything else that is not exactly `digits` digits
 * refused), secret generation from the OpenSSL random generator, the
 * otpauth:// URI, and the matched time step so the caller can reject
 * replays (a step is accepted at most once per token, by the store).
 */
#ifndef KAGI_TOTP_H
#define KAGI_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"	/* enum totp_alg */

#define TOTP_SECRET_LEN 20	/* 160 bits */
#define TOTP_SECRET_MAX 64
#define TOTP_CODE_MAX 8
#define TOTP_WINDOW_MAX 10

/* Library set-up (oath_init); call once per process. */
int totp_global_init(void);

/* out gets digits ASCII digits and a NUL. */
int totp_normalise_code(const char *in, int digits, char out[TOTP_CODE_MAX + 1]);

/* Fresh random secret of len bytes. */
int totp_new_secret(uint8_t *secret, size_t len);

/* The code for time t (tests, the demo). */
int totp_generate(const uint8_t *secret, size_t len, int alg, int digits,
    int period, int64_t t, char out[TOTP_CODE_MAX + 1]);

/*
 * Does code (already normalised, exactly digits long) match a step within
 * window steps of now?  On KAGI_OK *step gets the matched step counter
 * (t / period).  No match: KAGI_ERR_BAD_CODE.  Matching is liboath's.
 */
int totp_verify(const uint8_t *secret, size_t len, int alg, int digits,
    int period, int window, int64_t now, const char *code, int64_t *step);

/*
 * otpauth://totp/ISSUER:USER?secret=BASE32&issuer=ISSUER&algorithm=SHA1
 * &digits=6&period=30 with ISSUER and USER percent-encoded.  *uri malloc'd;
 * it holds the secret: free with kagi_free_str().
 */
int totp_uri(const char *issuer, const char *user, const uint8_t *secret,
    size_t len, int alg, int digits, int period, char **uri);

const char *totp_alg_name(int alg);		/* "sha1"... */
int totp_alg_from_name(const char *s, int *alg);
/*
 * A secret another TOTP program kept (google-authenticator: base32;
 * pam_oath: hex when hex), decoded with liboath into *out (free with
 * kagi_free_secret(*out, *len)) of TOTP_IMPORT_MIN..MAX bytes.
 */
#define TOTP_IMPORT_MIN 10	/* 80 bits: google-authenticator's */
#define TOTP_IMPORT_MAX 64
int totp_secret_decode(const char *text, int hex, uint8_t **out,
    size_t *len);

#endif

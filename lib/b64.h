/*
 * b64.h - standard base64 (RFC 4648, with padding) for the binary fields
 * of kagi's protocol: FIDO2 credential IDs, challenges, authenticator
 * data, signatures, certificates.
 *
 * Decoding is strict: only the standard alphabet, a length that is a
 * multiple of 4, padding only at the end, no white space, and the
 * decoded length within the caller's bounds; anything else is
 * KAGI_ERR_INVALID (KAGI_ERR_TOO_LARGE past max).  Outputs are malloc'd
 * and handed over only on success.
 */
#ifndef KAGI_B64_H
#define KAGI_B64_H

#include <stddef.h>
#include <stdint.h>

/* *out is a NUL-terminated string; free() it. */
int b64_encode(const uint8_t *in, size_t len, char **out);
/* Decode s into *out (free() it) of min..max bytes. */
int b64_decode(const char *s, size_t min, size_t max, uint8_t **out,
    size_t *outlen);
/* The same, for URL-safe base64 without padding (old pam_u2f files). */
int b64_decode_websafe(const char *s, size_t min, size_t max, uint8_t **out,
    size_t *outlen);

struct json_object;
/* Set member key of o to the base64 of p[0..n). */
int b64_set(struct json_object *o, const char *key, const uint8_t *p,
    size_t n);
/* Append the base64 of p[0..n) to the array arr. */
int b64_append(struct json_object *arr, const uint8_t *p, size_t n);

#endif

/*
 * softkey_int.h - what the software FIDO2 key's files share: one open
 * handle (a plugged-in key), the reply being built, CTAP status codes,
 * and the CBOR and PIN helpers.  Test code only.
 */
#ifndef KAGI_SOFTKEY_INT_H
#define KAGI_SOFTKEY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "softkey.h"

/* CTAPHID frame sizes */
#define HID_FRAME	64
#define HID_INIT_DATA	(HID_FRAME - 7)
#define HID_CONT_DATA	(HID_FRAME - 5)
#define HID_MAX_MSG	(HID_INIT_DATA + 128 * HID_CONT_DATA)

/* CTAP2 */
#define CTAP_MAKECRED	0x01
#define CTAP_GETASSERT	0x02
#define CTAP_GETINFO	0x04
#define CTAP_CLIENTPIN	0x06
#define ST_OK			0x00
#define ST_INVALID_COMMAND	0x01
#define ST_INVALID_PARAMETER	0x02
#define ST_INVALID_CBOR		0x12
#define ST_MISSING_PARAMETER	0x14
#define ST_CREDENTIAL_EXCLUDED	0x19
#define ST_UNSUPPORTED_ALG	0x26
#define ST_OPERATION_DENIED	0x27
#define ST_KEY_STORE_FULL	0x28
#define ST_UNSUPPORTED_OPTION	0x2b
#define ST_INVALID_OPTION	0x2c
#define ST_NO_CREDENTIALS	0x2e
#define ST_NOT_ALLOWED		0x30
#define ST_PIN_INVALID		0x31
#define ST_PIN_BLOCKED		0x32
#define ST_PIN_AUTH_INVALID	0x33
#define ST_PIN_AUTH_BLOCKED	0x34
#define ST_PIN_NOT_SET		0x35
#define ST_PIN_REQUIRED		0x36
#define ST_PIN_POLICY		0x37
#define ST_OTHER		0x7f
#define ST_SILENT		0x100	/* no answer at all */

#define FLAG_UP	0x01
#define FLAG_UV	0x04
#define FLAG_AT	0x40

struct softkey {
	char		*path;
	/* the request being reassembled */
	unsigned char	 cid[4];
	unsigned char	 cmd;
	size_t		 need, got;
	unsigned	 seq;
	int		 busy;
	unsigned char	 msg[HID_MAX_MSG];
	/* frames waiting to be read */
	unsigned char	*out;
	size_t		 out_len, out_off;
	/* channel allocation and the plug */
	uint32_t	 next_cid;
	int		 info_sent;
	int		 silent;
	/* volatile CTAP state: one plug-in */
	EVP_PKEY	*ka_key;
	unsigned char	 pin_token[32];
	int		 pin_token_valid;
	unsigned	 pin_fails;
};

/* The reply being built: status and an encoded body. */
struct reply {
	int		 status;
	unsigned char	*body;
	size_t		 body_len;
};

/* softkey.c */
const char *sk_env(const char *name);	/* "" when unset */
enum softkey_uv sk_uv_mode(const struct softkey_state *st);
/* Runs one CTAP2 message (command byte, CBOR) against the state file. */
void sk_ctap2(struct softkey *k, const unsigned char *msg, size_t len,
    struct reply *rp);

/* softkey_cbor.c: building (shortest integers; map_put and array_put
 * take the references they are given, whatever happens) */
cbor_item_t *sk_build_uint(uint64_t v);
cbor_item_t *sk_build_int(int v);
int sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *val);
int sk_array_put(cbor_item_t *arr, cbor_item_t *val);
cbor_item_t *sk_cose_p256(EVP_PKEY *key, int alg);
int sk_finish(struct reply *rp, cbor_item_t *map);
/* reading */
cbor_item_t *sk_map_get_uint(const cbor_item_t *map, uint64_t key);
cbor_item_t *sk_map_get_text(const cbor_item_t *map, const char *key);
cbor_item_t *sk_map_get_int(const cbor_item_t *map, int key);
int sk_text_is(const cbor_item_t *item, const char *s);
int sk_is_bytes(const cbor_item_t *item);
int sk_option(const cbor_item_t *opts, const char *name);
int sk_small_int(const cbor_item_t *item);

/* softkey_pin.c */
int sk_regen_key_agreement(struct softkey *k);
int sk_pin_auth_ok(const unsigned char *key, size_t key_len,
    const unsigned char *a, size_t a_len, const unsigned char *b,
    size_t b_len, const cbor_item_t *auth);
int sk_cmd_client_pin(struct softkey *k, struct softkey_state *st,
    const cbor_item_t *req, struct reply *rp);

#endif

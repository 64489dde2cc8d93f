/*
 * fuzz_fido2.c - libFuzzer target for what kagid reads from a client for
 * FIDO2, through the functions kagid itself calls: the fields of
 * auth_fido2, token_fido2_finish and token_fido2_import (fido2_wire.c,
 * b64.c), then authenticator data, signatures, attestation certificates
 * and public keys through libfido2 (fido_assert_set_authdata,
 * fido_cred_set_authdata and the verifiers, via fido2.c).
 *
 * The first byte picks the way in: 0, the rest is a protocol payload
 * (JSON with base64 fields, as on the socket); 1, raw assertion fields;
 * 2, raw registration fields (each length-prefixed, 2 bytes big-endian).
 * The raw ways reach libfido2's CBOR parsing without base64 in between.
 * Invariants checked: a refused registration always names its reason;
 * a parsed struct is either complete or empty.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "fido2.h"
#include "fido2_wire.h"
#include "kagi_err.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RP "pam://kagi-fuzz"
#define ROOTS "/nonexistent/kagi-fuzz-roots.pem"
#define AAGUIDS "6b616769-2d73-6f66-746b-65792d763100"

/* The P-256 generator: a valid ES256 public key (x | y). */
static const uint8_t es256_pk[64] = {
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
	0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
	0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
	0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5
};

/* The Ed25519 base point. */
static const uint8_t eddsa_pk[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
};

static const uint8_t chal[CHAL_LEN] = { 0x5a };

static void
assertion(int eddsa, const uint8_t *ad, size_t adlen, const uint8_t *sig,
    size_t siglen)
{
	uint8_t flags = 0;
	uint32_t counter = 0;
	int uv;

	for (uv = 0; uv <= 1; uv++)
		if (fido2_verify_assertion(eddsa ? FIDO2_EDDSA : FIDO2_ES256,
		    eddsa ? eddsa_pk : es256_pk, eddsa ? 32 : 64, RP, chal, uv,
		    ad, adlen, sig, siglen, &flags, &counter) == 0)
			(void)fido2_counter_check(counter, counter);
	(void)fido2_authdata_rp_ok(RP, ad, adlen);
}

static void
registration(const struct fido2_reg_in *in, int roots)
{
	struct fido2_att_policy pol = { roots ? ATTEST_ROOTS : ATTEST_ANY,
	    ROOTS, roots ? AAGUIDS : NULL };
	struct fido2_reg_out out;
	const char *why = NULL;
	int r;

	r = fido2_verify_registration(in, RP, chal, &pol, &out, &why);
	if ((r != 0 && why == NULL) || (r == 0 && (why != NULL ||
	    out.cred_id_len == 0 || out.cred_id_len > FIDO2_CRED_ID_MAX)))
		abort();
}

/* Way 0: a request as kagid decodes it. */
static void
from_payload(const uint8_t *data, size_t size)
{
	struct json_object *m = NULL;
	struct fido2_answer an;
	struct fido2_reg_msg rm;
	struct fido2_reg_in in;
	const char *pks = NULL, *alg = NULL;
	uint8_t *pk = NULL;
	size_t pklen = 0;

	if (proto_decode_payload(data, size, &m) != 0)
		return;
	if (fido2_answer_parse(m, &an) == 0) {
		if (an.cred == NULL || an.authdata == NULL || an.sig == NULL)
			abort();
		assertion(an.uv_method == FIDO2_UV_BUILTIN, an.authdata,
		    an.authdata_len, an.sig, an.sig_len);
		fido2_answer_clear(&an);
	} else if (an.cred != NULL || an.authdata != NULL || an.sig != NULL)
		abort();
	if (fido2_reg_msg_parse(m, &rm) == 0) {
		fido2_reg_msg_in(&rm, &in);
		registration(&in, 0);
		registration(&in, 1);
		fido2_reg_msg_clear(&rm);
	} else if (rm.authdata != NULL || rm.x5c != NULL || rm.sig != NULL)
		abort();
	/* token_fido2_import's public key. */
	if (proto_get_str(m, "public_key", FIDO2_B64_FIELD_MAX, &pks) == 0 &&
	    proto_get_str(m, "alg", KAGI_NAME_MAX, &alg) == 0 &&
	    b64_decode(pks, 1, FIDO2_PK_MAX, &pk, &pklen) == 0) {
		(void)fido2_pk_check(fido2_alg_from_name(alg), pk, pklen);
		free(pk);
	}
	json_object_put(m);
}

/* Take a field of 2-byte big-endian length; NULL when it is empty. */
static const uint8_t *
field(const uint8_t **p, size_t *left, size_t *len)
{
	const uint8_t *f;

	*len = 0;
	if (*left < 2)
		return NULL;
	*len = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	*left -= 2;
	if (*len > *left)
		*len = *left;
	f = *p;
	*p += *len;
	*left -= *len;
	return *len > 0 ? f : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "packed", "fido-u2f", "none",
	    "tpm" };
	static const int algs[] = { FIDO2_ES256, FIDO2_EDDSA, FIDO2_RS256 };
	struct fido2_reg_in in;
	const uint8_t *p, *ad, *sig;
	size_t left, adlen, siglen;

	if (size < 2)
		return 0;
	p = data + 2;
	left = size - 2;
	switch (data[0] % 3) {
	case 0:
		from_payload(data + 1, size - 1);
		break;
	case 1:
		ad = field(&p, &left, &adlen);
		sig = field(&p, &left, &siglen);
		assertion(data[1] & 1, ad, adlen, sig, siglen);
		if (left >= 64)
			(void)fido2_pk_check(algs[data[1] % 3], p, left);
		break;
	default:
		memset(&in, 0, sizeof(in));
		in.fmt = fmts[data[1] & 3];
		in.alg = algs[(data[1] >> 2) % 3];
		in.authdata = field(&p, &left, &in.authdata_len);
		in.x5c = field(&p, &left, &in.x5c_len);
		in.sig = field(&p, &left, &in.sig_len);
		registration(&in, data[1] >> 7);
		break;
	}
	return 0;
}

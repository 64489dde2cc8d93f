/*
 * softkey.c - the software FIDO2 key's CTAP 2.0 commands: getInfo,
 * makeCredential and getAssertion, and the switches that bend them
 * (softkey_hid.c frames them, softkey_pin.c does clientPIN).
 *
 * makeCredential answers "packed" attestation, ES256 only, no resident
 * keys; getAssertion needs an allowList.  Each CBOR command loads the
 * state file under its lock, and saves it before answering when it
 * changed.  Replies are CBOR with the shortest integer encodings,
 * definite lengths and map keys in CTAP canonical order, as libfido2
 * checks.
 *
 * Switches, read from the environment at every operation:
 *
 *   KAGI_SOFTKEY_STATE=FILE   the state file (required; created with the
 *                             defaults, uv=pin and no PIN, when missing;
 *                             softkeytool init makes others)
 *   KAGI_SOFTKEY_UV=pin|builtin|none
 *                             overrides the state's mode: pin = clientPin
 *                             (UV flag when a PIN token authorised the
 *                             request); builtin = the key verifies the
 *                             user itself (getInfo uv=true, no clientPin;
 *                             UV flag when the request asks uv=true);
 *                             none = presence only (uv=true refused with
 *                             CTAP2_ERR_UNSUPPORTED_OPTION)
 *   KAGI_SOFTKEY_COUNTER=normal|stuck|back
 *                             getAssertion's signature counter: +1 and
 *                             stored (normal), the stored value again
 *                             (stuck), the stored value - 1, stored
 *                             (back; stays 0 at 0)
 *   KAGI_SOFTKEY_RP=wrong     authData carries SHA-256("wrong." rpId)
 *                             instead of SHA-256(rpId) (both commands)
 *   KAGI_SOFTKEY_TOUCH=refuse|timeout
 *                             refuse: requests needing a touch end with
 *                             CTAP2_ERR_OPERATION_DENIED; timeout: they
 *                             are never answered (a read sleeps the time
 *                             libfido2 allows, at most 30 s when it
 *                             allows forever, then returns -1)
 *   KAGI_SOFTKEY_UNPLUG=after-init
 *                             every read and write after the getInfo
 *                             reply fails, as when the key is pulled out
 *   KAGI_SOFTKEY_MALFORMED=reply
 *                             getAssertion answers status 0 and broken
 *                             CBOR
 *   KAGI_SOFTKEY_ATT=full|self|none
 *                             makeCredential's attestation: packed with
 *                             the x5c certificate (full, the default),
 *                             packed signed by the credential key without
 *                             x5c (self), or fmt "none"
 *   KAGI_SOFTKEY_ABSENT=1     read by the shim: no device is listed
 *
 * A request with up=false needs no touch (the touch switches do not
 * apply) and is answered without the UP flag.  A zero-length pinAuth is
 * the "touch, then tell me about the PIN" probe: PIN_NOT_SET or
 * PIN_INVALID after the touch.  Three wrong PINs in a row on one open
 * handle give CTAP2_ERR_PIN_AUTH_BLOCKED until the next open; the
 * retries counter (8 by default) is persistent and at 0 the PIN is
 * blocked for good.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "softkey_int.h"

const char *
sk_env(const char *name)
{
	const char *v = getenv(name);

	return v == NULL ? "" : v;
}

enum softkey_uv
sk_uv_mode(const struct softkey_state *st)
{
	enum softkey_uv uv;

	if (softkey_uv_parse(sk_env("KAGI_SOFTKEY_UV"), &uv) == 0)
		return uv;
	return st->uv;
}
/* --- getInfo --------------------------------------------------------- */

static int
cmd_get_info(struct softkey_state *st, struct reply *rp)
{
	enum softkey_uv	 uv = sk_uv_mode(st);
	cbor_item_t	*m = NULL, *v = NULL, *o = NULL, *p = NULL;
	int		 bad = 0;

	if ((m = cbor_new_definite_map(5)) == NULL ||
	    (v = cbor_new_definite_array(1)) == NULL ||
	    (o = cbor_new_definite_map(3)) == NULL ||
	    (p = cbor_new_definite_array(1)) == NULL)
		bad = 1;
	/* options in CTAP canonical order: shorter keys first. */
	if (!bad)
		bad = sk_array_put(v, cbor_build_string("FIDO_2_0")) != 0 ||
		    sk_map_put(o, cbor_build_string("rk"),
		    cbor_build_bool(false)) != 0 ||
		    sk_map_put(o, cbor_build_string("up"),
		    cbor_build_bool(true)) != 0 ||
		    (uv == SOFTKEY_UV_BUILTIN && sk_map_put(o,
		    cbor_build_string("uv"), cbor_build_bool(true)) != 0) ||
		    (uv == SOFTKEY_UV_PIN && sk_map_put(o,
		    cbor_build_string("clientPin"),
		    cbor_build_bool(st->pin_set != 0)) != 0) ||
		    sk_array_put(p, sk_build_int(1)) != 0;
	/* map_put takes the references of v, o and p whatever happens. */
	if (!bad) {
		bad |= sk_map_put(m, sk_build_int(1), v) != 0;
		bad |= sk_map_put(m, sk_build_int(3),
		    cbor_build_bytestring(st->aaguid, 16)) != 0;
		bad |= sk_map_put(m, sk_build_int(4), o) != 0;
		bad |= sk_map_put(m, sk_build_int(5), sk_build_uint(1200)) != 0;
		if (uv == SOFTKEY_UV_PIN)
			bad |= sk_map_put(m, sk_build_int(6), p) != 0;
		else
			cbor_decref(&p);
		v = o = p = NULL;
	}
	if (v != NULL)
		cbor_decref(&v);
	if (o != NULL)
		cbor_decref(&o);
	if (p != NULL)
		cbor_decref(&p);
	if (bad) {
		if (m != NULL)
			cbor_decref(&m);
		return ST_OTHER;
	}
	return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
}

/* --- shared by makeCredential and getAssertion ------------------------ */

static int
rp_hash(const char *id, size_t len, unsigned char out[32], int as_sent)
{
	EVP_MD_CTX	*c;
	int		 r = -1;

	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto out;
	if (as_sent && strcmp(sk_env("KAGI_SOFTKEY_RP"), "wrong") == 0 &&
	    EVP_DigestUpdate(c, "wrong.", 6) != 1)
		goto out;
	if (EVP_DigestUpdate(c, id, len) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		goto out;
	r = 0;
out:
	EVP_MD_CTX_free(c);
	return r;
}

/* The user-verification part of a request: pinAuth (over the client data
 * hash) and the uv option.  Sets *uv_flag; ST_OK or the status to end
 * with.  ST_SILENT and touch refusal are decided by the caller. */
static int
check_uv(struct softkey *k, struct softkey_state *st, const cbor_item_t *cdh,
    const cbor_item_t *auth, const cbor_item_t *proto, int uv_opt,
    int need_pin, int *uv_flag)
{
	enum softkey_uv mode = sk_uv_mode(st);

	*uv_flag = 0;
	if (uv_opt == -2)
		return ST_INVALID_CBOR;
	if (auth != NULL) {
		if (!sk_is_bytes(auth))
			return ST_INVALID_CBOR;
		if (cbor_bytestring_length(auth) == 0)
			return -1;	/* the touch probe */
		if (mode != SOFTKEY_UV_PIN || !st->pin_set)
			return ST_PIN_NOT_SET;
		if (sk_small_int(proto) != 1)
			return ST_PIN_AUTH_INVALID;
		if (!k->pin_token_valid ||
		    !sk_pin_auth_ok(k->pin_token, sizeof(k->pin_token),
		    cbor_bytestring_handle(cdh), cbor_bytestring_length(cdh),
		    NULL, 0, auth))
			return ST_PIN_AUTH_INVALID;
		*uv_flag = 1;
	}
	if (uv_opt == 1) {
		if (mode != SOFTKEY_UV_BUILTIN)
			return ST_UNSUPPORTED_OPTION;
		*uv_flag = 1;
	}
	if (need_pin && auth == NULL && mode == SOFTKEY_UV_PIN && st->pin_set)
		return ST_PIN_REQUIRED;
	return ST_OK;
}

/* The touch: ST_OK, ST_OPERATION_DENIED or ST_SILENT. */
static int
touch(void)
{
	const char *t = sk_env("KAGI_SOFTKEY_TOUCH");

	if (strcmp(t, "refuse") == 0)
		return ST_OPERATION_DENIED;
	if (strcmp(t, "timeout") == 0)
		return ST_SILENT;
	return ST_OK;
}

/* After a touch, the zero-length pinAuth probe's answer. */
static int
probe_answer(struct softkey_state *st)
{
	int t = touch();

	if (t != ST_OK)
		return t;
	return sk_uv_mode(st) == SOFTKEY_UV_PIN && st->pin_set ? ST_PIN_INVALID :
	    ST_PIN_NOT_SET;
}

static struct softkey_cred *
find_cred(struct softkey_state *st, const unsigned char rp[32],
    const cbor_item_t *list)
{
	cbor_item_t	**v;
	const cbor_item_t *id;

	if (list == NULL || !cbor_isa_array(list))
		return NULL;
	v = cbor_array_handle(list);
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		if (!cbor_isa_map(v[i]) ||
		    !sk_text_is(sk_map_get_text(v[i], "type"), "public-key") ||
		    !sk_is_bytes(id = sk_map_get_text(v[i], "id")))
			continue;
		for (size_t j = 0; j < st->ncreds; j++) {
			struct softkey_cred *c = &st->creds[j];

			if (c->id_len == cbor_bytestring_length(id) &&
			    memcmp(c->id, cbor_bytestring_handle(id),
			    c->id_len) == 0 &&
			    memcmp(c->rp_hash, rp, 32) == 0)
				return c;
		}
	}
	return NULL;
}

static int
es256_in(const cbor_item_t *params)
{
	cbor_item_t **v;

	if (params == NULL || !cbor_isa_array(params))
		return 0;
	v = cbor_array_handle(params);
	for (size_t i = 0; i < cbor_array_size(params); i++)
		if (cbor_isa_map(v[i]) &&
		    sk_text_is(sk_map_get_text(v[i], "type"), "public-key") &&
		    sk_small_int(sk_map_get_text(v[i], "alg")) == -7)
			return 1;
	return 0;
}

/* --- makeCredential -------------------------------------------------- */

static int
attestation(struct softkey_state *st, struct softkey_cred *c,
    const unsigned char *ad, size_t ad_len, const cbor_item_t *cdh,
    cbor_item_t *m)
{
	const char	*att = sk_env("KAGI_SOFTKEY_ATT");
	unsigned char	 sig[128];
	size_t		 sig_len = sizeof(sig);
	cbor_item_t	*s = NULL, *x = NULL;
	int		 self = strcmp(att, "self") == 0;

	if (strcmp(att, "none") == 0) {
		if (sk_map_put(m, sk_build_int(1), cbor_build_string("none")) != 0 ||
		    sk_map_put(m, sk_build_int(2), cbor_build_bytestring(ad,
		    ad_len)) != 0 ||
		    sk_map_put(m, sk_build_int(3), cbor_new_definite_map(0)) != 0)
			return -1;
		return 0;
	}
	if (softkey_es256_sign(self ? c->key : st->att_key, ad, ad_len,
	    cbor_bytestring_handle(cdh), cbor_bytestring_length(cdh), sig,
	    &sig_len) != 0)
		return -1;
	if ((s = cbor_new_definite_map(self ? 2 : 3)) == NULL)
		return -1;
	if (sk_map_put(s, cbor_build_string("alg"), sk_build_int(-7)) != 0 ||
	    sk_map_put(s, cbor_build_string("sig"), cbor_build_bytestring(sig,
	    sig_len)) != 0)
		goto fail;
	if (!self) {
		if ((x = cbor_new_definite_array(1)) == NULL ||
		    sk_array_put(x, cbor_build_bytestring(st->att_cert,
		    st->att_cert_len)) != 0)
			goto fail;
		if (sk_map_put(s, cbor_build_string("x5c"), x) != 0) {
			x = NULL;
			goto fail;
		}
		x = NULL;
	}
	if (sk_map_put(m, sk_build_int(1), cbor_build_string("packed")) != 0 ||
	    sk_map_put(m, sk_build_int(2), cbor_build_bytestring(ad, ad_len)) != 0)
		goto fail;
	return sk_map_put(m, sk_build_int(3), s);
fail:
	if (x != NULL)
		cbor_decref(&x);
	cbor_decref(&s);
	return -1;
}

static int
cmd_make_cred(struct softkey *k, struct softkey_state *st,
    const cbor_item_t *req, struct reply *rp)
{
	const cbor_item_t	*cdh, *rpm, *rpid, *opts;
	struct softkey_cred	*c;
	unsigned char		 rph[32], ad[512], idlen;
	unsigned char		*cose = NULL;
	size_t			 ad_len, cose_len, alloc = 0;
	cbor_item_t		*pk = NULL, *m = NULL;
	int			 s, uv, t, rk;

	if (req == NULL)
		return ST_MISSING_PARAMETER;
	cdh = sk_map_get_uint(req, 1);
	rpm = sk_map_get_uint(req, 2);
	opts = sk_map_get_uint(req, 7);
	if (!sk_is_bytes(cdh) || rpm == NULL || !cbor_isa_map(rpm) ||
	    sk_map_get_uint(req, 3) == NULL || sk_map_get_uint(req, 4) == NULL)
		return ST_MISSING_PARAMETER;
	rpid = sk_map_get_text(rpm, "id");
	if (rpid == NULL || !cbor_isa_string(rpid) ||
	    !cbor_string_is_definite(rpid))
		return ST_MISSING_PARAMETER;
	if (rp_hash((const char *)cbor_string_handle(rpid),
	    cbor_string_length(rpid), rph, 0) != 0)
		return ST_OTHER;
	if (find_cred(st, rph, sk_map_get_uint(req, 5)) != NULL) {
		t = touch();
		return t == ST_OK ? ST_CREDENTIAL_EXCLUDED : t;
	}
	if (!es256_in(sk_map_get_uint(req, 4)))
		return ST_UNSUPPORTED_ALG;
	if (opts != NULL && (!cbor_isa_map(opts) || sk_option(opts, "up") != -1))
		return ST_INVALID_OPTION;
	if ((rk = sk_option(opts, "rk")) == 1)
		return ST_UNSUPPORTED_OPTION;
	if (rk == -2)
		return ST_INVALID_CBOR;
	s = check_uv(k, st, cdh, sk_map_get_uint(req, 8), sk_map_get_uint(req, 9),
	    sk_option(opts, "uv"), 1, &uv);
	if (s == -1)
		return probe_answer(st);
	if (s != ST_OK)
		return s;
	if ((t = touch()) != ST_OK)
		return t;
	if (st->ncreds >= SOFTKEY_MAX_CREDS)
		return ST_KEY_STORE_FULL;

	c = &st->creds[st->ncreds];
	memset(c, 0, sizeof(*c));
	if (RAND_bytes(&idlen, 1) != 1)
		return ST_OTHER;
	c->id_len = 32 + idlen % 33;
	memcpy(c->rp_hash, rph, 32);
	if (RAND_bytes(c->id, (int)c->id_len) != 1 ||
	    (c->key = softkey_p256_new()) == NULL)
		goto fail;
	if ((pk = sk_cose_p256(c->key, -7)) == NULL ||
	    (cose_len = cbor_serialize_alloc(pk, &cose, &alloc)) == 0)
		goto fail;
	/* authData: rpIdHash flags counter aaguid idlen id key */
	ad_len = 37 + 16 + 2 + c->id_len + cose_len;
	if (ad_len > sizeof(ad) || rp_hash((const char *)
	    cbor_string_handle(rpid), cbor_string_length(rpid), ad, 1) != 0)
		goto fail;
	ad[32] = FLAG_UP | FLAG_AT | (uv ? FLAG_UV : 0);
	memset(ad + 33, 0, 4);
	memcpy(ad + 37, st->aaguid, 16);
	ad[53] = (unsigned char)(c->id_len >> 8);
	ad[54] = (unsigned char)c->id_len;
	memcpy(ad + 55, c->id, c->id_len);
	memcpy(ad + 55 + c->id_len, cose, cose_len);
	if ((m = cbor_new_definite_map(3)) == NULL ||
	    attestation(st, c, ad, ad_len, cdh, m) != 0)
		goto fail;
	st->ncreds++;
	if (softkey_state_save(k->path, st) != 0) {
		st->ncreds--;
		goto fail;
	}
	cbor_decref(&pk);
	free(cose);
	return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
fail:
	EVP_PKEY_free(c->key);
	c->key = NULL;
	if (pk != NULL)
		cbor_decref(&pk);
	if (m != NULL)
		cbor_decref(&m);
	free(cose);
	return ST_OTHER;
}

/* --- getAssertion ---------------------------------------------------- */

static uint32_t
next_counter(uint32_t c)
{
	const char *mode = sk_env("KAGI_SOFTKEY_COUNTER");

	if (strcmp(mode, "stuck") == 0)
		return c;
	if (strcmp(mode, "back") == 0)
		return c > 0 ? c - 1 : 0;
	return c < UINT32_MAX ? c + 1 : c;
}

static int
cmd_get_assert(struct softkey *k, struct softkey_state *st,
    const cbor_item_t *req, struct reply *rp)
{
	static const unsigned char garbage[] = { 0xa3, 0x01, 0x58, 0x20, 0xff };
	const cbor_item_t	*rpid, *cdh, *opts;
	struct softkey_cred	*c;
	unsigned char		 rph[32], ad[37], sig[128];
	size_t			 sig_len = sizeof(sig);
	cbor_item_t		*m = NULL, *d = NULL;
	int			 s, uv, up, t;

	if (req == NULL)
		return ST_MISSING_PARAMETER;
	rpid = sk_map_get_uint(req, 1);
	cdh = sk_map_get_uint(req, 2);
	opts = sk_map_get_uint(req, 5);
	if (rpid == NULL || !cbor_isa_string(rpid) ||
	    !cbor_string_is_definite(rpid) || !sk_is_bytes(cdh))
		return ST_MISSING_PARAMETER;
	if (opts != NULL && (!cbor_isa_map(opts) || sk_option(opts, "rk") != -1))
		return ST_INVALID_OPTION;
	if ((up = sk_option(opts, "up")) == -2)
		return ST_INVALID_CBOR;
	s = check_uv(k, st, cdh, sk_map_get_uint(req, 6), sk_map_get_uint(req, 7),
	    sk_option(opts, "uv"), 0, &uv);
	if (s == -1)
		return probe_answer(st);
	if (s != ST_OK)
		return s;
	if (rp_hash((const char *)cbor_string_handle(rpid),
	    cbor_string_length(rpid), rph, 0) != 0)
		return ST_OTHER;
	if ((c = find_cred(st, rph, sk_map_get_uint(req, 3))) == NULL)
		return ST_NO_CREDENTIALS;
	if (up != 0 && (t = touch()) != ST_OK)
		return t;

	c->counter = next_counter(c->counter);
	if (softkey_state_save(k->path, st) != 0)
		return ST_OTHER;
	if (rp_hash((const char *)cbor_string_handle(rpid),
	    cbor_string_length(rpid), ad, 1) != 0)
		return ST_OTHER;
	ad[32] = (up != 0 ? FLAG_UP : 0) | (uv ? FLAG_UV : 0);
	ad[33] = (unsigned char)(c->counter >> 24);
	ad[34] = (unsigned char)(c->counter >> 16);
	ad[35] = (unsigned char)(c->counter >> 8);
	ad[36] = (unsigned char)c->counter;
	if (strcmp(sk_env("KAGI_SOFTKEY_MALFORMED"), "reply") == 0) {
		if ((rp->body = malloc(sizeof(garbage))) == NULL)
			return ST_OTHER;
		memcpy(rp->body, garbage, sizeof(garbage));
		rp->body_len = sizeof(garbage);
		return ST_OK;
	}
	if (softkey_es256_sign(c->key, ad, sizeof(ad),
	    cbor_bytestring_handle(cdh), cbor_bytestring_length(cdh), sig,
	    &sig_len) != 0)
		return ST_OTHER;
	if ((m = cbor_new_definite_map(3)) == NULL ||
	    (d = cbor_new_definite_map(2)) == NULL ||
	    sk_map_put(d, cbor_build_string("id"), cbor_build_bytestring(c->id,
	    c->id_len)) != 0 ||
	    sk_map_put(d, cbor_build_string("type"),
	    cbor_build_string("public-key")) != 0)
		goto fail;
	if (sk_map_put(m, sk_build_int(1), d) != 0) {
		d = NULL;
		goto fail;
	}
	d = NULL;
	if (sk_map_put(m, sk_build_int(2), cbor_build_bytestring(ad,
	    sizeof(ad))) != 0 ||
	    sk_map_put(m, sk_build_int(3), cbor_build_bytestring(sig, sig_len)) != 0)
		goto fail;
	return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
fail:
	if (d != NULL)
		cbor_decref(&d);
	if (m != NULL)
		cbor_decref(&m);
	return ST_OTHER;
}

/* --- CTAP2 dispatch -------------------------------------------------- */

/* Loads (or creates) the state under its lock, runs one command, answers
 * status | body into rp. */
void
sk_ctap2(struct softkey *k, const unsigned char *msg, size_t len,
    struct reply *rp)
{
	struct softkey_state	*st = NULL;
	struct cbor_load_result	 res;
	cbor_item_t		*req = NULL;
	static const unsigned char zero[16];
	struct stat		 sb;
	int			 lock;

	rp->status = ST_OTHER;
	if (len < 1) {
		rp->status = ST_INVALID_COMMAND;
		return;
	}
	if ((lock = softkey_state_lock(k->path)) < 0)
		return;
	if (lstat(k->path, &sb) != 0 && errno == ENOENT) {
		if (softkey_state_new(&st, SOFTKEY_UV_PIN, NULL, zero,
		    SOFTKEY_DEFAULT_RETRIES) != 0 ||
		    softkey_state_save(k->path, st) != 0)
			goto out;
	} else if (softkey_state_load(k->path, &st) != 0)
		goto out;
	if (len > 1) {
		req = cbor_load(msg + 1, len - 1, &res);
		if (req == NULL || res.read != len - 1 || !cbor_isa_map(req) ||
		    !cbor_map_is_definite(req)) {
			rp->status = ST_INVALID_CBOR;
			goto out;
		}
	}
	switch (msg[0]) {
	case CTAP_GETINFO:
		rp->status = cmd_get_info(st, rp);
		break;
	case CTAP_MAKECRED:
		rp->status = cmd_make_cred(k, st, req, rp);
		break;
	case CTAP_GETASSERT:
		rp->status = cmd_get_assert(k, st, req, rp);
		break;
	case CTAP_CLIENTPIN:
		rp->status = sk_cmd_client_pin(k, st, req, rp);
		break;
	default:
		rp->status = ST_INVALID_COMMAND;
		break;
	}
out:
	if (req != NULL)
		cbor_decref(&req);
	softkey_state_free(&st);
	softkey_state_unlock(lock);
}

/*
 * fido2_wire.c - decoding the FIDO2 fields of auth_fido2 and
 * token_fido2_finish (fido2_wire.h).  Strings come through the bounded
 * protocol getters, binary fields through the strict base64 decoder
 * with fido2.h's limits; a struct is filled only when all of it parsed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "fido2_wire.h"
#include "kagi_err.h"
#include "proto.h"

void
fido2_answer_clear(struct fido2_answer *an)
{
	if (an == NULL)
		return;
	free(an->cred);
	free(an->authdata);
	free(an->sig);
	memset(an, 0, sizeof(*an));
}

int
fido2_answer_parse(struct json_object *req, struct fido2_answer *an)
{
	struct fido2_answer v;
	const char *cred = NULL, *ad = NULL, *sig = NULL, *uvm = NULL;
	int r;

	memset(&v, 0, sizeof(v));
	memset(an, 0, sizeof(*an));
	if ((r = proto_get_str(req, "credential", FIDO2_B64_FIELD_MAX,
	    &cred)) != 0 ||
	    (r = proto_get_str(req, "authdata", FIDO2_B64_FIELD_MAX,
	    &ad)) != 0 ||
	    (r = proto_get_str(req, "sig", FIDO2_B64_FIELD_MAX, &sig)) != 0 ||
	    (r = proto_get_str(req, "uv_method", KAGI_NAME_MAX, &uvm)) != 0)
		goto out;
	if ((v.uv_method = fido2_uv_from_name(uvm)) < 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = b64_decode(cred, 1, FIDO2_CRED_ID_MAX, &v.cred,
	    &v.cred_len)) != 0 ||
	    (r = b64_decode(ad, 1, FIDO2_AUTHDATA_MAX, &v.authdata,
	    &v.authdata_len)) != 0 ||
	    (r = b64_decode(sig, 1, FIDO2_SIG_MAX, &v.sig, &v.sig_len)) != 0)
		goto out;
	*an = v;
	memset(&v, 0, sizeof(v));
 out:
	fido2_answer_clear(&v);
	return r;
}

void
fido2_reg_msg_clear(struct fido2_reg_msg *m)
{
	if (m == NULL)
		return;
	free(m->authdata);
	free(m->x5c);
	free(m->sig);
	memset(m, 0, sizeof(*m));
}

/* An optional base64 field; absent leaves *p NULL. */
static int
opt_b64(struct json_object *req, const char *key, size_t max, uint8_t **p,
    size_t *n)
{
	const char *s = NULL;
	int r;

	if ((r = proto_get_str_opt(req, key, FIDO2_B64_FIELD_MAX, &s)) != 0)
		return r;
	if (s == NULL)
		return 0;
	return b64_decode(s, 1, max, p, n);
}

int
fido2_reg_msg_parse(struct json_object *req, struct fido2_reg_msg *m)
{
	struct fido2_reg_msg v;
	const char *alg = NULL, *fmt = NULL, *uv = NULL, *ad = NULL;
	int r;

	memset(&v, 0, sizeof(v));
	memset(m, 0, sizeof(*m));
	if ((r = proto_get_str(req, "alg", KAGI_NAME_MAX, &alg)) != 0 ||
	    (r = proto_get_str(req, "fmt", sizeof(v.fmt) - 1, &fmt)) != 0 ||
	    (r = proto_get_str(req, "uv", KAGI_NAME_MAX, &uv)) != 0 ||
	    (r = proto_get_str(req, "authdata", FIDO2_B64_FIELD_MAX,
	    &ad)) != 0)
		goto out;
	if ((v.alg = fido2_alg_from_name(alg)) == 0 ||
	    (v.uv = fido2_uv_from_name(uv)) < 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	memcpy(v.fmt, fmt, strlen(fmt) + 1);
	if ((r = b64_decode(ad, 1, FIDO2_AUTHDATA_MAX, &v.authdata,
	    &v.authdata_len)) != 0 ||
	    (r = opt_b64(req, "x5c", FIDO2_X5C_MAX, &v.x5c, &v.x5c_len)) != 0 ||
	    (r = opt_b64(req, "sig", FIDO2_SIG_MAX, &v.sig, &v.sig_len)) != 0)
		goto out;
	*m = v;
	memset(&v, 0, sizeof(v));
 out:
	fido2_reg_msg_clear(&v);
	return r;
}

void
fido2_reg_msg_in(const struct fido2_reg_msg *m, struct fido2_reg_in *in)
{
	memset(in, 0, sizeof(*in));
	in->alg = m->alg;
	in->fmt = m->fmt;
	in->authdata = m->authdata;
	in->authdata_len = m->authdata_len;
	in->x5c = m->x5c;
	in->x5c_len = m->x5c_len;
	in->sig = m->sig;
	in->sig_len = m->sig_len;
}

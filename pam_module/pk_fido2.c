/*
 * pk_fido2.c - the module's FIDO2 step (pk_fido2.h).
 *
 * The policy stays in kagid: this file only follows what auth_begin
 * said (challenge, relying party, allowed credentials, whether user
 * verification is required) and reports either an assertion or what
 * went wrong.  A key with built-in verification (fingerprint) verifies
 * its user itself; a key with a PIN gets the PIN the person typed; with
 * "required" and a key that can do neither, the key is not even asked.
 *
 * libfido2 (and libcrypto, for the client data hash) are not linked into
 * the module: pkf_lib_open() loads them when auth_begin asks for a key,
 * with every function this file calls in one table (struct pkf_lib);
 * fido.h and openssl/evp.h are used for their types and constants only.
 * See pk_dl.c for how the names are looked up (LD_PRELOAD stand-ins, as
 * the software-key tests use, keep working).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <openssl/evp.h>

#include "b64.h"
#include "kagi_err.h"
#include "pk_dl.h"
#include "pk_fido2.h"
#include "wipe.h"

#define PKF_MAX_DEVS 16

/* Every libfido2 function this file calls. */
struct pkf_fido {
	__typeof__(fido_init) *init;
	__typeof__(fido_dev_info_new) *dev_info_new;
	__typeof__(fido_dev_info_manifest) *dev_info_manifest;
	__typeof__(fido_dev_info_ptr) *dev_info_ptr;
	__typeof__(fido_dev_info_path) *dev_info_path;
	__typeof__(fido_dev_info_free) *dev_info_free;
	__typeof__(fido_dev_new) *dev_new;
	__typeof__(fido_dev_open) *dev_open;
	__typeof__(fido_dev_close) *dev_close;
	__typeof__(fido_dev_free) *dev_free;
	__typeof__(fido_dev_set_timeout) *dev_set_timeout;
	__typeof__(fido_dev_has_uv) *dev_has_uv;
	__typeof__(fido_dev_has_pin) *dev_has_pin;
	__typeof__(fido_dev_get_assert) *dev_get_assert;
	__typeof__(fido_assert_new) *assert_new;
	__typeof__(fido_assert_free) *assert_free;
	__typeof__(fido_assert_set_rp) *assert_set_rp;
	__typeof__(fido_assert_set_clientdata_hash) *assert_set_clientdata_hash;
	__typeof__(fido_assert_set_up) *assert_set_up;
	__typeof__(fido_assert_set_uv) *assert_set_uv;
	__typeof__(fido_assert_allow_cred) *assert_allow_cred;
	__typeof__(fido_assert_count) *assert_count;
	__typeof__(fido_assert_id_ptr) *assert_id_ptr;
	__typeof__(fido_assert_id_len) *assert_id_len;
	__typeof__(fido_assert_authdata_ptr) *assert_authdata_ptr;
	__typeof__(fido_assert_authdata_len) *assert_authdata_len;
	__typeof__(fido_assert_sig_ptr) *assert_sig_ptr;
	__typeof__(fido_assert_sig_len) *assert_sig_len;
};

struct pkf_lib {
	void *handle;
	struct pkf_fido f;
	struct pk_crypto crypto;	/* SHA-256 of the challenge */
};

#define PKF_SYM(field) { "fido_" #field, offsetof(struct pkf_fido, field) }
static const struct pk_dl_sym pkf_syms[] = {
	PKF_SYM(init), PKF_SYM(dev_info_new), PKF_SYM(dev_info_manifest),
	PKF_SYM(dev_info_ptr), PKF_SYM(dev_info_path), PKF_SYM(dev_info_free),
	PKF_SYM(dev_new), PKF_SYM(dev_open), PKF_SYM(dev_close),
	PKF_SYM(dev_free), PKF_SYM(dev_set_timeout), PKF_SYM(dev_has_uv),
	PKF_SYM(dev_has_pin), PKF_SYM(dev_get_assert), PKF_SYM(assert_new),
	PKF_SYM(assert_free), PKF_SYM(assert_set_rp),
	PKF_SYM(assert_set_clientdata_hash), PKF_SYM(assert_set_up),
	PKF_SYM(assert_set_uv), PKF_SYM(assert_allow_cred),
	PKF_SYM(assert_count), PKF_SYM(assert_id_ptr), PKF_SYM(assert_id_len),
	PKF_SYM(assert_authdata_ptr), PKF_SYM(assert_authdata_len),
	PKF_SYM(assert_sig_ptr), PKF_SYM(assert_sig_len),
};
#undef PKF_SYM

int
pkf_lib_open(struct pkf_lib **out, char *err, size_t errlen)
{
	struct pkf_lib *l;
	int r;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return KAGI_ERR_NOMEM;
	}
	if ((r = pk_dl_open("libfido2.so.1", pkf_syms,
	    sizeof(pkf_syms) / sizeof(pkf_syms[0]), &l->f, &l->handle, err,
	    errlen)) != 0 ||
	    (r = pk_crypto_open(&l->crypto, err, errlen)) != 0) {
		pkf_lib_close(&l);
		return r;
	}
	*out = l;
	return 0;
}

void
pkf_lib_close(struct pkf_lib **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	pk_crypto_close(&(*lp)->crypto);
	pk_dl_close(&(*lp)->handle);
	free(*lp);
	*lp = NULL;
}

/* Is the device at path still listed? */
static int
still_there(const struct pkf_fido *fido, const char *path)
{
	fido_dev_info_t *list;
	size_t n = 0, i;
	int found = 0;

	if ((list = fido->dev_info_new(PKF_MAX_DEVS)) == NULL)
		return 1;
	if (fido->dev_info_manifest(list, PKF_MAX_DEVS, &n) == FIDO_OK)
		for (i = 0; i < n; i++) {
			const char *p = fido->dev_info_path(
			    fido->dev_info_ptr(list, i));

			if (p != NULL && strcmp(p, path) == 0)
				found = 1;
		}
	fido->dev_info_free(&list, PKF_MAX_DEVS);
	return found;
}

static enum pkf_result
map_error(const struct pkf_fido *fido, int fr, const char *path)
{
	switch (fr) {
	case FIDO_ERR_NO_CREDENTIALS:
		return PKF_NO_CREDENTIAL;
	case FIDO_ERR_PIN_INVALID:
	case FIDO_ERR_PIN_AUTH_INVALID:
		return PKF_PIN_INVALID;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		return PKF_PIN_BLOCKED;
	case FIDO_ERR_UV_BLOCKED:
		return PKF_UV_BLOCKED;
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_ACTION_TIMEOUT:
		return PKF_TIMEOUT;
	case FIDO_ERR_OPERATION_DENIED:
	case FIDO_ERR_KEEPALIVE_CANCEL:
	case FIDO_ERR_UP_REQUIRED:
		return PKF_TOUCH_REFUSED;
	case FIDO_ERR_TX:
		return PKF_KEY_REMOVED;
	case FIDO_ERR_RX:
		/* Silence: gone, or not touched in time. */
		return still_there(fido, path) ? PKF_TIMEOUT : PKF_KEY_REMOVED;
	}
	return PKF_DEVICE;
}

static int
answer_fill(const struct pkf_fido *fido, const fido_assert_t *a,
    const struct pkf_request *req, const char *uv_method,
    struct pkf_answer *ans)
{
	const unsigned char *id = fido->assert_id_ptr(a, 0);
	size_t idlen = fido->assert_id_len(a, 0);
	int r;

	/* With one allowed credential a key may leave the ID out. */
	if ((id == NULL || idlen == 0) && req->ncred == 1) {
		id = req->cred[0];
		idlen = req->cred_len[0];
	}
	if (id == NULL || idlen == 0 || fido->assert_authdata_len(a, 0) == 0 ||
	    fido->assert_sig_len(a, 0) == 0)
		return KAGI_ERR_INVALID;
	if ((r = b64_encode(id, idlen, &ans->credential)) != 0 ||
	    (r = b64_encode(fido->assert_authdata_ptr(a, 0),
	    fido->assert_authdata_len(a, 0), &ans->authdata)) != 0 ||
	    (r = b64_encode(fido->assert_sig_ptr(a, 0), fido->assert_sig_len(a, 0),
	    &ans->sig)) != 0) {
		pkf_answer_clear(ans);
		return r;
	}
	ans->uv_method = uv_method;
	return 0;
}

/* One device: ask it, following the policy. */
static enum pkf_result
ask_device(const struct pkf_lib *lib, const char *path,
    const struct pkf_request *req, int timeout_ms, const struct pkf_ui *ui,
    struct pkf_answer *ans)
{
	const struct pkf_fido *fido = &lib->f;
	fido_dev_t *dev = NULL;
	fido_assert_t *a = NULL;
	enum pkf_result res = PKF_DEVICE;
	uint8_t cdh[32];
	unsigned int hl = 0;
	const char *uv_method = "none";
	char *pin = NULL;
	int builtin = 0, use_pin = 0, fr;
	size_t i;

	if ((dev = fido->dev_new()) == NULL)
		return PKF_SYSTEM;
	if (fido->dev_open(dev, path) != FIDO_OK) {
		res = still_there(fido, path) ? PKF_DEVICE : PKF_KEY_REMOVED;
		goto out;
	}
	if (fido->dev_set_timeout(dev, timeout_ms) != FIDO_OK)
		goto out;
	if (req->uv != PKF_UV_DISCOURAGED) {
		builtin = fido->dev_has_uv(dev);
		use_pin = !builtin && fido->dev_has_pin(dev);
	}
	if (req->uv == PKF_UV_REQUIRED && !builtin && !use_pin) {
		res = PKF_NO_UV;
		goto out;
	}
	if (lib->crypto.digest(req->chal, PKF_CHAL_LEN, cdh, &hl,
	    lib->crypto.sha256(), NULL) != 1 || hl != sizeof(cdh) ||
	    (a = fido->assert_new()) == NULL) {
		res = PKF_SYSTEM;
		goto out;
	}
	if (fido->assert_set_rp(a, req->rp_id) != FIDO_OK ||
	    fido->assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido->assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido->assert_set_uv(a, builtin ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) !=
	    FIDO_OK) {
		res = PKF_SYSTEM;
		goto out;
	}
	for (i = 0; i < req->ncred; i++)
		if (fido->assert_allow_cred(a, req->cred[i], req->cred_len[i]) !=
		    FIDO_OK) {
			res = PKF_SYSTEM;
			goto out;
		}
	if (use_pin) {
		if ((fr = ui->ask_pin(ui->arg, &pin)) != 0 || pin == NULL) {
			res = fr == -2 ? PKF_SYSTEM : PKF_CONV;
			goto out;
		}
		uv_method = "pin";
	} else if (builtin) {
		uv_method = "builtin";
	}
	ui->touch(ui->arg);
	fr = fido->dev_get_assert(dev, a, pin);
	kagi_free_str(pin);
	pin = NULL;
	if (fr != FIDO_OK) {
		res = map_error(fido, fr, path);
		goto out;
	}
	if (fido->assert_count(a) != 1) {
		res = PKF_DEVICE;
		goto out;
	}
	if ((fr = answer_fill(fido, a, req, uv_method, ans)) != 0) {
		res = fr == KAGI_ERR_NOMEM ? PKF_SYSTEM : PKF_DEVICE;
		goto out;
	}
	res = PKF_OK;
 out:
	kagi_free_str(pin);
	fido->assert_free(&a);
	if (dev != NULL)
		fido->dev_close(dev);
	fido->dev_free(&dev);
	return res;
}

enum pkf_result
pkf_get_assertion(const struct pkf_lib *lib, const struct pkf_request *req,
    int timeout_ms, const struct pkf_ui *ui, struct pkf_answer *ans)
{
	const struct pkf_fido *fido = &lib->f;
	fido_dev_info_t *list = NULL;
	enum pkf_result res = PKF_NO_KEY, r;
	size_t n = 0, i;

	memset(ans, 0, sizeof(*ans));
	fido->init(0);
	if ((list = fido->dev_info_new(PKF_MAX_DEVS)) == NULL)
		return PKF_SYSTEM;
	if (fido->dev_info_manifest(list, PKF_MAX_DEVS, &n) != FIDO_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		const char *path = fido->dev_info_path(fido->dev_info_ptr(list,
		    i));

		if (path == NULL)
			continue;
		r = ask_device(lib, path, req, timeout_ms, ui, ans);
		/* A key without the credential: try the next one. */
		if (r == PKF_NO_CREDENTIAL || (r == PKF_DEVICE && i + 1 < n)) {
			res = r;
			continue;
		}
		res = r;
		break;
	}
	fido->dev_info_free(&list, PKF_MAX_DEVS);
	return res;
}

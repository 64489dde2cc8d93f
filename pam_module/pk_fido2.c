/*
 * pk_fido2.c - the module's FIDO2 step (pk_fido2.h).
 *
 * The policy stays in kagid: this file only follows what auth_begin
 * said (challenge, relying party, allowed credentials, whether user
 * verification is required) and reports either an assertion or what
 * went wrong.  A key with built-in verification (fingerprint) verifies
 * its user itself; a key with a PIN gets the PIN the person typed; with
 * "required" and a key that can do neither, the key is not even asked.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <openssl/evp.h>

#include "b64.h"
#include "kagi_err.h"
#include "pk_fido2.h"
#include "proto.h"
#include "wipe.h"

#define PKF_MAX_DEVS 16
#define PKF_CRED_MAX 1024

int
pkf_request_parse(struct json_object *fido2, struct pkf_request *req)
{
	struct json_object *creds = NULL, *c;
	const char *chal = NULL, *uv = NULL, *rp = NULL;
	uint8_t *p = NULL;
	size_t n = 0, i;
	int r;

	memset(req, 0, sizeof(*req));
	if (fido2 == NULL || !json_object_is_type(fido2, json_type_object))
		return KAGI_ERR_INVALID;
	if ((r = proto_get_str(fido2, "challenge", 64, &chal)) != 0 ||
	    (r = proto_get_str(fido2, "rp_id", sizeof(req->rp_id) - 1,
	    &rp)) != 0 ||
	    (r = proto_get_str(fido2, "uv", 16, &uv)) != 0)
		return r;
	/* Copied: the reply it came in goes before the key is asked. */
	memcpy(req->rp_id, rp, strlen(rp) + 1);
	if (strcmp(uv, "required") == 0)
		req->uv = PKF_UV_REQUIRED;
	else if (strcmp(uv, "preferred") == 0)
		req->uv = PKF_UV_PREFERRED;
	else if (strcmp(uv, "discouraged") == 0)
		req->uv = PKF_UV_DISCOURAGED;
	else
		return KAGI_ERR_INVALID;
	if ((r = b64_decode(chal, PKF_CHAL_LEN, PKF_CHAL_LEN, &p, &n)) != 0)
		return r;
	memcpy(req->chal, p, PKF_CHAL_LEN);
	kagi_free_secret(p, n);
	if (!json_object_object_get_ex(fido2, "credentials", &creds) ||
	    !json_object_is_type(creds, json_type_array) ||
	    json_object_array_length(creds) == 0 ||
	    json_object_array_length(creds) > PKF_MAX_CREDS)
		return KAGI_ERR_INVALID;
	for (i = 0; i < json_object_array_length(creds); i++) {
		c = json_object_array_get_idx(creds, i);
		if (!json_object_is_type(c, json_type_string) ||
		    (r = b64_decode(json_object_get_string(c), 1,
		    PKF_CRED_MAX, &req->cred[i], &req->cred_len[i])) != 0) {
			pkf_request_clear(req);
			return KAGI_ERR_INVALID;
		}
		req->ncred = i + 1;
	}
	return 0;
}

void
pkf_request_clear(struct pkf_request *req)
{
	size_t i;

	for (i = 0; i < req->ncred; i++)
		free(req->cred[i]);
	kagi_wipe_obj(req);
}

void
pkf_answer_clear(struct pkf_answer *ans)
{
	free(ans->credential);
	free(ans->authdata);
	free(ans->sig);
	memset(ans, 0, sizeof(*ans));
}

const char *
pkf_failure_name(enum pkf_result r)
{
	switch (r) {
	case PKF_NO_KEY:
		return "no_key";
	case PKF_KEY_REMOVED:
		return "key_removed";
	case PKF_TIMEOUT:
		return "timeout";
	case PKF_TOUCH_REFUSED:
		return "touch_refused";
	case PKF_PIN_INVALID:
		return "pin_invalid";
	case PKF_PIN_BLOCKED:
		return "pin_blocked";
	case PKF_UV_BLOCKED:
		return "uv_blocked";
	case PKF_NO_CREDENTIAL:
		return "no_credential";
	case PKF_NO_UV:
		return "no_uv";
	case PKF_OK:
	case PKF_DEVICE:
	case PKF_CONV:
	case PKF_SYSTEM:
		break;
	}
	return "device";
}

/* Is the device at path still listed? */
static int
still_there(const char *path)
{
	fido_dev_info_t *list;
	size_t n = 0, i;
	int found = 0;

	if ((list = fido_dev_info_new(PKF_MAX_DEVS)) == NULL)
		return 1;
	if (fido_dev_info_manifest(list, PKF_MAX_DEVS, &n) == FIDO_OK)
		for (i = 0; i < n; i++) {
			const char *p = fido_dev_info_path(
			    fido_dev_info_ptr(list, i));

			if (p != NULL && strcmp(p, path) == 0)
				found = 1;
		}
	fido_dev_info_free(&list, PKF_MAX_DEVS);
	return found;
}

static enum pkf_result
map_error(int fr, const char *path)
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
		return still_there(path) ? PKF_TIMEOUT : PKF_KEY_REMOVED;
	}
	return PKF_DEVICE;
}

static int
answer_fill(const fido_assert_t *a, const struct pkf_request *req,
    const char *uv_method, struct pkf_answer *ans)
{
	const unsigned char *id = fido_assert_id_ptr(a, 0);
	size_t idlen = fido_assert_id_len(a, 0);
	int r;

	/* With one allowed credential a key may leave the ID out. */
	if ((id == NULL || idlen == 0) && req->ncred == 1) {
		id = req->cred[0];
		idlen = req->cred_len[0];
	}
	if (id == NULL || idlen == 0 || fido_assert_authdata_len(a, 0) == 0 ||
	    fido_assert_sig_len(a, 0) == 0)
		return KAGI_ERR_INVALID;
	if ((r = b64_encode(id, idlen, &ans->credential)) != 0 ||
	    (r = b64_encode(fido_assert_authdata_ptr(a, 0),
	    fido_assert_authdata_len(a, 0), &ans->authdata)) != 0 ||
	    (r = b64_encode(fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0),
	    &ans->sig)) != 0) {
		pkf_answer_clear(ans);
		return r;
	}
	ans->uv_method = uv_method;
	return 0;
}

/* One device: ask it, following the policy. */
static enum pkf_result
ask_device(const char *path, const struct pkf_request *req, int timeout_ms,
    const struct pkf_ui *ui, struct pkf_answer *ans)
{
	fido_dev_t *dev = NULL;
	fido_assert_t *a = NULL;
	enum pkf_result res = PKF_DEVICE;
	uint8_t cdh[32];
	unsigned int hl = 0;
	const char *uv_method = "none";
	char *pin = NULL;
	int builtin = 0, use_pin = 0, fr;
	size_t i;

	if ((dev = fido_dev_new()) == NULL)
		return PKF_SYSTEM;
	if (fido_dev_open(dev, path) != FIDO_OK) {
		res = still_there(path) ? PKF_DEVICE : PKF_KEY_REMOVED;
		goto out;
	}
	if (fido_dev_set_timeout(dev, timeout_ms) != FIDO_OK)
		goto out;
	if (req->uv != PKF_UV_DISCOURAGED) {
		builtin = fido_dev_has_uv(dev);
		use_pin = !builtin && fido_dev_has_pin(dev);
	}
	if (req->uv == PKF_UV_REQUIRED && !builtin && !use_pin) {
		res = PKF_NO_UV;
		goto out;
	}
	if (EVP_Digest(req->chal, PKF_CHAL_LEN, cdh, &hl, EVP_sha256(),
	    NULL) != 1 || hl != sizeof(cdh) ||
	    (a = fido_assert_new()) == NULL) {
		res = PKF_SYSTEM;
		goto out;
	}
	if (fido_assert_set_rp(a, req->rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_assert_set_uv(a, builtin ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) !=
	    FIDO_OK) {
		res = PKF_SYSTEM;
		goto out;
	}
	for (i = 0; i < req->ncred; i++)
		if (fido_assert_allow_cred(a, req->cred[i], req->cred_len[i]) !=
		    FIDO_OK) {
			res = PKF_SYSTEM;
			goto out;
		}
	if (use_pin) {
		if (ui->ask_pin(ui->arg, &pin) != 0 || pin == NULL) {
			res = PKF_CONV;
			goto out;
		}
		uv_method = "pin";
	} else if (builtin) {
		uv_method = "builtin";
	}
	ui->touch(ui->arg);
	fr = fido_dev_get_assert(dev, a, pin);
	kagi_free_str(pin);
	pin = NULL;
	if (fr != FIDO_OK) {
		res = map_error(fr, path);
		goto out;
	}
	if (fido_assert_count(a) != 1 ||
	    answer_fill(a, req, uv_method, ans) != 0) {
		res = PKF_DEVICE;
		goto out;
	}
	res = PKF_OK;
 out:
	kagi_free_str(pin);
	fido_assert_free(&a);
	if (dev != NULL)
		fido_dev_close(dev);
	fido_dev_free(&dev);
	return res;
}

enum pkf_result
pkf_get_assertion(const struct pkf_request *req, int timeout_ms,
    const struct pkf_ui *ui, struct pkf_answer *ans)
{
	fido_dev_info_t *list = NULL;
	enum pkf_result res = PKF_NO_KEY, r;
	size_t n = 0, i;

	memset(ans, 0, sizeof(*ans));
	fido_init(0);
	if ((list = fido_dev_info_new(PKF_MAX_DEVS)) == NULL)
		return PKF_SYSTEM;
	if (fido_dev_info_manifest(list, PKF_MAX_DEVS, &n) != FIDO_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		const char *path = fido_dev_info_path(fido_dev_info_ptr(list,
		    i));

		if (path == NULL)
			continue;
		r = ask_device(path, req, timeout_ms, ui, ans);
		/* A key without the credential: try the next one. */
		if (r == PKF_NO_CREDENTIAL || (r == PKF_DEVICE && i + 1 < n)) {
			res = r;
			continue;
		}
		res = r;
		break;
	}
	fido_dev_info_free(&list, PKF_MAX_DEVS);
	return res;
}

/*
 * pk_fido2_wire.c - what kagid asks of a security key and what the key
 * answers, as pam_kagi holds them (pk_fido2_wire.h): auth_begin's
 * "fido2" object parsed into a request, the answer freed, and the wire
 * name of each failure for auth_fido2.
 *
 * Guarantees: a request is a challenge of exactly PKF_CHAL_LEN bytes, a
 * relying-party ID, a known user-verification policy and 1 to
 * PKF_MAX_CREDS credential IDs of 1 to PKF_CRED_MAX bytes, all copied,
 * so the reply they came in can go before the key is asked; anything
 * else is KAGI_ERR_INVALID with no credential kept.  What held the
 * decoded challenge is wiped; pkf_request_clear() wipes the request.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "b64.h"
#include "kagi_err.h"
#include "pk_fido2_wire.h"
#include "proto.h"
#include "wipe.h"

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
			return r == KAGI_ERR_NOMEM ? r : KAGI_ERR_INVALID;
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

/*
 * fuzz_pkf_request.c - libFuzzer target for what the PAM module reads of
 * kagid's auth_begin reply for a FIDO2 log-in (pkf_request_parse,
 * pam_module/pk_fido2.c): the input as a protocol payload, its "fido2"
 * object (or the payload itself when it has none) parsed as pk_kagid.c
 * parses it.  A refusal holds no credential; a request taken holds 1 to
 * PKF_MAX_CREDS non-empty credentials, a relying party that ends inside
 * its buffer and a known user-verification policy; clearing empties it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pk_fido2_wire.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *m = NULL, *fo = NULL;
	struct pkf_request req;
	size_t i;

	if (proto_decode_payload(data, size, &m) != 0)
		return 0;
	if (!json_object_object_get_ex(m, "fido2", &fo))
		fo = m;
	if (pkf_request_parse(fo, &req) != 0) {
		for (i = 0; i < PKF_MAX_CREDS; i++)
			if (req.ncred != 0 || req.cred[i] != NULL)
				abort();
	} else {
		if (req.ncred == 0 || req.ncred > PKF_MAX_CREDS ||
		    memchr(req.rp_id, '\0', sizeof(req.rp_id)) == NULL ||
		    (req.uv != PKF_UV_REQUIRED && req.uv != PKF_UV_PREFERRED &&
		    req.uv != PKF_UV_DISCOURAGED))
			abort();
		for (i = 0; i < req.ncred; i++)
			if (req.cred[i] == NULL || req.cred_len[i] == 0)
				abort();
	}
	pkf_request_clear(&req);
	if (req.ncred != 0)
		abort();
	json_object_put(m);
	return 0;
}

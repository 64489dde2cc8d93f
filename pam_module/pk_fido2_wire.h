/*
 * pk_fido2_wire.h - what kagid asks of a security key and what the key
 * answers, as pam_kagi holds them: the request auth_begin carries, the
 * answer auth_fido2 carries, and what can go wrong in between.  Plain
 * data, no libfido2: shared by the requests to kagid (pk_kagid.c) and
 * the key (pk_fido2.c), which never call each other.  Internal to the
 * module (hidden symbols).
 */
#ifndef KAGI_PK_FIDO2_WIRE_H
#define KAGI_PK_FIDO2_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define PKF_CHAL_LEN 32
#define PKF_MAX_CREDS 32

enum pkf_result {
	PKF_OK = 0,
	PKF_NO_KEY,		/* nothing plugged in */
	PKF_KEY_REMOVED,	/* went away mid-way */
	PKF_TIMEOUT,		/* not touched in time */
	PKF_TOUCH_REFUSED,	/* the key refused */
	PKF_PIN_INVALID,
	PKF_PIN_BLOCKED,
	PKF_UV_BLOCKED,
	PKF_NO_CREDENTIAL,	/* no key plugged in holds a credential */
	PKF_NO_UV,		/* UV required, the key can do neither */
	PKF_DEVICE,		/* any other failure of the key */
	PKF_CONV,		/* the conversation failed (no PIN) */
	PKF_SYSTEM		/* out of memory and the like */
};

enum pkf_uv_policy { PKF_UV_REQUIRED, PKF_UV_PREFERRED, PKF_UV_DISCOURAGED };

/* What kagid asked for in auth_begin. */
struct pkf_request {
	uint8_t chal[PKF_CHAL_LEN];
	char rp_id[256];
	uint8_t *cred[PKF_MAX_CREDS];
	size_t cred_len[PKF_MAX_CREDS];
	size_t ncred;
	int uv;				/* enum pkf_uv_policy */
};

/* The assertion, ready for auth_fido2 (base64 strings, owned). */
struct pkf_answer {
	char *credential;
	char *authdata;
	char *sig;
	const char *uv_method;		/* "pin", "builtin" or "none" */
};

/* Parse auth_begin's "fido2" object; KAGI_ERR_INVALID when malformed. */
int pkf_request_parse(struct json_object *fido2, struct pkf_request *req);
void pkf_request_clear(struct pkf_request *req);
void pkf_answer_clear(struct pkf_answer *ans);

/* The wire name of a failure for auth_fido2 ("no_key", ...). */
const char *pkf_failure_name(enum pkf_result r);

#endif

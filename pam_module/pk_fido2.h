/*
 * pk_fido2.h - pam_kagi's side of a FIDO2 log-in: find the keys plugged
 * in (libfido2), ask one for an assertion over kagid's challenge, and
 * say plainly what went wrong.  Internal to the module (hidden symbols).
 *
 * Devices are listed with fido_dev_info_manifest() and opened with
 * fido_dev_new() + fido_dev_open(path); every exchange with a key is
 * bounded by fido_dev_set_timeout().  A PIN read through the callback
 * is wiped as soon as libfido2 has used it.
 */
#ifndef KAGI_PK_FIDO2_H
#define KAGI_PK_FIDO2_H

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

/* How the module talks to the person; return 0 or non-zero to stop. */
struct pkf_ui {
	void *arg;
	void (*touch)(void *arg);	/* "Touch your security key." */
	/* Ask the key's PIN; *pin malloc'd, wiped and freed by the caller. */
	int (*ask_pin)(void *arg, char **pin);
};

/* Parse auth_begin's "fido2" object; KAGI_ERR_INVALID when malformed. */
int pkf_request_parse(struct json_object *fido2, struct pkf_request *req);
void pkf_request_clear(struct pkf_request *req);

enum pkf_result pkf_get_assertion(const struct pkf_request *req,
    int timeout_ms, const struct pkf_ui *ui, struct pkf_answer *ans);
void pkf_answer_clear(struct pkf_answer *ans);

/* The wire name of a failure for auth_fido2 ("no_key", ...). */
const char *pkf_failure_name(enum pkf_result r);

#endif

/*
 * fido2_wire.h - the FIDO2 fields kagid reads from a client: the answer
 * of auth_fido2 (credential ID, authenticator data, signature, how the
 * user was verified) and the registration of token_fido2_finish
 * (algorithm, format, user verification kind, authenticator data,
 * attestation certificate and signature).
 *
 * One way in: every field goes through the bounded protocol getters and
 * the strict base64 decoder (b64.h) with the limits of fido2.h; names
 * must be ones kagi knows.  Outputs are malloc'd, owned by the struct,
 * and handed over only when every field parsed; anything else is
 * KAGI_ERR_INVALID (or KAGI_ERR_TOO_LARGE) with the struct left empty.
 * The libFuzzer target fuzz/fuzz_fido2.c drives these functions.
 */
#ifndef KAGI_FIDO2_WIRE_H
#define KAGI_FIDO2_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "fido2.h"
#include "proto.h"

/* Largest base64 string accepted for any binary field. */
#define FIDO2_B64_FIELD_MAX (FIDO2_X5C_MAX / 3 * 4 + 8)

/* An assertion as pam_kagi sends it in auth_fido2. */
struct fido2_answer {
	uint8_t *cred;
	size_t cred_len;
	uint8_t *authdata;
	size_t authdata_len;
	uint8_t *sig;
	size_t sig_len;
	int uv_method;			/* enum fido2_uv_kind */
};

/* "credential", "authdata", "sig", "uv_method": all required. */
int fido2_answer_parse(struct json_object *req, struct fido2_answer *an);
void fido2_answer_clear(struct fido2_answer *an);

/* A registration as kagictl sends it in token_fido2_finish. */
struct fido2_reg_msg {
	int alg;			/* COSE, one of fido2.h's */
	int uv;				/* enum fido2_uv_kind */
	char fmt[KAGI_NAME_MAX + 1];	/* "packed", "fido-u2f", "none" */
	uint8_t *authdata;
	size_t authdata_len;
	uint8_t *x5c;			/* NULL when absent */
	size_t x5c_len;
	uint8_t *sig;			/* NULL when absent */
	size_t sig_len;
};

/*
 * "alg", "fmt", "uv" and "authdata" required, "x5c" and "sig" optional.
 * The format is only bounded here; fido2_verify_registration() judges it.
 */
int fido2_reg_msg_parse(struct json_object *req, struct fido2_reg_msg *m);
void fido2_reg_msg_clear(struct fido2_reg_msg *m);
/* The view fido2_verify_registration() takes; points into m. */
void fido2_reg_msg_in(const struct fido2_reg_msg *m, struct fido2_reg_in *in);

#endif

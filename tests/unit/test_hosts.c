/*
 * test_hosts.c - the fleet's CA and host registry (tokend/core/hosts.c,
 * issue 15) on a kagid context at a fixed time: what is signed, what is
 * refused, and which certificate a core would accept from a client.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ctx_fixture.h"
#include "hosts.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "refusal.h"
#include "store_hosts.h"

/* A PEM certificate request for a new key: RSA of rsa_bits, or EC P-256
 * when rsa_bits is 0. */
static char *
make_csr(const char *cn, int rsa_bits)
{
	EVP_PKEY *k = rsa_bits > 0 ? EVP_RSA_gen((unsigned)rsa_bits) :
	    EVP_EC_gen("P-256");
	X509_REQ *q = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out;
	long n;

	assert_non_null(k);
	assert_non_null(q);
	assert_non_null(b);
	assert_int_equal(X509_NAME_add_entry_by_txt(
	    X509_REQ_get_subject_name(q), "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_pubkey(q, k), 1);
	assert_true(X509_REQ_sign(q, k, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509_REQ(b, q), 1);
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0);
	/* The BIO's bytes end without a NUL: copied, then ended. */
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	X509_REQ_free(q);
	EVP_PKEY_free(k);
	return out;
}

static struct peer
admin(void)
{
	return cx_peer(0, "root", PEER_ADMIN | PEER_VERIFIER | PEER_SELF);
}

/* The CA made, then host name added; its certificate's DER in der. */
static void
add_host(struct cx *f, const char *name, int cls, unsigned char **der,
    int *derlen)
{
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	char *csr = make_csr(name, 0);
	const char *pem;
	BIO *b;
	X509 *x;

	assert_int_equal(host_add(&f->ctx, &p, name, ZONE_LGWAN, cls, csr,
	    reply), 0);
	assert_int_equal(proto_get_str(reply, "cert", HOST_PEM_MAX, &pem), 0);
	b = BIO_new_mem_buf(pem, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	assert_non_null(x);
	*der = NULL;
	*derlen = i2d_X509(x, der);
	assert_true(*derlen > 0);
	X509_free(x);
	BIO_free(b);
	free(csr);
	json_object_put(reply);
}

static void
make_ca(struct cx *f)
{
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();

	assert_int_equal(host_ca_init(&f->ctx, &p, reply), 0);
	json_object_put(reply);
}

static void
test_a_host_is_signed_only_once_the_ca_exists(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	char *csr = make_csr("t1", 0);

	assert_int_equal(host_add(&f->ctx, &p, "t1", ZONE_MYNUMBER,
	    HOST_TERMINAL, csr, reply), KAGI_ERR_NOT_FOUND);
	assert_string_equal(refusal_get(&f->ctx)->reason, "host_no_ca");
	refusal_clear(&f->ctx);
	make_ca(f);
	assert_int_equal(host_add(&f->ctx, &p, "t1", ZONE_MYNUMBER,
	    HOST_TERMINAL, csr, reply), 0);
	free(csr);
	json_object_put(reply);
}

static void
test_the_ca_is_never_replaced(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	char *pem = NULL;
	uint8_t *sealed = NULL;
	size_t n = 0;
	char first[HOST_PEM_MAX];

	make_ca(f);
	assert_int_equal(store_host_ca_get(f->ctx.store, &pem, &sealed, &n), 0);
	snprintf(first, sizeof(first), "%s", pem);
	free(pem);
	free(sealed);
	assert_int_equal(host_ca_init(&f->ctx, &p, reply), KAGI_ERR_EXISTS);
	assert_string_equal(refusal_get(&f->ctx)->reason, "host_ca_exists");
	refusal_clear(&f->ctx);
	assert_int_equal(store_host_ca_get(f->ctx.store, &pem, &sealed, &n), 0);
	assert_string_equal(pem, first);
	free(pem);
	free(sealed);
	json_object_put(reply);
}

static void
test_a_weak_or_forged_request_is_refused(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	char *weak = make_csr("t2", 2048);
	char *good = make_csr("t2", 0);
	char *bent = strdup(good);
	char *mid = bent + strlen(bent) / 2;

	make_ca(f);
	assert_int_equal(host_add(&f->ctx, &p, "t2", ZONE_LGWAN, HOST_TERMINAL,
	    weak, reply), KAGI_ERR_INVALID);
	assert_string_equal(refusal_get(&f->ctx)->reason, "host_csr_key");
	refusal_clear(&f->ctx);
	/* One base64 character changed in the middle: no request, or one
	 * whose signature fails. */
	*mid = *mid == 'A' ? 'B' : 'A';
	assert_int_equal(host_add(&f->ctx, &p, "t2", ZONE_LGWAN, HOST_TERMINAL,
	    bent, reply), KAGI_ERR_INVALID);
	refusal_clear(&f->ctx);
	assert_int_equal(host_add(&f->ctx, &p, "T2_", ZONE_LGWAN,
	    HOST_TERMINAL, good, reply), KAGI_ERR_INVALID);
	assert_string_equal(refusal_get(&f->ctx)->reason, "host_name");
	refusal_clear(&f->ctx);
	free(weak);
	free(good);
	free(bent);
	json_object_put(reply);
}

static void
test_a_core_accepts_only_an_active_terminal_or_gateway(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	struct host_rec h;
	unsigned char *t1 = NULL, *c1 = NULL;
	int n1 = 0, nc = 0;
	const char *why = NULL;
	unsigned char junk[64];

	make_ca(f);
	add_host(f, "t1", HOST_TERMINAL, &t1, &n1);
	add_host(f, "core1", HOST_CORE, &c1, &nc);
	assert_int_equal(host_identify(&f->ctx, t1, (size_t)n1, CX_T0 + 1, &h,
	    &why), 0);
	assert_string_equal(h.name, "t1");
	assert_int_equal(h.zone, ZONE_LGWAN);
	/* A core's certificate is no client's. */
	assert_int_equal(host_identify(&f->ctx, c1, (size_t)nc, CX_T0 + 1, &h,
	    &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "core");
	/* Unknown, expired, not yet valid, revoked. */
	memset(junk, 0x30, sizeof(junk));
	assert_int_equal(host_identify(&f->ctx, junk, sizeof(junk), CX_T0 + 1,
	    &h, &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "unknown");
	assert_int_equal(host_identify(&f->ctx, t1, (size_t)n1,
	    CX_T0 + (int64_t)HOST_CERT_DAYS * CX_DAY, &h, &why),
	    KAGI_ERR_DENIED);
	assert_string_equal(why, "expired");
	assert_int_equal(host_identify(&f->ctx, t1, (size_t)n1, CX_T0 - 1, &h,
	    &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "not_yet_valid");
	assert_int_equal(host_revoke(&f->ctx, &p, "t1"), 0);
	assert_int_equal(host_identify(&f->ctx, t1, (size_t)n1, CX_T0 + 1, &h,
	    &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "revoked");
	OPENSSL_free(t1);
	OPENSSL_free(c1);
}

static void
test_a_renewed_host_s_old_certificate_is_unknown(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	struct host_rec h;
	unsigned char *t1 = NULL;
	int n1 = 0;
	const char *why = NULL;
	char *csr = make_csr("t1", 0);
	uint8_t fp[HOST_FP_LEN];
	unsigned int nfp = 0;

	make_ca(f);
	add_host(f, "t1", HOST_GATEWAY, &t1, &n1);
	assert_int_equal(host_renew(&f->ctx, &p, "t1", csr, reply), 0);
	assert_int_equal(host_identify(&f->ctx, t1, (size_t)n1, CX_T0 + 1, &h,
	    &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "unknown");
	/* No host, but the old certificate's fingerprint, for the record. */
	assert_string_equal(h.name, "");
	assert_int_equal(EVP_Digest(t1, (size_t)n1, fp, &nfp, EVP_sha256(),
	    NULL), 1);
	assert_memory_equal(h.fingerprint, fp, HOST_FP_LEN);
	OPENSSL_free(t1);
	free(csr);
	json_object_put(reply);
}

static void
test_every_act_is_audited(void **state)
{
	struct cx *f = *state;
	struct peer p = admin();
	unsigned char *t1 = NULL;
	int n1 = 0;
	int64_t seq = cx_audit_seq(f);
	char buf[256];

	make_ca(f);
	add_host(f, "t1", HOST_TERMINAL, &t1, &n1);
	assert_int_equal(host_revoke(&f->ctx, &p, "t1"), 0);
	assert_string_equal(cx_events(f, seq, buf, sizeof(buf)),
	    "host_ca_init,host_add,host_revoke");
	OPENSSL_free(t1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_host_is_signed_only_once_the_ca_exists,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(test_the_ca_is_never_replaced,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_weak_or_forged_request_is_refused,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_core_accepts_only_an_active_terminal_or_gateway,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_renewed_host_s_old_certificate_is_unknown,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(test_every_act_is_audited,
		    cx_setup, cx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

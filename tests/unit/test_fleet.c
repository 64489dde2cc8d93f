/*
 * test_fleet.c - what a core does with a request an edge forwards
 * (tokend/core/fleet.c, issue 15 items 4 and 5): the caller's classes
 * masked, administration refused and recorded, the zone the host's, a
 * revoked host refused and cut off.
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
#include "fleet.h"
#include "hosts.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "proto_ops.h"

static struct peer
admin(void)
{
	return cx_peer(0, "root", PEER_ADMIN | PEER_VERIFIER | PEER_SELF);
}

/* The CA, and host t1 of zone lgwan; its fingerprint in fp. */
static void
setup_host(struct cx *f, uint8_t fp[HOST_FP_LEN])
{
	struct peer p = admin();
	struct json_object *reply = json_object_new_object();
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_REQ *q = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	struct host_rec h;
	char *pem = NULL, *csr;
	long n;

	assert_int_equal(host_ca_init(&f->ctx, &p, reply), 0);
	assert_int_equal(X509_REQ_set_pubkey(q, k), 1);
	assert_true(X509_REQ_sign(q, k, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509_REQ(b, q), 1);
	n = BIO_get_mem_data(b, &pem);
	/* The BIO's bytes end without a NUL: copied, then ended. */
	assert_true(n > 0);
	csr = malloc((size_t)n + 1);
	assert_non_null(csr);
	memcpy(csr, pem, (size_t)n);
	csr[n] = '\0';
	assert_int_equal(host_add(&f->ctx, &p, "t1", ZONE_LGWAN, HOST_TERMINAL,
	    csr, reply), 0);
	assert_int_equal(store_host_get(f->ctx.store, "t1", 0, &h), 0);
	memcpy(fp, h.fingerprint, HOST_FP_LEN);
	free(csr);
	BIO_free(b);
	X509_REQ_free(q);
	EVP_PKEY_free(k);
	json_object_put(reply);
}

/* A forwarded request: op, zone (or NULL), the caller root (classes). */
static struct json_object *
forwarded(const char *op, const char *zone, unsigned classes)
{
	struct json_object *req = json_object_new_object(), *e;

	e = json_object_new_object();
	assert_int_equal(proto_set_int(req, "v", 1), 0);
	assert_int_equal(proto_set_str(req, "op", op), 0);
	assert_int_equal(proto_set_str(req, "user", "alice"), 0);
	if (zone != NULL)
		assert_int_equal(proto_set_str(req, "zone", zone), 0);
	assert_int_equal(proto_set_int(e, "uid", 0), 0);
	assert_int_equal(proto_set_int(e, "pid", 4242), 0);
	assert_int_equal(proto_set_int(e, "loginuid", 1000), 0);
	assert_int_equal(proto_set_int(e, "classes", classes), 0);
	assert_int_equal(proto_set_str(e, "name", "root"), 0);
	assert_int_equal(proto_set_str(e, "person", "admin1"), 0);
	json_object_object_add(req, "edge", e);
	return req;
}

static void
test_a_forwarded_caller_is_never_more_than_verifier_or_self(void **state)
{
	struct cx *f = *state;
	uint8_t fp[HOST_FP_LEN];
	struct json_object *req;
	struct peer c;
	const char *msg;
	int flags, r;
	struct json_object *e;

	setup_host(f, fp);
	req = forwarded(OP_AUTH_TOTP, NULL, PEER_VERIFIER | PEER_ADMIN |
	    PEER_APPROVER | PEER_SELF);
	r = fleet_request(&f->ctx, fp, req, &c, &msg, &flags);
	assert_int_equal(r, 0);
	assert_int_equal(c.classes, PEER_VERIFIER | PEER_SELF);
	assert_int_equal(c.approves, 0);
	assert_int_equal(c.uid, 0);
	assert_string_equal(c.name, "root");
	assert_false(json_object_object_get_ex(req, "edge", &e));
	json_object_put(req);
}

static void
test_an_edge_asking_administration_is_refused_and_recorded(void **state)
{
	struct cx *f = *state;
	uint8_t fp[HOST_FP_LEN];
	const char *ops[] = { OP_UNLOCK, OP_USER_ADD, OP_REQUEST_APPROVE,
	    OP_AUDIT_RECORDS, OP_TOKEN_ADD_TOTP, OP_HOST_ADD,
	    OP_SESSION_LIST, NULL };
	struct peer c;
	const char *msg;
	char buf[512];
	int flags, i;
	int64_t seq;

	setup_host(f, fp);
	for (i = 0; ops[i] != NULL; i++) {
		struct json_object *req = forwarded(ops[i], NULL,
		    PEER_VERIFIER | PEER_ADMIN | PEER_SELF);

		seq = cx_audit_seq(f);
		assert_int_equal(fleet_request(&f->ctx, fp, req, &c, &msg,
		    &flags), KAGI_ERR_DENIED);
		assert_int_equal(flags, FLEET_CLOSE);
		assert_string_equal(cx_events(f, seq, buf, sizeof(buf)),
		    "edge_refused");
		json_object_put(req);
	}
}

static void
test_the_zone_is_the_host_s_and_another_is_refused(void **state)
{
	struct cx *f = *state;
	uint8_t fp[HOST_FP_LEN];
	struct json_object *req;
	struct peer c;
	const char *msg, *z = NULL;
	char buf[256];
	int flags;
	int64_t seq;

	setup_host(f, fp);
	req = forwarded(OP_AUTH_BEGIN, "lgwan", PEER_VERIFIER);
	assert_int_equal(fleet_request(&f->ctx, fp, req, &c, &msg, &flags), 0);
	assert_int_equal(proto_get_str(req, "zone", 64, &z), 0);
	assert_string_equal(z, "lgwan");
	json_object_put(req);
	seq = cx_audit_seq(f);
	req = forwarded(OP_AUTH_BEGIN, "mynumber", PEER_VERIFIER);
	assert_int_equal(fleet_request(&f->ctx, fp, req, &c, &msg, &flags),
	    KAGI_ERR_DENIED);
	assert_string_equal(cx_events(f, seq, buf, sizeof(buf)),
	    "zone_mismatch");
	json_object_put(req);
}

static void
test_a_revoked_host_is_refused_at_its_next_request(void **state)
{
	struct cx *f = *state;
	struct peer p = admin(), c;
	uint8_t fp[HOST_FP_LEN];
	struct json_object *req;
	const char *msg;
	char buf[256];
	int flags;
	int64_t seq;

	setup_host(f, fp);
	assert_int_equal(host_revoke(&f->ctx, &p, "t1"), 0);
	seq = cx_audit_seq(f);
	req = forwarded(OP_AUTH_BEGIN, NULL, PEER_VERIFIER);
	assert_int_equal(fleet_request(&f->ctx, fp, req, &c, &msg, &flags),
	    KAGI_ERR_DENIED);
	assert_int_equal(flags, FLEET_CLOSE);
	assert_string_equal(cx_events(f, seq, buf, sizeof(buf)),
	    "host_refused");
	json_object_put(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_forwarded_caller_is_never_more_than_verifier_or_self,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_edge_asking_administration_is_refused_and_recorded,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_zone_is_the_host_s_and_another_is_refused,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_revoked_host_is_refused_at_its_next_request,
		    cx_setup, cx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * hosts.c - the cores' CA and the host registry (hosts.h, issue 15; the
 * fleet's design is at the head of hosts.h).
 *
 * What it guarantees:
 *  - the CA's private key exists in clear only in this file, for the
 *    length of one signing: generated, sealed (SEAL_HOST_CA, AAD
 *    "hostca:kagi") and its DER wiped; unsealed, used and freed;
 *  - a host certificate is signed only for a request whose own signature
 *    verifies and whose key is strong enough (EC P-256/P-384, Ed25519,
 *    RSA of 3072 bits or more); its subject, extensions and validity are
 *    kagi's, never the request's;
 *  - every act is recorded in the audit in the same transaction as the
 *    change; every refusal names its reason (refusal.h) and changes
 *    nothing;
 *  - host_identify() accepts only an active host of class terminal or
 *    gateway, whose certificate is within its validity.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "clock.h"
#include "hosts.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "proto.h"
#include "refusal.h"
#include "seal.h"
#include "store_hosts.h"
#include "wipe.h"

#define CA_AAD_USER "kagi"
#define DAY_SECONDS 86400

const char *const host_class_names[] = { "terminal", "gateway", "core",
    NULL };

const char *
host_class_name(int cls)
{
	return cls >= 0 && cls < HOST_CLASS_COUNT ? host_class_names[cls] :
	    "unknown";
}

int
host_class_from_name(const char *s, int *cls)
{
	int i;

	for (i = 0; s != NULL && i < HOST_CLASS_COUNT; i++)
		if (strcmp(s, host_class_names[i]) == 0) {
			*cls = i;
			return 0;
		}
	return KAGI_ERR_INVALID;
}

/* A host name: 1-63 of [a-z0-9.-], starting with a letter or digit. */
static int
host_name_ok(const char *name)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > HOST_NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '-' || c == '.'))))
			return 0;
	}
	return 1;
}

static void
hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
host_fp_hex(const uint8_t fp[HOST_FP_LEN], char out[2 * HOST_FP_LEN + 1])
{
	hex_of(fp, HOST_FP_LEN, out);
}

/* The PEM of x, malloc'd. */
static int
cert_pem(X509 *x, char **out)
{
	BIO *b = NULL;
	char *p = NULL;
	long n;
	int r = KAGI_ERR_CRYPTO;

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(b, x) != 1 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 || n > HOST_PEM_MAX)
		goto out;
	if ((*out = malloc((size_t)n + 1)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	memcpy(*out, p, (size_t)n);
	(*out)[n] = '\0';
	r = 0;
 out:
	BIO_free(b);
	return r;
}

static X509 *
cert_from_pem(const char *pem)
{
	BIO *b;
	X509 *x = NULL;

	if ((b = BIO_new_mem_buf(pem, -1)) != NULL)
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return KAGI_ERR_CRYPTO;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : KAGI_ERR_CRYPTO;
}

/* A random positive 128-bit serial; its hex (upper-case, BN's) in out. */
static int
set_serial(X509 *x, char out[HOST_SERIAL_MAX + 1])
{
	unsigned char b[16];
	BIGNUM *bn = NULL;
	char *h = NULL;
	int r = KAGI_ERR_CRYPTO;

	if (RAND_bytes(b, sizeof(b)) != 1)
		goto out;
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x40);	/* positive, 16 bytes */
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    (h = BN_bn2hex(bn)) == NULL || strlen(h) > HOST_SERIAL_MAX)
		goto out;
	snprintf(out, HOST_SERIAL_MAX + 1, "%s", h);
	r = 0;
 out:
	OPENSSL_free(h);
	BN_free(bn);
	return r;
}

/* Version, serial, validity [now, now + days], subject CN=cn. */
static int
cert_frame(X509 *x, const char *cn, int64_t now, long days,
    char serial[HOST_SERIAL_MAX + 1])
{
	X509_NAME *n;
	int r;

	if (X509_set_version(x, X509_VERSION_3) != 1)
		return KAGI_ERR_CRYPTO;
	if ((r = set_serial(x, serial)) != 0)
		return r;
	if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x),
	    (time_t)(now + (int64_t)days * DAY_SECONDS)) == NULL)
		return KAGI_ERR_CRYPTO;
	if ((n = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return KAGI_ERR_CRYPTO;
	return 0;
}

static int
fingerprint_of(X509 *x, uint8_t fp[HOST_FP_LEN])
{
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), fp, &n) != 1 || n != HOST_FP_LEN)
		return KAGI_ERR_CRYPTO;
	return 0;
}

int
host_ca_init(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *reply)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	struct json_object *f = NULL;
	unsigned char *der = NULL;
	uint8_t *sealed = NULL, *old_sealed = NULL;
	size_t sealed_len = 0, old_len = 0, aadlen = 0;
	char *pem = NULL, *old_pem = NULL, serial[HOST_SERIAL_MAX + 1];
	char aad[SEAL_AAD_MAX], fphex[2 * HOST_FP_LEN + 1];
	uint8_t fp[HOST_FP_LEN];
	int64_t now = kagi_now();
	int derlen = 0, r;

	r = store_host_ca_get(ctx->store, &old_pem, &old_sealed, &old_len);
	if (r == 0) {
		r = refusal_set(ctx, KAGI_ERR_EXISTS, "host_ca_exists", NULL,
		    "the cores' CA exists already; it is never replaced");
		goto out;
	}
	if (r != KAGI_ERR_NOT_FOUND)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if ((k = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto out;
	if ((r = cert_frame(x, "kagi cores CA", now, HOST_CA_DAYS,
	    serial)) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    X509_set_pubkey(x, k) != 1)
		goto out;
	if ((r = add_ext(x, x, NID_basic_constraints,
	    "critical,CA:TRUE,pathlen:0")) != 0 ||
	    (r = add_ext(x, x, NID_key_usage,
	    "critical,keyCertSign,cRLSign")) != 0 ||
	    (r = add_ext(x, x, NID_subject_key_identifier, "hash")) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if (X509_sign(x, k, EVP_sha256()) <= 0 ||
	    (derlen = i2d_PrivateKey(k, &der)) <= 0)
		goto out;
	if ((r = seal_aad(SEAL_HOST_CA, CA_AAD_USER, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, der, (size_t)derlen, &sealed,
	    &sealed_len)) != 0 ||
	    (r = cert_pem(x, &pem)) != 0 ||
	    (r = fingerprint_of(x, fp)) != 0 ||
	    (r = store_host_ca_put(ctx->store, pem, sealed, sealed_len,
	    now)) != 0)
		goto out;
	hex_of(fp, HOST_FP_LEN, fphex);
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_str(f, "fingerprint", fphex)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "host_ca_init", NULL,
	    f)) != 0 ||
	    (r = proto_set_str(reply, "cert", pem)) != 0 ||
	    (r = proto_set_str(reply, "fingerprint", fphex)) != 0)
		goto out;
 out:
	if (der != NULL)
		kagi_free_secret(der, (size_t)derlen);
	json_object_put(f);
	free(sealed);
	free(pem);
	free(old_pem);
	free(old_sealed);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

/* The CA's certificate and (unsealed) key. */
static int
ca_load(struct kagid_ctx *ctx, X509 **cert, EVP_PKEY **key)
{
	uint8_t *sealed = NULL, *der = NULL;
	size_t sealed_len = 0, derlen = 0, aadlen = 0;
	char *pem = NULL, aad[SEAL_AAD_MAX];
	const unsigned char *p;
	int r;

	*cert = NULL;
	*key = NULL;
	r = store_host_ca_get(ctx->store, &pem, &sealed, &sealed_len);
	if (r == KAGI_ERR_NOT_FOUND) {
		r = refusal_set(ctx, KAGI_ERR_NOT_FOUND, "host_no_ca", NULL,
		    "there is no CA for the cores yet: kagictl host ca-init");
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = seal_aad(SEAL_HOST_CA, CA_AAD_USER, aad, &aadlen)) != 0)
		goto out;
	if ((r = unseal(ctx->key, aad, aadlen, sealed, sealed_len, &der,
	    &derlen)) != 0) {
		kagi_error("the cores' CA key does not unseal: %s",
		    kagi_strerror(r));
		goto out;
	}
	p = der;
	r = KAGI_ERR_CRYPTO;
	if ((*key = d2i_AutoPrivateKey(NULL, &p, (long)derlen)) == NULL ||
	    (*cert = cert_from_pem(pem)) == NULL ||
	    X509_check_private_key(*cert, *key) != 1)
		goto out;
	r = 0;
 out:
	if (der != NULL)
		kagi_free_secret(der, derlen);
	free(sealed);
	free(pem);
	if (r != 0) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		*key = NULL;
		*cert = NULL;
	}
	return r;
}

/* Is the request's key one we sign: EC P-256/P-384, Ed25519, RSA 3072+. */
static int
csr_key_ok(EVP_PKEY *pk)
{
	char group[64];
	size_t n = 0;

	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &n) != 1)
			return 0;
		return strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "secp384r1") == 0;
	case EVP_PKEY_ED25519:
		return 1;
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(pk) >= 3072;
	default:
		return 0;
	}
}

/* Parse and check csr_pem: *req, or a refusal. */
static int
csr_parse(struct kagid_ctx *ctx, const char *csr_pem, X509_REQ **req)
{
	BIO *b = NULL;
	EVP_PKEY *pk;
	int r;

	*req = NULL;
	if (csr_pem == NULL || strlen(csr_pem) > HOST_CSR_MAX ||
	    (b = BIO_new_mem_buf(csr_pem, -1)) == NULL ||
	    (*req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL)) == NULL) {
		r = refusal_set(ctx, KAGI_ERR_INVALID, "host_csr", NULL,
		    "the certificate request is not a PEM certificate "
		    "request");
		goto out;
	}
	if ((pk = X509_REQ_get0_pubkey(*req)) == NULL ||
	    X509_REQ_verify(*req, pk) != 1) {
		r = refusal_set(ctx, KAGI_ERR_INVALID, "host_csr", NULL,
		    "the certificate request's signature does not verify");
		goto out;
	}
	if (!csr_key_ok(pk)) {
		r = refusal_set(ctx, KAGI_ERR_INVALID, "host_csr_key", NULL,
		    "the certificate request's key is too weak or of an "
		    "unknown kind (EC P-256 or P-384, Ed25519, or RSA of at "
		    "least 3072 bits)");
		goto out;
	}
	r = 0;
 out:
	BIO_free(b);
	if (r != 0) {
		X509_REQ_free(*req);
		*req = NULL;
	}
	return r;
}

/* Sign req as host h->name of class h->cls: fills h's certificate. */
static int
host_sign(struct kagid_ctx *ctx, X509_REQ *req, struct host_rec *h)
{
	X509 *ca = NULL, *x = NULL;
	EVP_PKEY *cakey = NULL;
	int64_t now = kagi_now();
	int r;

	if ((r = ca_load(ctx, &ca, &cakey)) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if ((x = X509_new()) == NULL)
		goto out;
	if ((r = cert_frame(x, h->name, now, HOST_CERT_DAYS,
	    h->serial)) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_set_pubkey(x, X509_REQ_get0_pubkey(req)) != 1)
		goto out;
	if ((r = add_ext(x, ca, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0 ||
	    (r = add_ext(x, ca, NID_key_usage,
	    "critical,digitalSignature")) != 0 ||
	    (r = add_ext(x, ca, NID_ext_key_usage, h->cls == HOST_CORE ?
	    "serverAuth,clientAuth" : "clientAuth")) != 0 ||
	    (r = add_ext(x, ca, NID_authority_key_identifier,
	    "keyid:always")) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if (X509_sign(x, cakey, EVP_sha256()) <= 0)
		goto out;
	if ((r = fingerprint_of(x, h->fingerprint)) != 0 ||
	    (r = cert_pem(x, &h->cert)) != 0)
		goto out;
	h->not_before = now;
	h->not_after = now + (int64_t)HOST_CERT_DAYS * DAY_SECONDS;
	h->created = now;
	h->changed = now;
 out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return r;
}

/* A record's fields, for a reply or an audit record. */
static int
host_fields(const struct host_rec *h, struct json_object *o)
{
	char fphex[2 * HOST_FP_LEN + 1];
	int r;

	hex_of(h->fingerprint, HOST_FP_LEN, fphex);
	if ((r = proto_set_str(o, "name", h->name)) != 0 ||
	    (r = proto_set_str(o, "zone", zone_name(h->zone))) != 0 ||
	    (r = proto_set_str(o, "class", host_class_name(h->cls))) != 0 ||
	    (r = proto_set_str(o, "state", h->state == HOST_ACTIVE ?
	    "active" : "revoked")) != 0 ||
	    (r = proto_set_str(o, "serial", h->serial)) != 0 ||
	    (r = proto_set_str(o, "fingerprint", fphex)) != 0 ||
	    (r = proto_set_int(o, "not_before", h->not_before)) != 0 ||
	    (r = proto_set_int(o, "not_after", h->not_after)) != 0 ||
	    (r = proto_set_int(o, "created", h->created)) != 0 ||
	    (r = proto_set_int(o, "changed", h->changed)) != 0)
		return r;
	return 0;
}

/* The record, its certificate and the CA's, into reply. */
static int
reply_cert(struct kagid_ctx *ctx, const struct host_rec *h,
    struct json_object *reply)
{
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	char *ca = NULL;
	int r;

	if ((r = store_host_ca_get(ctx->store, &ca, &sealed,
	    &sealed_len)) != 0 ||
	    (r = host_fields(h, reply)) != 0 ||
	    (r = proto_set_str(reply, "cert", h->cert)) != 0 ||
	    (r = proto_set_str(reply, "ca", ca)) != 0)
		goto out;
 out:
	free(sealed);
	free(ca);
	return r;
}

static int
audit_host_act(struct kagid_ctx *ctx, const struct peer *peer,
    const char *event, const struct host_rec *h)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = host_fields(h, f)) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, event, NULL, f);
	json_object_put(f);
	return r;
}

int
host_add(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name, int zone, int cls, const char *csr_pem,
    struct json_object *reply)
{
	struct host_rec h, old;
	X509_REQ *req = NULL;
	int r;

	memset(&h, 0, sizeof(h));
	memset(&old, 0, sizeof(old));
	if (!host_name_ok(name)) {
		r = refusal_set(ctx, KAGI_ERR_INVALID, "host_name", NULL,
		    "a host name is 1 to 63 of a-z, 0-9, '-' and '.', "
		    "starting with a letter or a digit");
		goto out;
	}
	if (zone < 0 || zone >= ZONE_COUNT || cls < 0 ||
	    cls >= HOST_CLASS_COUNT) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	r = store_host_get(ctx->store, name, 0, &old);
	if (r == 0) {
		r = refusal_set(ctx, KAGI_ERR_EXISTS, "host_exists", NULL,
		    "host %s is registered already (%s): renew it, or add "
		    "the new machine under a new name", name,
		    old.state == HOST_ACTIVE ? "active" : "revoked");
		goto out;
	}
	if (r != KAGI_ERR_NOT_FOUND)
		goto out;
	if ((r = csr_parse(ctx, csr_pem, &req)) != 0)
		goto out;
	snprintf(h.name, sizeof(h.name), "%s", name);
	h.zone = zone;
	h.cls = cls;
	h.state = HOST_ACTIVE;
	if ((r = host_sign(ctx, req, &h)) != 0 ||
	    (r = store_host_add(ctx->store, &h, &h.id)) != 0 ||
	    (r = audit_host_act(ctx, peer, "host_add", &h)) != 0 ||
	    (r = reply_cert(ctx, &h, reply)) != 0)
		goto out;
 out:
	X509_REQ_free(req);
	store_host_clear(&h);
	store_host_clear(&old);
	return r;
}

int
host_renew(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name, const char *csr_pem, struct json_object *reply)
{
	struct host_rec h;
	X509_REQ *req = NULL;
	int r;

	memset(&h, 0, sizeof(h));
	if (!host_name_ok(name)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	r = store_host_get(ctx->store, name, 0, &h);
	if (r == KAGI_ERR_NOT_FOUND || (r == 0 && h.state != HOST_ACTIVE)) {
		r = refusal_set(ctx, KAGI_ERR_NOT_FOUND, "host_unknown", NULL,
		    "no active host named %s", name);
		goto out;
	}
	if (r != 0 || (r = csr_parse(ctx, csr_pem, &req)) != 0)
		goto out;
	if ((r = host_sign(ctx, req, &h)) != 0)
		goto out;
	/* The first registration stays its creation. */
	if ((r = store_host_renew(ctx->store, &h)) != 0)
		goto out;
	store_host_clear(&h);
	if ((r = store_host_get(ctx->store, name, 1, &h)) != 0 ||
	    (r = audit_host_act(ctx, peer, "host_renew", &h)) != 0 ||
	    (r = reply_cert(ctx, &h, reply)) != 0)
		goto out;
 out:
	X509_REQ_free(req);
	store_host_clear(&h);
	return r;
}

int
host_revoke(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name)
{
	struct host_rec h;
	int r;

	memset(&h, 0, sizeof(h));
	if (!host_name_ok(name))
		return KAGI_ERR_INVALID;
	r = store_host_get(ctx->store, name, 0, &h);
	if (r == KAGI_ERR_NOT_FOUND)
		return refusal_set(ctx, KAGI_ERR_NOT_FOUND, "host_unknown",
		    NULL, "no host named %s", name);
	if (r != 0)
		return r;
	if (h.state != HOST_ACTIVE)
		return refusal_set(ctx, KAGI_ERR_EXISTS, "host_revoked", NULL,
		    "host %s is revoked already", name);
	if ((r = store_host_revoke(ctx->store, name, kagi_now())) != 0 ||
	    (r = store_host_get(ctx->store, name, 0, &h)) != 0)
		return r;
	ctx->hosts_revoked = 1;
	return audit_host_act(ctx, peer, "host_revoke", &h);
}

static int
list_one(const struct host_rec *h, void *arg)
{
	struct json_object *arr = arg, *o;
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = host_fields(h, o)) != 0 ||
	    json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return r != 0 ? r : KAGI_ERR_NOMEM;
	}
	return 0;
}

int
host_list(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *arr;
	int r;

	if ((arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_host_each(ctx->store, list_one, arr)) != 0 ||
	    json_object_object_add(reply, "hosts", arr) != 0) {
		json_object_put(arr);
		return r != 0 ? r : KAGI_ERR_NOMEM;
	}
	return 0;
}

int
host_show(struct kagid_ctx *ctx, const char *name, struct json_object *reply)
{
	struct host_rec h;
	int r;

	if (!host_name_ok(name))
		return KAGI_ERR_INVALID;
	r = store_host_get(ctx->store, name, 1, &h);
	if (r == KAGI_ERR_NOT_FOUND)
		return refusal_set(ctx, KAGI_ERR_NOT_FOUND, "host_unknown",
		    NULL, "no host named %s", name);
	if (r == 0)
		r = reply_cert(ctx, &h, reply);
	store_host_clear(&h);
	return r;
}

int
host_identify(struct kagid_ctx *ctx, const uint8_t *der, size_t len,
    int64_t now, struct host_rec *h, const char **why)
{
	uint8_t fp[HOST_FP_LEN];
	unsigned int n = 0;
	int r;

	*why = "unknown";
	if (der == NULL || len == 0 ||
	    EVP_Digest(der, len, fp, &n, EVP_sha256(), NULL) != 1 ||
	    n != HOST_FP_LEN)
		return KAGI_ERR_DENIED;
	r = store_host_by_fp(ctx->store, fp, h);
	if (r == KAGI_ERR_NOT_FOUND) {
		/* No host, but the refusal can name the certificate. */
		memset(h, 0, sizeof(*h));
		memcpy(h->fingerprint, fp, HOST_FP_LEN);
		return KAGI_ERR_DENIED;
	}
	if (r != 0)
		return r;
	if (h->state != HOST_ACTIVE)
		*why = "revoked";
	else if (now < h->not_before)
		*why = "not_yet_valid";
	else if (now >= h->not_after)
		*why = "expired";
	else if (h->cls == HOST_CORE)
		*why = "core";
	else {
		*why = NULL;
		return 0;
	}
	return KAGI_ERR_DENIED;
}

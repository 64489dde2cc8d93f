/*
 * softkey_state.c - the software FIDO2 key's persistent state and the
 * crypto it is made of.
 *
 * The state file is text, one record a line, hexadecimal for bytes:
 *
 *   kagi-softkey 1
 *   uv pin|builtin|none
 *   retries N MAX
 *   pin -|HEX16            LEFT(SHA-256(PIN), 16), never the PIN
 *   aaguid HEX16
 *   attkey HEX             attestation private key, DER
 *   attcert HEX            self-signed attestation certificate, DER
 *   cred ID RPHASH COUNTER KEY   one per credential (KEY: private, DER)
 *
 * Loading refuses anything else (unknown record, bad hex, out-of-range
 * number, missing record).  Saving writes a temporary file beside the
 * state, fsyncs it and renames it over the old one, so a reader sees the
 * old state or the new one, never half of one.  Writers serialise on an
 * flock(2) of PATH.lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "softkey.h"

#define STATE_MAGIC	"kagi-softkey 1"
#define STATE_MAX	(256 * 1024)

/* --- crypto helpers -------------------------------------------------- */

EVP_PKEY *
softkey_p256_new(void)
{
	return EVP_EC_gen("P-256");
}

int
softkey_p256_xy(EVP_PKEY *key, unsigned char x[32], unsigned char y[32])
{
	unsigned char	pt[65];
	size_t		len = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &len) != 1 || len != sizeof(pt) || pt[0] != 0x04)
		return -1;
	memcpy(x, pt + 1, 32);
	memcpy(y, pt + 33, 32);
	return 0;
}

EVP_PKEY *
softkey_p256_from_xy(const unsigned char x[32], const unsigned char y[32])
{
	unsigned char	 pt[65];
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*key = NULL;
	char		 group[] = "prime256v1";

	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int
softkey_es256_sign(EVP_PKEY *key, const unsigned char *a, size_t a_len,
    const unsigned char *b, size_t b_len, unsigned char *sig,
    size_t *sig_len)
{
	EVP_MD_CTX	*md = NULL;
	int		 r = -1;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSignUpdate(md, a, a_len) != 1 ||
	    (b_len > 0 && EVP_DigestSignUpdate(md, b, b_len) != 1) ||
	    EVP_DigestSignFinal(md, sig, sig_len) != 1)
		goto out;
	r = 0;
out:
	EVP_MD_CTX_free(md);
	return r;
}

int
softkey_pin_hash(const char *pin, size_t len,
    unsigned char out[SOFTKEY_PIN_HASH_LEN])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	if (SHA256((const unsigned char *)pin, len, d) == NULL)
		return -1;
	memcpy(out, d, SOFTKEY_PIN_HASH_LEN);
	OPENSSL_cleanse(d, sizeof(d));
	return 0;
}

/* The attestation certificate: self-signed, the fields WebAuthn asks of a
 * "packed" attestation certificate (C, O, OU "Authenticator Attestation",
 * CN; CA:FALSE) and the AAGUID in id-fido-gen-ce-aaguid. */
static int
make_cert(EVP_PKEY *key, const unsigned char aaguid[16], unsigned char **der,
    size_t *der_len)
{
	X509			*x = NULL;
	X509_NAME		*name = NULL;
	X509_EXTENSION		*ext = NULL;
	ASN1_OBJECT		*oid = NULL;
	ASN1_OCTET_STRING	*inner = NULL, *outer = NULL;
	unsigned char		*p = NULL, *q;
	unsigned char		 serial[8];
	int			 len, r = -1;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
	    ((uint64_t)serial[0] << 56) | ((uint64_t)serial[1] << 48) |
	    ((uint64_t)serial[2] << 40) | ((uint64_t)serial[3] << 32) |
	    ((uint64_t)serial[4] << 24) | ((uint64_t)serial[5] << 16) |
	    ((uint64_t)serial[6] << 8) | serial[7]) != 1)
		goto out;
	if (X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"JP", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"kagi tests", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
	    (const unsigned char *)"Authenticator Attestation", -1, -1,
	    0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"kagi softkey", -1, -1, 0) != 1)
		goto out;
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto out;
	if ((ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    "critical,CA:FALSE")) == NULL || X509_add_ext(x, ext, -1) != 1)
		goto out;
	X509_EXTENSION_free(ext);
	ext = NULL;
	/* id-fido-gen-ce-aaguid: an OCTET STRING holding the DER of an
	 * OCTET STRING of the 16 AAGUID bytes. */
	if ((oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1)) == NULL ||
	    (inner = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(inner, aaguid, 16) != 1 ||
	    (len = i2d_ASN1_OCTET_STRING(inner, NULL)) <= 0 ||
	    (p = malloc((size_t)len)) == NULL)
		goto out;
	q = p;
	if (i2d_ASN1_OCTET_STRING(inner, &q) != len ||
	    (outer = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(outer, p, len) != 1 ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, outer)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		goto out;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	free(p);
	p = NULL;
	if ((len = i2d_X509(x, &p)) <= 0)
		goto out;
	*der = p;
	*der_len = (size_t)len;
	p = NULL;
	r = 0;
out:
	if (p != NULL)
		OPENSSL_free(p);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(inner);
	ASN1_OCTET_STRING_free(outer);
	X509_NAME_free(name);
	X509_free(x);
	return r;
}

/* --- names ----------------------------------------------------------- */

int
softkey_uv_parse(const char *s, enum softkey_uv *uv)
{
	if (strcmp(s, "pin") == 0)
		*uv = SOFTKEY_UV_PIN;
	else if (strcmp(s, "builtin") == 0)
		*uv = SOFTKEY_UV_BUILTIN;
	else if (strcmp(s, "none") == 0)
		*uv = SOFTKEY_UV_NONE;
	else
		return -1;
	return 0;
}

const char *
softkey_uv_name(enum softkey_uv uv)
{
	switch (uv) {
	case SOFTKEY_UV_PIN:
		return "pin";
	case SOFTKEY_UV_BUILTIN:
		return "builtin";
	case SOFTKEY_UV_NONE:
		return "none";
	}
	return "?";
}

/* --- lifetime -------------------------------------------------------- */

void
softkey_state_free(struct softkey_state **stp)
{
	struct softkey_state *st;

	if (stp == NULL || (st = *stp) == NULL)
		return;
	for (size_t i = 0; i < st->ncreds; i++)
		EVP_PKEY_free(st->creds[i].key);
	EVP_PKEY_free(st->att_key);
	free(st->att_cert);
	OPENSSL_cleanse(st, sizeof(*st));
	free(st);
	*stp = NULL;
}

int
softkey_state_new(struct softkey_state **out, enum softkey_uv uv,
    const char *pin, const unsigned char aaguid[16], unsigned retries)
{
	struct softkey_state	*st = NULL;
	int			 r = -1;

	if (retries < 1 || retries > 255)
		return -1;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	st->uv = uv;
	st->retries = st->max_retries = retries;
	memcpy(st->aaguid, aaguid, sizeof(st->aaguid));
	if (pin != NULL) {
		if (strlen(pin) < 4 || strlen(pin) > 63 ||
		    softkey_pin_hash(pin, strlen(pin), st->pin_hash) != 0)
			goto out;
		st->pin_set = 1;
	}
	if ((st->att_key = softkey_p256_new()) == NULL ||
	    make_cert(st->att_key, st->aaguid, &st->att_cert,
	    &st->att_cert_len) != 0)
		goto out;
	*out = st;
	st = NULL;
	r = 0;
out:
	softkey_state_free(&st);
	return r;
}

/* --- encoding -------------------------------------------------------- */

static int
put_hex(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fprintf(f, "%02x", p[i]) < 0)
			return -1;
	return 0;
}

static int
put_key(FILE *f, EVP_PKEY *key)
{
	unsigned char	*der = NULL;
	int		 len, r;

	if ((len = i2d_PrivateKey(key, &der)) <= 0)
		return -1;
	r = put_hex(f, der, (size_t)len);
	OPENSSL_clear_free(der, (size_t)len);
	return r;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode a whole hex token into exactly n bytes (want == n) or up to
 * max bytes (want == 0). */
static int
get_hex(const char *s, unsigned char *out, size_t max, size_t want,
    size_t *got)
{
	size_t len = strlen(s), n;

	if (len % 2 != 0 || (n = len / 2) > max || (want != 0 && n != want))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	if (got != NULL)
		*got = n;
	return 0;
}

static int
get_uint(const char *s, unsigned long max, unsigned long *v)
{
	char		*end;
	unsigned long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*v = n;
	return 0;
}

static EVP_PKEY *
get_key(const char *hex)
{
	unsigned char		 buf[512];
	const unsigned char	*p = buf;
	size_t			 n;
	EVP_PKEY		*key = NULL;

	if (get_hex(hex, buf, sizeof(buf), 0, &n) == 0)
		key = d2i_AutoPrivateKey(NULL, &p, (long)n);
	if (key != NULL && p != buf + n) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return key;
}

/* Split LINE in place into at most max words separated by one space. */
static size_t
split(char *line, char **w, size_t max)
{
	size_t n = 0;

	while (n < max) {
		w[n++] = line;
		if ((line = strchr(line, ' ')) == NULL)
			break;
		*line++ = '\0';
	}
	return line == NULL ? n : max + 1;
}

static int
parse_line(struct softkey_state *st, char *line, unsigned *seen)
{
	char			*w[6];
	size_t			 n = split(line, w, 5);
	unsigned long		 a, b;
	struct softkey_cred	*c;

	if (n == 2 && strcmp(w[0], "uv") == 0) {
		*seen |= 1;
		return softkey_uv_parse(w[1], &st->uv);
	}
	if (n == 3 && strcmp(w[0], "retries") == 0) {
		if (get_uint(w[1], 255, &a) != 0 ||
		    get_uint(w[2], 255, &b) != 0 || b < 1 || a > b)
			return -1;
		st->retries = (unsigned)a;
		st->max_retries = (unsigned)b;
		*seen |= 2;
		return 0;
	}
	if (n == 2 && strcmp(w[0], "pin") == 0) {
		*seen |= 4;
		if (strcmp(w[1], "-") == 0) {
			st->pin_set = 0;
			return 0;
		}
		st->pin_set = 1;
		return get_hex(w[1], st->pin_hash, sizeof(st->pin_hash),
		    sizeof(st->pin_hash), NULL);
	}
	if (n == 2 && strcmp(w[0], "aaguid") == 0) {
		*seen |= 8;
		return get_hex(w[1], st->aaguid, 16, 16, NULL);
	}
	if (n == 2 && strcmp(w[0], "attkey") == 0 && st->att_key == NULL) {
		*seen |= 16;
		return (st->att_key = get_key(w[1])) == NULL ? -1 : 0;
	}
	if (n == 2 && strcmp(w[0], "attcert") == 0 && st->att_cert == NULL) {
		size_t len = strlen(w[1]) / 2;

		*seen |= 32;
		if (len == 0 || len > 4096 ||
		    (st->att_cert = malloc(len)) == NULL)
			return -1;
		return get_hex(w[1], st->att_cert, len, len,
		    &st->att_cert_len);
	}
	if (n == 5 && strcmp(w[0], "cred") == 0 &&
	    st->ncreds < SOFTKEY_MAX_CREDS) {
		c = &st->creds[st->ncreds];
		if (get_hex(w[1], c->id, sizeof(c->id), 0, &c->id_len) != 0 ||
		    c->id_len == 0 ||
		    get_hex(w[2], c->rp_hash, 32, 32, NULL) != 0 ||
		    get_uint(w[3], UINT32_MAX, &a) != 0 ||
		    (c->key = get_key(w[4])) == NULL)
			return -1;
		c->counter = (uint32_t)a;
		st->ncreds++;
		return 0;
	}
	return -1;
}

int
softkey_state_load(const char *path, struct softkey_state **out)
{
	struct softkey_state	*st = NULL;
	struct stat		 sb;
	char			*buf = NULL, *line, *nl;
	unsigned		 seen = 0;
	ssize_t			 n;
	size_t			 len = 0;
	int			 fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size <= 0 || sb.st_size > STATE_MAX ||
	    (buf = malloc((size_t)sb.st_size + 1)) == NULL)
		goto out;
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len || (st = calloc(1, sizeof(*st))) == NULL)
		goto out;
	line = buf;
	if ((nl = strchr(line, '\n')) == NULL)
		goto out;
	*nl = '\0';
	if (strcmp(line, STATE_MAGIC) != 0)
		goto out;
	for (line = nl + 1; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			goto out;
		*nl = '\0';
		if (parse_line(st, line, &seen) != 0)
			goto out;
	}
	if (seen != 63)
		goto out;
	*out = st;
	st = NULL;
	r = 0;
out:
	softkey_state_free(&st);
	if (buf != NULL)
		OPENSSL_clear_free(buf, len + 1);
	close(fd);
	return r;
}

static int
write_state(FILE *f, const struct softkey_state *st)
{
	if (fprintf(f, "%s\nuv %s\nretries %u %u\npin ", STATE_MAGIC,
	    softkey_uv_name(st->uv), st->retries, st->max_retries) < 0)
		return -1;
	if (st->pin_set ? put_hex(f, st->pin_hash, sizeof(st->pin_hash)) :
	    (fputs("-", f) < 0 ? -1 : 0))
		return -1;
	if (fputs("\naaguid ", f) < 0 || put_hex(f, st->aaguid, 16) != 0 ||
	    fputs("\nattkey ", f) < 0 || put_key(f, st->att_key) != 0 ||
	    fputs("\nattcert ", f) < 0 ||
	    put_hex(f, st->att_cert, st->att_cert_len) != 0 ||
	    fputs("\n", f) < 0)
		return -1;
	for (size_t i = 0; i < st->ncreds; i++) {
		const struct softkey_cred *c = &st->creds[i];

		if (fputs("cred ", f) < 0 || put_hex(f, c->id, c->id_len) ||
		    fputs(" ", f) < 0 || put_hex(f, c->rp_hash, 32) ||
		    fprintf(f, " %u ", (unsigned)c->counter) < 0 ||
		    put_key(f, c->key) != 0 || fputs("\n", f) < 0)
			return -1;
	}
	return 0;
}

int
softkey_state_save(const char *path, const struct softkey_state *st)
{
	char	 tmp[PATH_MAX];
	FILE	*f = NULL;
	int	 fd = -1, r = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL)
		goto out;
	fd = -1;
	if (write_state(f, st) != 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		goto out;
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (r != 0)
		unlink(tmp);
	return r;
}

int
softkey_state_lock(const char *path)
{
	char	lock[PATH_MAX];
	int	fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    (int)sizeof(lock))
		return -1;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

void
softkey_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

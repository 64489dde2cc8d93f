/*
 * mkusers.c - write the benchmark's N users for each system (bench only).
 *
 *   mkusers kagi  STATE_DIR N   kagi's SQLite store and sealing key
 *                               (with KAGI_BENCH_PG set to a libpq
 *                               connection string, the store is that
 *                               PostgreSQL database; the key stays here)
 *   mkusers fido2 STATE_DIR N   the same, each user with one FIDO2 key
 *   mkusers oath  FILE N        a pam_oath usersfile
 *   mkusers ga    DIR N         one google-authenticator file per user
 *
 * Users and secrets are those of benchusers.h.  For kagi the rows are what
 * `kagictl user add` + `kagictl token add-totp` + `kagictl token confirm`
 * leave behind (a staff user; an active SHA1/6/30 token with no accepted
 * step, its secret sealed with AES-256-GCM bound to "totp:<user>"), written
 * through kagid's own store and seal code (tokend/libkagid) in
 * transactions of 20,000 users, before kagid starts; one audit record
 * notes the bulk creation.  Going through kagictl would take three
 * programs and three commits per user: minutes for 10,000 users, hours for
 * 1,000,000.  run.sh checks once that a user enrolled through kagictl logs
 * in through the same driver.
 *
 * For fido2 each user has instead one active FIDO2 credential, the rows
 * `kagictl token add-fido2` leaves for an ES256 key that verifies its
 * user with a PIN: the token (sealed raw x|y public key bound to
 * "fido2:<user>") and its credential row (benchfido2.h's credential ID,
 * COSE -7, counter 0, AAGUID zero, uv "pin").
 *
 * The peers' files are written as their documentation describes: pam_oath
 * "HOTP/T30/6 USER - HEXSECRET" lines; google-authenticator files holding
 * the base32 secret, TOTP_AUTH and DISALLOW_REUSE, mode 0600.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchfido2.h"
#include "benchusers.h"
#include "fido2.h"
#include "kagi_err.h"
#include "seal.h"
#include "store.h"

#define TXN_USERS 20000

static int
parse_n(const char *s, uint64_t *n)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > 10000000ULL)
		return -1;
	*n = v;
	return 0;
}

static void
base32(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t i, o = 0;
	unsigned buf = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5 && o + 1 < outlen) {
			out[o++] = al[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && o + 1 < outlen)
		out[o++] = al[(buf << (5 - bits)) & 31];
	out[o] = '\0';
}

/* User i's TOTP token into t (its sealed secret owned by t). */
static int
totp_token(const struct seal_key *key, uint64_t i, const char *name,
    int64_t now, struct token_rec *t)
{
	uint8_t secret[BU_SECRET_LEN];
	char aad[64];
	int r;

	bu_secret(i, secret);
	t->type = TOKEN_TOTP;
	snprintf(t->label, sizeof(t->label), "totp");
	t->algorithm = TOTP_SHA1;
	t->digits = BU_DIGITS;
	t->period = BU_PERIOD;
	t->created = now;
	snprintf(aad, sizeof(aad), "totp:%s", name);
	r = seal(key, aad, strlen(aad), secret, sizeof(secret), &t->sealed,
	    &t->sealed_len);
	memset(secret, 0, sizeof(secret));
	return r;
}

/* User i's FIDO2 token into t and f (the sealed public key owned by t). */
static int
fido2_token(const struct seal_key *key, uint64_t i, const char *name,
    int64_t now, struct token_rec *t, struct fido2_rec *f)
{
	uint8_t priv[32], pub[BF_PK_LEN];
	char aad[64];

	if (bf_keypair(i, priv, pub) != 0)
		return KAGI_ERR_CRYPTO;
	memset(priv, 0, sizeof(priv));
	t->type = TOKEN_FIDO2;
	snprintf(t->label, sizeof(t->label), "fido2");
	t->created = now;
	memset(f, 0, sizeof(*f));
	bf_cred_id(i, f->cred_id);
	f->cred_id_len = BF_CRED_LEN;
	f->cose_alg = FIDO2_ES256;
	f->uv = FIDO2_UV_PIN;
	snprintf(aad, sizeof(aad), "fido2:%s", name);
	return seal(key, aad, strlen(aad), pub, sizeof(pub), &t->sealed,
	    &t->sealed_len);
}

static int
mk_kagi(const char *dir, uint64_t n, int fido2)
{
	char path[PATH_MAX], err[256], name[BU_NAME_MAX];
	char fields[64];
	struct seal_key *key = NULL;
	struct store *s = NULL;
	struct token_rec t;
	struct fido2_rec f;
	struct audit_event ev;
	int64_t now = (int64_t)time(NULL), uid = 0, tid = 0;
	uint64_t i;
	int r, created = 0, in_txn = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkusers: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	if ((r = seal_key_load_or_create(path, &key, &created, err,
	    sizeof(err))) != 0) {
		fprintf(stderr, "mkusers: %s\n", err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/kagi.db", dir);
	if (getenv("KAGI_BENCH_PG") != NULL) {
		if ((r = store_open_pg(getenv("KAGI_BENCH_PG"), &s, err,
		    sizeof(err))) != 0) {
			fprintf(stderr, "mkusers: %s\n", err);
			goto out;
		}
	} else if ((r = store_open(path, &s)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!in_txn) {
			if ((r = store_begin(s)) != 0)
				goto out;
			in_txn = 1;
		}
		bu_name(i, name);
		if ((r = store_user_add(s, name, ROLE_STAFF, now, &uid)) != 0)
			goto out;
		memset(&t, 0, sizeof(t));
		t.user_id = uid;
		t.state = TOKEN_ACTIVE;
		t.last_step = -1;
		if (fido2) {
			r = fido2_token(key, i, name, now, &t, &f);
			if (r == 0)
				r = store_fido2_add(s, &t, &f, &tid);
		} else {
			r = totp_token(key, i, name, now, &t);
			if (r == 0)
				r = store_token_add(s, &t, &tid);
		}
		token_rec_clear(&t);
		if (r != 0)
			goto out;
		if ((i + 1) % TXN_USERS == 0 || i + 1 == n) {
			if (i + 1 == n) {
				snprintf(fields, sizeof(fields),
				    "{\"users\":%" PRIu64 ",\"token\":\"%s\"}",
				    n, fido2 ? "fido2" : "totp");
				memset(&ev, 0, sizeof(ev));
				ev.time = now;
				ev.actor_uid = (int64_t)getuid();
				ev.actor = "bench/mkusers";
				ev.event = "bench_users_add";
				ev.fields = fields;
				if ((r = store_audit_append(s, &ev, NULL)) != 0)
					goto out;
			}
			if ((r = store_commit(s)) != 0)
				goto out;
			in_txn = 0;
		}
	}
	r = 0;
out:
	if (r != 0)
		fprintf(stderr, "mkusers: kagi store in %s: %s\n", dir,
		    kagi_strerror(r));
	if (in_txn)
		store_rollback(s);
	store_close(&s);
	seal_key_free(&key);
	return r != 0;
}

static int
mk_oath(const char *file, uint64_t n)
{
	char name[BU_NAME_MAX];
	uint8_t secret[BU_SECRET_LEN];
	uint64_t i;
	size_t k;
	FILE *f;
	int fd;

	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "mkusers: %s: %s\n", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	for (i = 0; i < n; i++) {
		bu_name(i, name);
		bu_secret(i, secret);
		fprintf(f, "HOTP/T%d/%d\t%s\t-\t", BU_PERIOD, BU_DIGITS, name);
		for (k = 0; k < sizeof(secret); k++)
			fprintf(f, "%02x", secret[k]);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "mkusers: %s: %s\n", file, strerror(errno));
		return 1;
	}
	return 0;
}

static int
mk_ga(const char *dir, uint64_t n)
{
	char path[PATH_MAX], name[BU_NAME_MAX], b32[64], text[160];
	uint8_t secret[BU_SECRET_LEN];
	uint64_t i;
	int fd, len;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkusers: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		bu_name(i, name);
		bu_secret(i, secret);
		base32(secret, sizeof(secret), b32, sizeof(b32));
		len = snprintf(text, sizeof(text),
		    "%s\n\" TOTP_AUTH\n\" DISALLOW_REUSE\n", b32);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, text, (size_t)len) != len) {
			fprintf(stderr, "mkusers: %s: %s\n", path,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
		close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t n;

	if (argc != 4 || parse_n(argv[3], &n) != 0) {
		fprintf(stderr, "usage: mkusers kagi|fido2|oath|ga PATH N\n");
		return 2;
	}
	if (strcmp(argv[1], "kagi") == 0)
		return mk_kagi(argv[2], n, 0);
	if (strcmp(argv[1], "fido2") == 0)
		return mk_kagi(argv[2], n, 1);
	if (strcmp(argv[1], "oath") == 0)
		return mk_oath(argv[2], n);
	if (strcmp(argv[1], "ga") == 0)
		return mk_ga(argv[2], n);
	fprintf(stderr, "usage: mkusers kagi|fido2|oath|ga PATH N\n");
	return 2;
}

/*
 * checkpoint.c - signing, verifying, writing and reading checkpoints of
 * the audit chain (checkpoint.h).
 *
 * Guarantees: Ed25519 through OpenSSL's EVP interface only; the private
 * key is created by safefile_secret() (random, 0600, exclusive) and its
 * bytes are wiped from every buffer they pass through; a checkpoint line
 * is parsed by the strict JSON reader with every key checked and no
 * other key allowed, so a tampered line is refused, never half-read; the
 * log is opened without following a link and checked with fstat (a
 * regular file, the right owner, closed to group and others); an append
 * is one write(2) of the whole line in O_APPEND mode, then fdatasync.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit_chain.h"
#include "b64.h"
#include "checkpoint.h"
#include "kagi_err.h"
#include "proto.h"
#include "safefile.h"
#include "store.h"
#include "wipe.h"

#define CP_MAGIC "kagi-checkpoint-1\n"
#define CP_MAGIC_CORE "kagi-checkpoint-2\n"

struct cp_signer {
	EVP_PKEY *pkey;
	uint8_t pub[CP_KEY_LEN];
	char id[CP_KEYID_LEN + 1];
};

static int
fill_random(unsigned char *buf, size_t size)
{
	if (size > INT_MAX || RAND_bytes(buf, (int)size) != 1)
		return KAGI_ERR_CRYPTO;
	return 0;
}

int
cp_key_id(const uint8_t pub[CP_KEY_LEN], char id[CP_KEYID_LEN + 1])
{
	uint8_t d[32];
	char hex[AUDIT_HEX_LEN + 1];
	unsigned int n = 0;

	if (EVP_Digest(pub, CP_KEY_LEN, d, &n, EVP_sha256(), NULL) != 1 ||
	    n != sizeof(d))
		return KAGI_ERR_CRYPTO;
	audit_hex(d, hex);
	memcpy(id, hex, CP_KEYID_LEN);
	id[CP_KEYID_LEN] = '\0';
	return 0;
}

int
cp_signer_load_or_create(const char *path, struct cp_signer **sp,
    int *created, char *err, size_t errlen)
{
	uint8_t priv[CP_KEY_LEN];
	struct cp_signer *s = NULL;
	size_t n = CP_KEY_LEN;
	int r, c = 0;

	*sp = NULL;
	if ((r = safefile_secret(path, sizeof(priv), fill_random, priv, &c,
	    err, errlen)) != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((s->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    priv, sizeof(priv))) == NULL ||
	    EVP_PKEY_get_raw_public_key(s->pkey, s->pub, &n) != 1 ||
	    n != CP_KEY_LEN || cp_key_id(s->pub, s->id) != 0) {
		snprintf(err, errlen, "%s: not an Ed25519 key", path);
		goto out;
	}
	*sp = s;
	s = NULL;
	if (created != NULL)
		*created = c;
	r = 0;
 out:
	kagi_wipe(priv, sizeof(priv));
	cp_signer_free(&s);
	return r;
}

void
cp_signer_free(struct cp_signer **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	/* OpenSSL clears the key's memory when it frees it. */
	EVP_PKEY_free((*sp)->pkey);
	kagi_free_secret(*sp, sizeof(**sp));
	*sp = NULL;
}

void
cp_signer_public(const struct cp_signer *s, uint8_t pub[CP_KEY_LEN])
{
	memcpy(pub, s->pub, CP_KEY_LEN);
}

const char *
cp_signer_key_id(const struct cp_signer *s)
{
	return s->id;
}

/* The signed bytes of cp into buf; their length, or -1. */
static int
signed_text(const struct checkpoint *cp, char *buf, size_t len)
{
	char hex[AUDIT_HEX_LEN + 1];
	int n;

	audit_hex(cp->hash, hex);
	if (cp->core[0] != '\0')
		n = snprintf(buf, len, CP_MAGIC_CORE "seq=%lld\nhash=%s\n"
		    "time=%lld\nhost=%s\ncore=%s\nkey=%s\nreason=%s\n",
		    (long long)cp->seq, hex, (long long)cp->time, cp->host,
		    cp->core, cp->key, cp->reason);
	else
		n = snprintf(buf, len, CP_MAGIC "seq=%lld\nhash=%s\n"
		    "time=%lld\nhost=%s\nkey=%s\nreason=%s\n",
		    (long long)cp->seq, hex, (long long)cp->time, cp->host,
		    cp->key, cp->reason);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* What every checkpoint satisfies before it is signed or believed. */
static int
cp_valid(const struct checkpoint *cp)
{
	const char *p;

	if (cp->seq < 0 || cp->host[0] == '\0' || cp->reason[0] == '\0' ||
	    (cp->core[0] != '\0' && !store_core_name_valid(cp->core)))
		return 0;
	for (p = cp->host; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	for (p = cp->reason; *p != '\0'; p++)
		if (*p < 'a' || *p > 'z')
			return 0;
	return 1;
}

int
cp_sign(const struct cp_signer *s, struct checkpoint *cp)
{
	EVP_MD_CTX *md = NULL;
	char text[CP_LINE_MAX];
	size_t siglen = CP_SIG_LEN;
	int n, r = KAGI_ERR_CRYPTO;

	memcpy(cp->key, s->id, sizeof(cp->key));
	if (!cp_valid(cp) || (n = signed_text(cp, text, sizeof(text))) < 0)
		return KAGI_ERR_INVALID;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KAGI_ERR_NOMEM;
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, s->pkey) == 1 &&
	    EVP_DigestSign(md, cp->sig, &siglen, (const unsigned char *)text,
	    (size_t)n) == 1 && siglen == CP_SIG_LEN)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

int
cp_key_parse(const char *text, uint8_t pub[CP_KEY_LEN],
    char core[CP_CORE_MAX + 1])
{
	char hex[AUDIT_HEX_LEN + 1];
	uint8_t h[AUDIT_HASH_LEN];
	size_t n;

	_Static_assert(CP_KEY_LEN == AUDIT_HASH_LEN,
	    "a key is written as a hash is");
	_Static_assert(CP_CORE_MAX == STORE_CORE_MAX,
	    "a checkpoint's core is a store's");
	core[0] = '\0';
	if (strncmp(text, "ed25519 ", 8) != 0 ||
	    strnlen(text + 8, AUDIT_HEX_LEN) != AUDIT_HEX_LEN)
		return KAGI_ERR_INVALID;
	text += 8;
	memcpy(hex, text, AUDIT_HEX_LEN);
	hex[AUDIT_HEX_LEN] = '\0';
	if (audit_unhex(hex, h) != 0)
		return KAGI_ERR_INVALID;
	memcpy(pub, h, CP_KEY_LEN);
	text += AUDIT_HEX_LEN;
	if (*text == '\0' || *text == '\n')
		return 0;
	/* A comment may follow after white space; "core=NAME" first. */
	if (*text != ' ' && *text != '\t')
		return KAGI_ERR_INVALID;
	text += strspn(text, " \t");
	if (strncmp(text, "core=", 5) != 0)
		return 0;
	text += 5;
	n = strcspn(text, " \t\n");
	if (n == 0 || n > CP_CORE_MAX)
		return KAGI_ERR_INVALID;
	memcpy(core, text, n);
	core[n] = '\0';
	if (!store_core_name_valid(core)) {
		core[0] = '\0';
		return KAGI_ERR_INVALID;
	}
	return 0;
}

void
cp_key_format(const uint8_t pub[CP_KEY_LEN], char *out, size_t len)
{
	uint8_t h[32];
	char hex[AUDIT_HEX_LEN + 1];

	memcpy(h, pub, sizeof(h));
	audit_hex(h, hex);
	snprintf(out, len, "ed25519 %s", hex);
}

int
cp_keys_add(struct cp_keys *ks, const uint8_t pub[CP_KEY_LEN],
    const char *core)
{
	size_t i;
	int r;

	if (core == NULL)
		core = "";
	if (core[0] != '\0' && !store_core_name_valid(core))
		return KAGI_ERR_INVALID;
	for (i = 0; i < ks->n; i++) {
		if (memcmp(ks->k[i].pub, pub, CP_KEY_LEN) != 0)
			continue;
		if (core[0] == '\0' || strcmp(ks->k[i].core, core) == 0)
			return 0;
		if (ks->k[i].core[0] != '\0')
			return KAGI_ERR_EXISTS;	/* one key, two cores */
		memcpy(ks->k[i].core, core, strlen(core) + 1);
		return 0;
	}
	if (ks->n == CP_KEYS_MAX)
		return KAGI_ERR_TOO_LARGE;
	if ((r = cp_key_id(pub, ks->k[ks->n].id)) != 0)
		return r;
	memcpy(ks->k[ks->n].pub, pub, CP_KEY_LEN);
	memcpy(ks->k[ks->n].core, core, strlen(core) + 1);
	ks->n++;
	return 0;
}

int
cp_keys_have_core(const struct cp_keys *ks, const char *core)
{
	size_t i;

	for (i = 0; core != NULL && core[0] != '\0' && i < ks->n; i++)
		if (strcmp(ks->k[i].core, core) == 0)
			return 1;
	return 0;
}

int
cp_keys_parse(struct cp_keys *ks, const char *text, size_t *bad_line)
{
	uint8_t pub[CP_KEY_LEN];
	const char *p = text, *nl;
	char line[CP_LINE_MAX], core[CP_CORE_MAX + 1];
	size_t no = 0, n;
	int r;

	*bad_line = 0;
	while (*p != '\0') {
		no++;
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line)) {
			*bad_line = no;
			return KAGI_ERR_INVALID;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((r = cp_key_parse(line, pub, core)) != 0 ||
		    (r = cp_keys_add(ks, pub, core)) != 0) {
			*bad_line = no;
			return r;
		}
	}
	return 0;
}

int
cp_verify(const struct cp_keys *ks, const struct checkpoint *cp)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	char text[CP_LINE_MAX];
	size_t i;
	int n, r = KAGI_ERR_CRYPTO;

	/* A core's checkpoint: only a key configured for that core. */
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i].id, cp->key) == 0 &&
		    (cp->core[0] == '\0' ||
		    strcmp(ks->k[i].core, cp->core) == 0))
			break;
	if (i == ks->n)
		return KAGI_ERR_NOT_FOUND;
	if (!cp_valid(cp) || (n = signed_text(cp, text, sizeof(text))) < 0)
		return KAGI_ERR_CRYPTO;
	if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
	    ks->k[i].pub, CP_KEY_LEN)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, cp->sig, CP_SIG_LEN,
	    (const unsigned char *)text, (size_t)n) == 1)
		r = 0;
 out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return r;
}

int
cp_format(const struct checkpoint *cp, char **line)
{
	struct json_object *o;
	char hex[AUDIT_HEX_LEN + 1];
	int r;

	*line = NULL;
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	audit_hex(cp->hash, hex);
	if ((r = proto_set_int(o, "seq", cp->seq)) != 0 ||
	    (r = proto_set_str(o, "hash", hex)) != 0 ||
	    (r = proto_set_int(o, "time", cp->time)) != 0 ||
	    (r = proto_set_str(o, "host", cp->host)) != 0 ||
	    (r = proto_set_str(o, "key", cp->key)) != 0 ||
	    (r = proto_set_str(o, "reason", cp->reason)) != 0 ||
	    (cp->core[0] != '\0' &&
	    (r = proto_set_str(o, "core", cp->core)) != 0) ||
	    (r = b64_set(o, "sig", cp->sig, CP_SIG_LEN)) != 0)
		goto out;
	if ((*line = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL)
		r = KAGI_ERR_NOMEM;
 out:
	json_object_put(o);
	return r;
}

/* Copy a string of at most max bytes. */
static int
copy_str(struct json_object *o, const char *key, char *dst, size_t max)
{
	const char *v = NULL;
	int r;

	if ((r = proto_get_str(o, key, max, &v)) != 0)
		return r;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int
cp_parse(const char *line, size_t len, struct checkpoint *cp)
{
	static const char *const keys[] = { "seq", "hash", "time", "host",
	    "key", "reason", "core", "sig", NULL };
	struct json_object *o = NULL;
	const char *hex = NULL, *sig = NULL, *core = NULL;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int r;

	memset(cp, 0, sizeof(*cp));
	if (len > CP_LINE_MAX)
		return KAGI_ERR_TOO_LARGE;
	if ((r = proto_decode_payload((const uint8_t *)line, len, &o)) != 0 ||
	    (r = proto_check_keys(o, keys)) != 0 ||
	    (r = proto_get_int(o, "seq", 0, INT64_MAX, &cp->seq)) != 0 ||
	    (r = proto_get_str(o, "hash", AUDIT_HEX_LEN, &hex)) != 0 ||
	    (r = audit_unhex(hex, cp->hash)) != 0 ||
	    (r = proto_get_int(o, "time", INT64_MIN, INT64_MAX,
	    &cp->time)) != 0 ||
	    (r = copy_str(o, "host", cp->host, CP_HOST_MAX)) != 0 ||
	    (r = copy_str(o, "key", cp->key, CP_KEYID_LEN)) != 0 ||
	    (r = copy_str(o, "reason", cp->reason, CP_REASON_MAX)) != 0 ||
	    (r = proto_get_str_opt(o, "core", CP_CORE_MAX, &core)) != 0 ||
	    (r = proto_get_str(o, "sig", 128, &sig)) != 0 ||
	    (r = b64_decode(sig, CP_SIG_LEN, CP_SIG_LEN, &raw, &rawlen)) != 0)
		goto out;
	memcpy(cp->sig, raw, CP_SIG_LEN);
	if (core != NULL)
		memcpy(cp->core, core, strlen(core) + 1);
	r = cp_valid(cp) ? 0 : KAGI_ERR_INVALID;
 out:
	free(raw);
	json_object_put(o);
	return r;
}

/* --- the log ------------------------------------------------------------ */

/* fd is a regular file of owner (or root when allow_root), closed to
 * group and others (writes at least). */
static int
fd_check(int fd, const char *path, uid_t owner, int allow_root,
    mode_t deny, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KAGI_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return KAGI_ERR_UNSAFE_FILE;
	}
	if (st.st_uid != owner && !(allow_root && st.st_uid == 0)) {
		snprintf(err, errlen, "%s: owned by uid %u, not %u", path,
		    (unsigned)st.st_uid, (unsigned)owner);
		return KAGI_ERR_UNSAFE_FILE;
	}
	if ((st.st_mode & deny) != 0) {
		snprintf(err, errlen, "%s: mode %04o is open to group or "
		    "others", path, (unsigned)(st.st_mode & 07777));
		return KAGI_ERR_UNSAFE_FILE;
	}
	return 0;
}

/* Open path for reading as a file an attacker may have placed. */
static int
open_read(const char *path, uid_t owner, int *fdp, char *err, size_t errlen)
{
	int fd, r;

	*fdp = -1;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return KAGI_ERR_INVALID;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return errno == ENOENT ? KAGI_ERR_NOT_FOUND : KAGI_ERR_IO;
	}
	if ((r = fd_check(fd, path, owner, 1, 022, err, errlen)) != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

int
cp_log_open(const char *path, uid_t owner, int *fdp, char *err,
    size_t errlen)
{
	int fd, r;

	*fdp = -1;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return KAGI_ERR_INVALID;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return KAGI_ERR_IO;
	}
	if ((r = fd_check(fd, path, owner, 0, 077, err, errlen)) != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

int
cp_log_append(int fd, const char *line)
{
	size_t n = strlen(line);
	char buf[CP_LINE_MAX + 2];
	ssize_t w;

	if (n > CP_LINE_MAX || strchr(line, '\n') != NULL)
		return KAGI_ERR_INVALID;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	/* One write in O_APPEND mode: the line lands whole or not at all
	 * (a crash may cut it; readers skip a last line without '\n'). */
	do
		w = write(fd, buf, n);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != n || fdatasync(fd) != 0)
		return KAGI_ERR_IO;
	return 0;
}

int
cp_log_read(const char *path, uid_t owner, cp_cb cb, void *arg,
    size_t *bad_line, char *err, size_t errlen)
{
	struct checkpoint cp;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;
	int fd, r;

	*bad_line = 0;
	if ((r = open_read(path, owner, &fd, err, errlen)) != 0)
		return r;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KAGI_ERR_IO;
	}
	r = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		no++;
		if (line[n - 1] != '\n')
			break;		/* cut short by a crash */
		if ((r = cp_parse(line, (size_t)n - 1, &cp)) != 0) {
			*bad_line = no;
			snprintf(err, errlen, "%s, line %zu: not a checkpoint",
			    path, no);
			r = KAGI_ERR_INVALID;
			goto out;
		}
		if ((r = cb(&cp, no, arg)) != 0) {
			if (r > 0)
				r = 0;
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = KAGI_ERR_IO;
	}
 out:
	free(line);
	fclose(f);
	return r;
}

int
cp_log_last(const char *path, uid_t owner, struct checkpoint *cp,
    int *found, size_t *bad_line, char *err, size_t errlen)
{
	char buf[2 * CP_LINE_MAX + 2];
	struct stat st;
	off_t from;
	ssize_t n;
	char *end, *start;
	int fd, r;

	*found = 0;
	*bad_line = 0;
	if ((r = open_read(path, owner, &fd, err, errlen)) != 0)
		return r == KAGI_ERR_NOT_FOUND ? 0 : r;
	if (fstat(fd, &st) != 0) {
		r = KAGI_ERR_IO;
		goto out;
	}
	/* The tail holds the last whole line (lines are short). */
	from = st.st_size > (off_t)(sizeof(buf) - 1) ?
	    st.st_size - (off_t)(sizeof(buf) - 1) : 0;
	if ((n = pread(fd, buf, sizeof(buf) - 1, from)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = KAGI_ERR_IO;
		goto out;
	}
	buf[n] = '\0';
	/* Past a last line a crash cut short, to the last '\n'. */
	if ((end = strrchr(buf, '\n')) == NULL) {
		r = from > 0 ? KAGI_ERR_INVALID : 0;
		goto out;
	}
	*end = '\0';
	start = strrchr(buf, '\n');
	start = start != NULL ? start + 1 : buf;
	if (start == buf && from > 0) {
		r = KAGI_ERR_INVALID;	/* a line longer than any checkpoint */
		goto out;
	}
	if ((r = cp_parse(start, (size_t)(end - start), cp)) != 0) {
		snprintf(err, errlen, "%s: its last line is not a checkpoint",
		    path);
		*bad_line = 1;
		r = KAGI_ERR_INVALID;
		goto out;
	}
	*found = 1;
 out:
	if (r == KAGI_ERR_INVALID && err[0] == '\0')
		snprintf(err, errlen, "%s: its last line is not a checkpoint",
		    path);
	close(fd);
	return r;
}

/*
 * h_backup.c - backup: an online, consistent copy of kagid's store for
 * an administrator (R-AVL-1).
 *
 * kagid makes the copy (store_backup(), SQLite's backup API, of the
 * last committed state) into a file of its own in its state directory,
 * reads it back, removes it, records "backup" (the copy's last audit
 * record, its size and SHA-256), and answers with its bytes (base64
 * pieces in "backup", streamed when over one frame) and their SHA-256.  kagictl writes them into the file the administrator named,
 * with the administrator's own rights.  Why not have kagid write the
 * administrator's path: kagid would open, as its own user, a path
 * someone else chose, a way to overwrite what kagid may write (its own
 * keys); and the copy would be kagid's file, not the administrator's.
 * The copy holds the sealed secrets and the audit chain; never the
 * sealing key nor the checkpoint signing key, which are files of their
 * own (README: Backups and upgrades).  SQLite only: a kagid on
 * PostgreSQL refuses, naming pg_dump.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "b64.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "refusal.h"
#include "wipe.h"

#define BACKUP_PIECE (32 * 1024)	/* raw bytes a base64 piece */
#define BACKUP_MAX ((off_t)2 << 30)	/* a reply kagid holds: 2 GiB */

/* The copy's bytes, read back from the file kagid made. */
static int
slurp(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r = KAGI_ERR_IO;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return KAGI_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (st.st_size <= 0 || st.st_size > BACKUP_MAX) {
		r = KAGI_ERR_TOO_LARGE;
		goto out;
	}
	if ((*buf = malloc((size_t)st.st_size)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	*len = got;
	r = 0;
 out:
	close(fd);
	if (r != 0) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}

static int
pieces(const uint8_t *buf, size_t len, struct json_object *reply)
{
	struct json_object *arr, *s;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *b = NULL, hex[2 * EVP_MAX_MD_SIZE + 1];
	size_t off, n;
	unsigned int i;
	int r;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return KAGI_ERR_CRYPTO;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	for (off = 0; off < len; off += n) {
		n = len - off < BACKUP_PIECE ? len - off : BACKUP_PIECE;
		if ((r = b64_encode(buf + off, n, &b)) != 0)
			goto fail;
		s = json_object_new_string(b);
		free(b);
		if (s == NULL || json_object_array_add(arr, s) != 0) {
			json_object_put(s);
			r = KAGI_ERR_NOMEM;
			goto fail;
		}
	}
	if ((r = proto_set_int(reply, "bytes", (int64_t)len)) != 0 ||
	    (r = proto_set_str(reply, "sha256", hex)) != 0)
		goto fail;
	json_object_object_add(reply, "backup", arr);
	return 0;
fail:
	json_object_put(arr);
	return r;
}

/* The copy's SHA-256 as the reply carries it. */
static const char *
reply_sha256(struct json_object *reply)
{
	const char *h = proto_str_or_null(reply, "sha256");

	return h != NULL ? h : "";
}

int
h_backup(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	char path[4096];
	uint8_t *buf = NULL;
	struct json_object *f = NULL;
	int64_t seq = 0;
	size_t len = 0;
	int r;

	(void)req;
	if (snprintf(path, sizeof(path), "%s.backup", ctx->cfg->database) >=
	    (int)sizeof(path))
		return KAGI_ERR_TOO_LARGE;
	/* A copy left by a crash is ours: gone before a new one. */
	(void)unlink(path);
	if ((r = store_backup(ctx->store, path, &seq)) == KAGI_ERR_CONFIG &&
	    ctx->cfg->store == STORE_POSTGRESQL)
		return refusal_set(ctx, r, "postgresql", NULL,
		    "kagictl backup copies a SQLite store only; this kagid's "
		    "store is PostgreSQL: back it up with pg_dump "
		    "--format=custom as the database owner (README: Backups "
		    "and upgrades)");
	if (r != 0) {
		kagi_error("backup into %s failed: %s", path,
		    kagi_strerror(r));
		return r;
	}
	r = slurp(path, &buf, &len);
	(void)unlink(path);
	if (r != 0 || (r = pieces(buf, len, reply)) != 0 ||
	    (r = proto_set_int(reply, "audit_seq", seq)) != 0 ||
	    (r = proto_set_int(reply, "schema",
	    store_schema_version(ctx->store))) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "copy_last_seq", seq)) != 0 ||
	    (r = proto_set_int(f, "bytes", (int64_t)len)) != 0 ||
	    (r = proto_set_str(f, "sha256", reply_sha256(reply))) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "backup", NULL, f)) != 0)
		goto out;
 out:
	/* The sealed secrets were in it: wiped, not just freed. */
	kagi_free_secret(buf, len);
	json_object_put(f);
	return r;
}

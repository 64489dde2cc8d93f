/*
 * ctl_backup.c - `kagictl backup FILE` and `kagictl restore FILE`
 * (R-AVL-1: a municipality can bring kagi back after losing a disk).
 *
 * backup asks kagid (an administrator's request) for an online,
 * consistent copy of its database (h_backup.c: SQLite's backup API) and
 * writes it into FILE, a new file (never one that exists, never through
 * a link), mode 0600, in a directory nobody else may write to
 * (safefile_check_parents()), with the administrator's own rights; the
 * SHA-256 kagid sent is checked before the file is kept.  The copy holds
 * no key: the sealing key and the checkpoint signing key are kept apart
 * (README: Backups and upgrades).
 *
 * restore works on kagid's files directly, so only while kagid is
 * stopped (it answers on its socket: refused), by whoever may write the
 * state directory (root).  The copy is read like an attacker placed it
 * (safefile_read: the caller's or root's, not writable by others),
 * written beside the database, opened as a store (which migrates a copy
 * of an older release forward and refuses one of a newer), and compared
 * with the newest signed checkpoint of the audit (checkpoint.c): a copy
 * whose audit chain ends before it would undo signed history and is
 * refused without --force.  The restore is recorded in the restored
 * chain ("restore": the file, its last record, the checkpoint, forced or
 * not), then the copy replaces the database atomically (rename), its
 * stale WAL removed first, owned as the database was.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "b64.h"
#include "checkpoint.h"
#include "client.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "proto.h"
#include "proto_ops.h"
#include "safefile.h"
#include "store.h"
#include "wipe.h"

#define RESTORE_MAX ((size_t)2 << 30)

int
ctl_abspath(const char *path, char *out, size_t outlen)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(out, outlen, "%s", path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return KAGI_ERR_IO;
		n = snprintf(out, outlen, "%s/%s", cwd, path);
	}
	return n < 0 || (size_t)n >= outlen ? KAGI_ERR_TOO_LARGE : 0;
}

/* Decode the pieces into fd, hashing them; *total the bytes written. */
static int
write_pieces(int fd, struct json_object *arr, EVP_MD_CTX *md, size_t *total)
{
	uint8_t *raw = NULL;
	size_t i, n = json_object_array_length(arr), rl = 0;
	int r = 0;

	*total = 0;
	for (i = 0; i < n && r == 0; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(arr, i));

		if (s == NULL || (r = b64_decode(s, 1, 64 * 1024, &raw,
		    &rl)) != 0) {
			r = KAGI_ERR_INVALID;
			break;
		}
		if (EVP_DigestUpdate(md, raw, rl) != 1)
			r = KAGI_ERR_CRYPTO;
		else
			r = ctl_write_all(fd, (const char *)raw, rl);
		*total += rl;
		kagi_free_secret(raw, rl);
		raw = NULL;
	}
	return r;
}

int
ctl_backup(struct ctl *ctl)
{
	char path[PATH_MAX], err[512], clean[512], hex[65];
	struct json_object *reply = NULL, *arr;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0, i;
	EVP_MD_CTX *md = NULL;
	const char *want;
	size_t total = 0;
	int fd = -1, ex, r, made = 0;

	if (ctl_abspath(ctl->file, path, sizeof(path)) != 0) {
		ctl_err(_("cannot write %s: %s"), ctl->file,
		    _("the path is too long"));
		return CTL_EXIT_REFUSED;
	}
	ctl_clean(path, clean, sizeof(clean));
	/* The directory first: nobody else may swap what is in it. */
	if (safefile_check_parents(path, getuid(), err, sizeof(err)) != 0) {
		ctl_err(_("cannot write %s: %s"), clean, err);
		return CTL_EXIT_REFUSED;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		ctl_err(_("cannot write %s: %s (a backup never overwrites a "
		    "file)"), clean, strerror(errno));
		return CTL_EXIT_REFUSED;
	}
	made = 1;
	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_BACKUP), &reply)) != 0)
		goto out;
	ex = CTL_EXIT_UNREACHABLE;
	if (!json_object_object_get_ex(reply, "backup", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (want = ctl_jstr(reply, "sha256")) == NULL) {
		ctl_err(_("kagid at %s sent a malformed reply: are kagictl "
		    "and kagid from the same release? (kagictl --version)"),
		    ctl->sockpath);
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    (r = write_pieces(fd, arr, md, &total)) != 0 ||
	    EVP_DigestFinal_ex(md, dg, &dl) != 1 || dl != 32) {
		ctl_err(_("cannot write %s: %s"), clean, strerror(errno));
		goto out;
	}
	for (i = 0; i < dl; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	if (strcmp(hex, want) != 0 || (int64_t)total !=
	    ctl_jint(reply, "bytes")) {
		ctl_err(_("the copy kagid sent does not match its checksum: "
		    "nothing was kept"));
		goto out;
	}
	if (fsync(fd) != 0) {
		ctl_err(_("cannot write %s: %s"), clean, strerror(errno));
		goto out;
	}
	made = 0;
	ex = CTL_EXIT_OK;
	if (ctl->json) {
		json_object_object_del(reply, "backup");
		(void)proto_set_str(reply, "file", path);
		ex = ctl_print_json(reply) == 0 ? CTL_EXIT_OK :
		    CTL_EXIT_UNREACHABLE;
	} else
		printf(_("Backup written to %s: %zu bytes, audit record %lld "
		    "its last, sha256 %s.  It holds no key: keep the sealing "
		    "key and the signing key apart (see README).\n"), clean,
		    total, (long long)ctl_jint(reply, "audit_seq"), hex);
 out:
	EVP_MD_CTX_free(md);
	if (fd >= 0)
		close(fd);
	if (made)
		(void)unlink(path);
	proto_wipe_put(reply);
	return ex;
}

int
ctl_kagid_running(const struct ctl *ctl)
{
	struct kagi_client *c = NULL;
	int r = client_connect(ctl->sockpath, 1000, &c);

	client_free(&c);
	return r == 0 || r == KAGI_ERR_TIMEOUT;
}

/* Record the restore in the restored chain. */
static int
record_restore(struct store *st, const char *file, int64_t copy_seq,
    int64_t cp_seq, int forced)
{
	struct audit_event ev;
	struct passwd *pw = getpwuid(getuid());
	char fields[PATH_MAX + 256];
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "file", file)) != 0 ||
	    (r = proto_set_int(f, "copy_last_seq", copy_seq)) != 0 ||
	    (r = proto_set_int(f, "checkpoint_seq", cp_seq)) != 0 ||
	    (r = proto_set_bool(f, "forced", forced)) != 0) {
		json_object_put(f);
		return r;
	}
	snprintf(fields, sizeof(fields), "%s",
	    json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	memset(&ev, 0, sizeof(ev));
	ev.time = (int64_t)time(NULL);
	ev.actor_uid = (int64_t)getuid();
	ev.actor = pw != NULL ? pw->pw_name : "kagictl";
	ev.event = "restore";
	ev.fields = fields;
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = store_audit_append(st, &ev, NULL)) != 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st);
}

int
ctl_restore(struct ctl *ctl)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], side[PATH_MAX + 32];
	char err[512], clean[512];
	const struct kagid_config *cfg = ctl->cfg;
	struct checkpoint cp;
	struct store *st = NULL;
	struct stat dbst;
	uint8_t hash[32];
	char *buf = NULL;
	size_t len = 0, bad_line = 0;
	int64_t seq = 0;
	int fd = -1, found = 0, r, ex = CTL_EXIT_REFUSED, made = 0;
	uid_t owner;
	gid_t group;

	if (cfg == NULL) {
		ctl_err(_("restore needs kagid's configuration (--config): "
		    "%s"), ctl->cfg_err);
		return CTL_EXIT_REFUSED;
	}
	if (ctl_kagid_running(ctl)) {
		ctl_err(_("kagid is running (it answers at %s): stop it first "
		    "(systemctl stop kagid); a restore replaces its "
		    "database"), ctl->sockpath);
		return CTL_EXIT_REFUSED;
	}
	if (ctl_abspath(ctl->file, path, sizeof(path)) != 0) {
		ctl_err(_("cannot read %s: %s"), ctl->file,
		    _("the path is too long"));
		return CTL_EXIT_REFUSED;
	}
	ctl_clean(path, clean, sizeof(clean));
	if (safefile_read(path, getuid(), RESTORE_MAX, &buf, &len, err,
	    sizeof(err)) != 0) {
		ctl_err(_("cannot read %s: %s"), clean, err);
		return CTL_EXIT_REFUSED;
	}
	/* The database's owner (kagid's user) owns the restored one. */
	if (stat(cfg->database, &dbst) != 0 && stat(cfg->state_dir,
	    &dbst) != 0) {
		ctl_err(_("cannot use %s: %s"), cfg->state_dir,
		    strerror(errno));
		goto out;
	}
	owner = dbst.st_uid;
	group = dbst.st_gid;
	snprintf(tmp, sizeof(tmp), "%s.restore", cfg->database);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0 || ctl_write_all(fd, buf, len) != 0 ||
	    fsync(fd) != 0) {
		ctl_err(_("cannot write %s: %s"), tmp, strerror(errno));
		goto out;
	}
	made = 1;
	close(fd);
	fd = -1;
	/* A store: an older release's copy migrates, a newer one is not. */
	if ((r = store_open(tmp, &st)) != 0) {
		int v = -1;

		if (r == KAGI_ERR_VERSION && store_file_version(tmp, &v) == 0)
			ctl_err(_("%s was made by a newer release (schema "
			    "version %d; this one knows up to %d): restore "
			    "it with that release"), clean, v,
			    store_schema_known());
		else
			ctl_err(_("%s is not a kagi database: %s"), clean,
			    kagi_strerror(r));
		goto out;
	}
	(void)store_set_core(st, cfg->core_name);
	if ((r = store_audit_head(st, &seq, hash)) != 0) {
		ctl_err(_("%s is not a kagi database: %s"), clean,
		    kagi_strerror(r));
		goto out;
	}
	if (cp_log_last(cfg->audit_checkpoint_log, owner, &cp, &found,
	    &bad_line, err, sizeof(err)) != 0) {
		ctl_err(_("cannot read the checkpoint log: %s"), err);
		goto out;
	}
	if (found && seq < cp.seq && !ctl->force) {
		ctl_err(_("the copy ends at audit record %lld, before the "
		    "newest signed checkpoint (record %lld): restoring it "
		    "would undo signed history (R-LOG-2); nothing was "
		    "changed.  Give --force to restore it anyway; the "
		    "restore is then recorded as forced"),
		    (long long)seq, (long long)cp.seq);
		goto out;
	}
	if ((r = record_restore(st, path, seq, found ? cp.seq : 0,
	    found && seq < cp.seq)) != 0) {
		ctl_err(_("cannot record the restore: %s"), kagi_strerror(r));
		goto out;
	}
	store_close(&st);
	if (chown(tmp, owner, group) != 0) {
		ctl_err(_("cannot write %s: %s"), tmp, strerror(errno));
		goto out;
	}
	/* The old database's WAL is not the copy's. */
	snprintf(side, sizeof(side), "%s-wal", cfg->database);
	(void)unlink(side);
	snprintf(side, sizeof(side), "%s-shm", cfg->database);
	(void)unlink(side);
	if (rename(tmp, cfg->database) != 0) {
		ctl_err(_("cannot write %s: %s"), cfg->database,
		    strerror(errno));
		goto out;
	}
	made = 0;
	if ((fd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0)
		(void)fsync(fd);
	if (found && seq < cp.seq)
		printf(_("Restored %s into %s (forced): its audit chain ends "
		    "at record %lld, the restore's own, before the newest "
		    "signed checkpoint (record %lld).  kagid refuses to "
		    "start on it until you accept that: start it once with "
		    "-A %lld (recorded, R-LOG-2).\n"), clean, cfg->database,
		    (long long)seq + 1, (long long)cp.seq, (long long)seq + 1);
	else
		printf(_("Restored %s into %s: its audit chain ends at record "
		    "%lld, the restore's own.  Start kagid.\n"), clean,
		    cfg->database, (long long)seq + 1);
	ex = CTL_EXIT_OK;
 out:
	store_close(&st);
	if (fd >= 0)
		close(fd);
	if (made) {
		(void)unlink(tmp);
		snprintf(side, sizeof(side), "%s-wal", tmp);
		(void)unlink(side);
		snprintf(side, sizeof(side), "%s-shm", tmp);
		(void)unlink(side);
	}
	kagi_free_secret(buf, len);
	return ex;
}

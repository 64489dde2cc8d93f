/*
 * ctl_audit.c - kagictl's audit commands: verify, anchor, archive,
 * export (R-LOG-1, R-LOG-2, R-LOG-3).
 *
 * kagid checks the live chain it owns; archive files belong to the
 * administrator, so kagictl checks them itself with the one chain code
 * (audit_chain.c) and joins them to the live chain at the boundary kagid
 * reports.  An archive is written to a new file (O_EXCL | O_NOFOLLOW,
 * mode 0600), flushed to disk with its directory, and only then does
 * kagid remove the records, naming the last one by its hash; a failure
 * at any point leaves every record in the live chain.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_chain.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

/* Largest archive file kagictl reads. */
#define ARCHIVE_FILE_MAX (512L * 1024 * 1024)

int
ctl_audit_anchor(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	const char *h;
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_AUDIT_HEAD), &reply)) != 0)
		return ex;
	h = ctl_jstr(reply, "hash");
	if (ctl->json)
		(void)ctl_print_json(reply);
	else if (h != NULL && strspn(h, "0123456789abcdef") == AUDIT_HEX_LEN)
		printf("%lld:%s\n", (long long)ctl_jint(reply, "seq"), h);
	else
		ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	json_object_put(reply);
	return ex;
}

int
ctl_records_page(const struct ctl *ctl, int64_t after, int filtered,
    struct json_object **reply)
{
	struct json_object *req;

	if ((req = proto_request_new(OP_AUDIT_RECORDS)) != NULL &&
	    (proto_set_int(req, "after", after) != 0 ||
	    (filtered && ctl->since != 0 &&
	    proto_set_int(req, "since", ctl->since) != 0) ||
	    (filtered && ctl->until != 0 &&
	    proto_set_int(req, "until", ctl->until) != 0) ||
	    (filtered && ctl->filter_user != NULL &&
	    proto_set_str(req, "user", ctl->filter_user) != 0) ||
	    (filtered && ctl->event != NULL &&
	    proto_set_str(req, "event", ctl->event) != 0))) {
		json_object_put(req);
		req = NULL;
	}
	return ctl_run(ctl, req, reply);
}

int
ctl_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return KAGI_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	int fd, r = 0;

	if (strlen(path) >= sizeof(dir))
		return KAGI_ERR_TOO_LARGE;
	strcpy(dir, path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return KAGI_ERR_IO;
	if (fsync(fd) != 0)
		r = KAGI_ERR_IO;
	close(fd);
	return r;
}

int
ctl_audit_archive(struct ctl *ctl)
{
	struct json_object *reply = NULL, *recs, *o, *req;
	char clean[PATH_MAX], hex[AUDIT_HEX_LEN + 1], full[PATH_MAX];
	const char *line, *h;
	int64_t after = 0, first = 0, last = 0, n = 0;
	size_t i, len;
	int fd = -1, ex = CTL_EXIT_OK, done = 0, r;

	if (ctl->before == 0) {
		ctl_err(_("'%s' needs --before DATE"), "audit archive");
		return CTL_EXIT_USAGE;
	}
	ctl_clean(ctl->file, clean, sizeof(clean));
	hex[0] = '\0';
	fd = open(ctl->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		ctl_err(_("cannot create the archive %s: %s (it must not "
		    "exist yet)"), clean, strerror(errno));
		return CTL_EXIT_UNREACHABLE;
	}
	while (!done) {
		if ((ex = ctl_records_page(ctl, after, 0, &reply)) != 0)
			goto fail;
		if (!json_object_object_get_ex(reply, "records", &recs) ||
		    !json_object_is_type(recs, json_type_array)) {
			ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
			goto fail;
		}
		len = json_object_array_length(recs);
		for (i = 0; i < len && !done; i++) {
			o = json_object_array_get_idx(recs, i);
			if (ctl_jint(o, "time") >= ctl->before) {
				done = 1;
				break;
			}
			line = json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
			if (ctl_write_all(fd, line, strlen(line)) != 0 ||
			    ctl_write_all(fd, "\n", 1) != 0) {
				ctl_err(_("cannot write the archive %s: %s"),
				    clean, strerror(errno));
				ex = CTL_EXIT_UNREACHABLE;
				goto fail;
			}
			last = ctl_jint(o, "seq");
			if (first == 0)
				first = last;
			if ((h = ctl_jstr(o, "hash")) == NULL ||
			    strlen(h) != AUDIT_HEX_LEN) {
				ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
				goto fail;
			}
			memcpy(hex, h, sizeof(hex));
			n++;
		}
		if (!ctl_jbool(reply, "more"))
			done = 1;
		after = ctl_jint(reply, "next");
		json_object_put(reply);
		reply = NULL;
	}
	if (n == 0) {
		close(fd);
		(void)unlink(ctl->file);
		printf(_("no audit record is older than the date given: "
		    "nothing archived\n"));
		return CTL_EXIT_OK;
	}
	/* Durable before a single record leaves the live chain. */
	if (fsync(fd) != 0 || close(fd) != 0 || fsync_dir_of(ctl->file) != 0) {
		fd = -1;
		ctl_err(_("cannot write the archive %s: %s"), clean,
		    strerror(errno));
		ex = CTL_EXIT_UNREACHABLE;
		goto fail;
	}
	fd = -1;
	/* Its full name, so that verify can name it when it goes missing. */
	if (realpath(ctl->file, full) == NULL)
		snprintf(full, sizeof(full), "%s", ctl->file);
	req = ctl_request(ctl, OP_AUDIT_ARCHIVE);
	if (req != NULL && (proto_set_int(req, "through_seq", last) != 0 ||
	    proto_set_str(req, "hash", hex) != 0 ||
	    proto_set_str(req, "file", full) != 0)) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0) {
		ctl_err(_("the records stay in the live chain; %s is only a "
		    "copy"), clean);
		return ex;
	}
	json_object_put(reply);
	printf(_("archived audit records %lld to %lld to %s\n"),
	    (long long)first, (long long)last, clean);
	return CTL_EXIT_OK;
 fail:
	r = ex;
	json_object_put(reply);
	if (fd >= 0)
		close(fd);
	(void)unlink(ctl->file);
	return r;
}

/* A record for a SIEM: fields as an object, not as text. */
static struct json_object *
export_obj(struct json_object *o)
{
	struct json_object *e, *f = NULL;
	const char *ft = ctl_jstr(o, "fields");

	if ((e = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(o, k, v) {
		if (strcmp(k, "fields") == 0)
			continue;
		json_object_object_add(e, k, json_object_get(v));
	}
	if (ft != NULL && proto_decode_payload((const uint8_t *)ft,
	    strlen(ft), &f) != 0)
		f = json_object_new_string(ft);
	json_object_object_add(e, "fields", f);
	return e;
}

int
ctl_audit_export(struct ctl *ctl)
{
	const char *hdr[7] = { _("SEQ"), _("TIME"), _("CORE"), _("ACTOR"),
	    _("EVENT"), _("USER"), _("FIELDS") };
	struct json_object *reply = NULL, *recs, *o, *e;
	struct ctl_table *t = NULL;
	char seq[24], when[32];
	int64_t after = 0;
	size_t i, len;
	int ex = CTL_EXIT_OK, more = 1;

	if (!ctl->json && (t = ctl_table_new(7, hdr)) == NULL)
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	while (more) {
		if ((ex = ctl_records_page(ctl, after, 1, &reply)) != 0)
			goto out;
		if (!json_object_object_get_ex(reply, "records", &recs) ||
		    !json_object_is_type(recs, json_type_array)) {
			ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
			goto out;
		}
		len = json_object_array_length(recs);
		for (i = 0; i < len; i++) {
			const char *row[7];

			o = json_object_array_get_idx(recs, i);
			if (ctl->json) {
				if ((e = export_obj(o)) == NULL) {
					ex = ctl_fail(ctl, KAGI_ERR_NOMEM,
					    NULL);
					goto out;
				}
				printf("%s\n", json_object_to_json_string_ext(e,
				    JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(e);
				continue;
			}
			snprintf(seq, sizeof(seq), "%lld",
			    (long long)ctl_jint(o, "seq"));
			row[0] = seq;
			row[1] = ctl_time(ctl_jint(o, "time"), when,
			    sizeof(when));
			/* "-": written before records named their core. */
			row[2] = ctl_jstr(o, "core") != NULL ?
			    ctl_jstr(o, "core") : "-";
			row[3] = ctl_jstr(o, "actor");
			row[4] = ctl_jstr(o, "event");
			row[5] = ctl_jstr(o, "user");
			row[6] = ctl_jstr(o, "fields");
			if (ctl_table_add(t, row) != 0) {
				ex = ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
				goto out;
			}
		}
		more = ctl_jbool(reply, "more");
		after = ctl_jint(reply, "next");
		json_object_put(reply);
		reply = NULL;
	}
	if (t != NULL)
		ctl_table_print(t, stdout);
 out:
	json_object_put(reply);
	ctl_table_free(&t);
	return ex;
}

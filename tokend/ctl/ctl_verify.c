/*
 * ctl_verify.c - kagictl audit verify and audit key (R-LOG-1, R-LOG-2).
 *
 * kagid checks the live chain it owns and compares it with its newest
 * signed checkpoint and its archives' boundary; the archive files and a
 * copy of the checkpoints kept elsewhere belong to the administrator, so
 * kagictl checks them itself with the one chain and checkpoint code
 * (audit_chain.c, checkpoint.c):
 *  - the archives, given oldest first, must start at record 1 and each
 *    continue exactly where the one before ended, and the last must end
 *    where the live chain begins; a gap names the records, and the file
 *    kagid archived them to;
 *  - every checkpoint of --checkpoints FILE must be signed by a key kagid
 *    knows (its own, or audit_verify_keys), and the newest must match the
 *    chain: a chain re-signed on this machine after the copy was taken
 *    differs from it (kagictl(8): what this proves and what it does not).
 * Exit 1 on any break; nothing is changed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_chain.h"
#include "checkpoint.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "safefile.h"
#include "store.h"
#include "wipe.h"

/* Largest archive file kagictl reads. */
#define ARCHIVE_FILE_MAX (512L * 1024 * 1024)

/* What a break means, for the person reading. */
static const char *
break_words(const char *why)
{
	if (strcmp(why, "edited") == 0)
		return _("its contents do not match its hash: it was edited");
	if (strcmp(why, "missing") == 0)
		return _("it is missing: it was deleted");
	if (strcmp(why, "relinked") == 0)
		return _("it does not link to the record before it: a record "
		    "was inserted, replaced or reordered");
	if (strcmp(why, "out_of_order") == 0)
		return _("its sequence number is out of order: records were "
		    "reordered");
	if (strcmp(why, "bad_start") == 0)
		return _("the chain does not start where it should: the "
		    "oldest records were deleted or replaced");
	if (strcmp(why, "time_back") == 0)
		return _("its time is before the record's before it, and no "
		    "clock step was recorded: the chain was rewritten");
	return _("it is not a valid record");
}

/* A record whose hash must be looked up in the archives. */
struct want {
	int64_t seq;		/* 0 = none */
	int found;
	uint8_t hash[32];
};
#define WANT_ANCHOR 0
#define WANT_CHECKPOINT 1
#define WANTS 2

struct verify {
	struct ctl *ctl;
	struct json_object *reply;	/* kagid's verify */
	struct json_object *archives;	/* what kagid archived, and where */
	struct audit_walk w;
	int64_t arch_first, arch_last;
	struct want want[WANTS];
	int ex;
};

/* One checkpoint of the copy, as much as the comparison needs. */
struct fcp {
	int64_t seq;
	uint8_t hash[32];
	int64_t time;
	char key[CP_KEYID_LEN + 1];
	size_t line;
	int archive;		/* made at an archive: covers a boundary */
};

struct cp_file {
	struct cp_keys keys;
	struct fcp *v;
	size_t n, cap;
	const char *path;
	size_t checked;		/* compared with a record */
	int ex;
};

static struct cp_file *walk_file;
static int fcp_match(struct verify *v, struct cp_file *f, int64_t seq,
    const uint8_t hash[32]);

static int
want_cb(const struct audit_rec *rec, void *arg)
{
	struct verify *v = arg;
	int i;

	/* The copy's checkpoints of archived records, compared here. */
	if (walk_file != NULL && fcp_match(v, walk_file, rec->seq,
	    rec->hash) != 0) {
		v->ex = CTL_EXIT_REFUSED;	/* said already */
		return KAGI_ERR_INVALID;
	}

	if (v->arch_first == 0)
		v->arch_first = rec->seq;
	v->arch_last = rec->seq;
	for (i = 0; i < WANTS; i++)
		if (v->want[i].seq == rec->seq) {
			v->want[i].found = 1;
			memcpy(v->want[i].hash, rec->hash, 32);
		}
	return 0;
}

/* The file kagid archived record seq to, or NULL. */
static const char *
archived_to(const struct verify *v, int64_t seq)
{
	size_t i, n;

	n = v->archives != NULL ? json_object_array_length(v->archives) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(v->archives,
		    i);

		if (ctl_jint(a, "first") <= seq && seq <= ctl_jint(a, "through"))
			return ctl_jstr(a, "file");
	}
	return NULL;
}

/* Records from..to are missing: say where kagid put them, if it knows. */
static void
say_missing(const struct verify *v, const char *where, int64_t from,
    int64_t to)
{
	char f[512];
	const char *file = archived_to(v, from);

	if (from == to && file != NULL && file[0] != '\0')
		ctl_err(_("%s: record %lld is missing: kagid archived it to %s; "
		    "give every archive, oldest first"), where,
		    (long long)from, ctl_clean(file, f, sizeof(f)));
	else if (from == to)
		ctl_err(_("%s: record %lld is missing: it was deleted"), where,
		    (long long)from);
	else if (file != NULL && file[0] != '\0')
		ctl_err(_("%s: records %lld to %lld are missing: kagid archived "
		    "them to %s; give every archive, oldest first"), where,
		    (long long)from, (long long)to, ctl_clean(file, f,
		    sizeof(f)));
	else
		ctl_err(_("%s: records %lld to %lld are missing: an archive "
		    "was left out or deleted, or records were removed"), where,
		    (long long)from, (long long)to);
}

/* The archives in order, as one chain from record 1 (exit code). */
static int
verify_archives(struct verify *v)
{
	const struct ctl *ctl = v->ctl;
	char err[256], clean[512], where[600];
	enum audit_break why = AUDIT_OK;
	uint8_t zero[32];
	char *buf = NULL;
	size_t len = 0, line = 0;
	int64_t bad = 0;
	int i, r;

	memset(zero, 0, sizeof(zero));
	audit_walk_start(&v->w, 1, zero);
	for (i = 0; i < ctl->narchives; i++) {
		ctl_clean(ctl->archives[i], clean, sizeof(clean));
		if ((r = safefile_read(ctl->archives[i], getuid(),
		    ARCHIVE_FILE_MAX, &buf, &len, err, sizeof(err))) != 0) {
			ctl_err(_("cannot read the archive %s: %s"), clean,
			    err);
			return CTL_EXIT_UNREACHABLE;
		}
		r = audit_archive_read(buf, len, &v->w, want_cb, v, &line,
		    &bad, &why);
		free(buf);
		buf = NULL;
		if (r == 0)
			continue;
		if (v->ex != 0)
			return v->ex;
		snprintf(where, sizeof(where), _("archive %s, line %zu"),
		    clean, line);
		if (why == AUDIT_OK)
			ctl_err(_("%s: not a valid audit record"), where);
		else if ((why == AUDIT_MISSING || why == AUDIT_BAD_START) &&
		    v->w.seen_seq > v->w.next_seq)
			say_missing(v, where, v->w.next_seq,
			    v->w.seen_seq - 1);
		else
			ctl_err(_("%s: audit record %lld: %s"), where,
			    (long long)bad, break_words(audit_break_name(why)));
		return CTL_EXIT_REFUSED;
	}
	return 0;
}

/* The archives end exactly where the live chain begins. */
static int
verify_join(struct verify *v)
{
	uint8_t first_prev[32];
	const char *fp = ctl_jstr(v->reply, "first_prev");
	int64_t first = ctl_jint(v->reply, "first_seq");

	if (v->ctl->narchives == 0) {
		if (first > 1 && !v->ctl->json)
			printf(_("records 1 to %lld are in archives, not "
			    "checked here: give them with --archive, oldest "
			    "first\n"), (long long)(first - 1));
		return 0;
	}
	if (v->w.count > 0 && v->w.next_seq < first) {
		say_missing(v, _("between the archives and the live chain"),
		    v->w.next_seq, first - 1);
		return CTL_EXIT_REFUSED;
	}
	if (v->w.count == 0 || fp == NULL || audit_unhex(fp, first_prev) != 0 ||
	    v->w.next_seq != first ||
	    kagi_ct_memcmp(v->w.next_prev, first_prev, 32) != 0) {
		ctl_err(_("the archives end at record %lld but the live chain "
		    "starts at record %lld with another link: an archive is "
		    "missing, or records were removed"),
		    (long long)(v->w.next_seq - 1), (long long)first);
		return CTL_EXIT_REFUSED;
	}
	return 0;
}

/* A state ("archived" resolved through w): ok, cut, differs, unchecked. */
static const char *
resolve(const char *state, const struct want *w, const uint8_t hash[32])
{
	if (state == NULL)
		return "unchecked";
	if (strcmp(state, "archived") != 0)
		return state;
	if (!w->found)
		return "unchecked";
	return kagi_ct_memcmp(w->hash, hash, 32) == 0 ? "ok" : "differs";
}

/* --anchor SEQ:HASH: exit code. */
static int
check_anchor(struct verify *v, int64_t aseq, const uint8_t ahash[32])
{
	const char *st = resolve(ctl_jstr(v->reply, "anchor"),
	    &v->want[WANT_ANCHOR], ahash);

	if (strcmp(st, "cut") == 0) {
		ctl_err(_("the audit chain ends at record %lld, before the "
		    "anchor's record %lld: the newest records were cut off"),
		    (long long)ctl_jint(v->reply, "head_seq"), (long long)aseq);
		return CTL_EXIT_REFUSED;
	}
	if (strcmp(st, "differs") == 0) {
		ctl_err(_("record %lld does not have the anchor's hash: the "
		    "chain was rewritten from there on"), (long long)aseq);
		return CTL_EXIT_REFUSED;
	}
	if (strcmp(st, "unchecked") == 0) {
		ctl_err(_("the anchor's record %lld was archived: give its "
		    "archive with --archive to check it"), (long long)aseq);
		return CTL_EXIT_REFUSED;
	}
	return 0;
}

/* What a checkpoint's state means (cp: its reply object), exit code. */
static int
say_checkpoint(struct verify *v, const char *what, struct json_object *cp,
    const char *st, int64_t seq)
{
	char when[32], key[32];

	ctl_time(ctl_jint(cp, "time"), when, sizeof(when));
	ctl_clean(ctl_jstr(cp, "key"), key, sizeof(key));
	if (strcmp(st, "cut") == 0) {
		ctl_err(_("the audit chain ends at record %lld, but %s (signed "
		    "%s by key %s) says it had reached record %lld: the "
		    "newest records were removed"),
		    (long long)ctl_jint(v->reply, "head_seq"), what, when, key,
		    (long long)seq);
		return CTL_EXIT_REFUSED;
	}
	if (strcmp(st, "differs") == 0) {
		ctl_err(_("record %lld does not have the hash %s (signed %s by "
		    "key %s) gives it: the chain was rewritten"),
		    (long long)seq, what, when, key);
		return CTL_EXIT_REFUSED;
	}
	if (strcmp(st, "unchecked") == 0) {
		ctl_err(_("%s is of record %lld, which was archived: give its "
		    "archive with --archive to check it"), what,
		    (long long)seq);
		return CTL_EXIT_REFUSED;
	}
	if (!v->ctl->json)
		printf(_("%s: record %lld, signed %s by key %s: matches\n"),
		    what, (long long)seq, when, key);
	return 0;
}

/*
 * Does a validly signed archive checkpoint of the copy name the boundary
 * (record seq with hash)?  Several cores on one database: the core that
 * archived signed it in its own log, which the others have not got.
 */
static int
file_covers(const struct cp_file *f, int64_t seq, const char *hex)
{
	uint8_t h[32];
	size_t i;

	if (f == NULL || hex == NULL || audit_unhex(hex, h) != 0)
		return 0;
	for (i = 0; i < f->n; i++)
		if (f->v[i].seq == seq && f->v[i].archive &&
		    kagi_ct_memcmp(f->v[i].hash, h, 32) == 0)
			return 1;
	return 0;
}

/* kagid's newest signed checkpoint and the archives' boundary. */
static int
check_own(struct verify *v)
{
	struct json_object *cp = NULL, *b = NULL;
	const char *st, *bs;
	uint8_t h[32];
	int ex = 0;

	(void)json_object_object_get_ex(v->reply, "checkpoint", &cp);
	(void)json_object_object_get_ex(v->reply, "boundary", &b);
	st = ctl_jstr(cp, "state");
	if (st == NULL || strcmp(st, "bad") == 0) {
		ctl_err(_("the checkpoint log's last line is not a checkpoint "
		    "signed by a key kagid knows: it was altered"));
		ex = CTL_EXIT_REFUSED;
	} else if (strcmp(st, "none") == 0) {
		if (!v->ctl->json)
			printf(_("no signed checkpoint yet: a cut or rewritten "
			    "chain cannot be told from a whole one\n"));
	} else {
		memset(h, 0, sizeof(h));
		if (ctl_jstr(cp, "hash") != NULL)
			(void)audit_unhex(ctl_jstr(cp, "hash"), h);
		ex = say_checkpoint(v, _("the newest signed checkpoint"), cp,
		    resolve(st, &v->want[WANT_CHECKPOINT], h),
		    ctl_jint(cp, "seq"));
	}
	bs = ctl_jstr(b, "state");
	if (bs != NULL && strcmp(bs, "uncovered") == 0 &&
	    file_covers(walk_file, ctl_jint(b, "seq"),
	    ctl_jstr(v->reply, "first_prev"))) {
		if (!v->ctl->json)
			printf(_("the live chain starts after record %lld: a "
			    "signed checkpoint of that archive in the "
			    "checkpoints given covers the boundary\n"),
			    (long long)ctl_jint(b, "seq"));
	} else if (bs != NULL && strcmp(bs, "uncovered") == 0) {
		ctl_err(_("the live chain starts after record %lld, but no "
		    "signed checkpoint of an archive covers that boundary: "
		    "the oldest records were removed without an archive"),
		    (long long)ctl_jint(b, "seq"));
		if (walk_file == NULL)
			ctl_err(_("(with several cores, the core that archived "
			    "signed that checkpoint in its own log: give its "
			    "checkpoints with --checkpoints FILE)"));
		ex = CTL_EXIT_REFUSED;
	}
	return ex;
}

/* --- --checkpoints FILE ---------------------------------------------------- */

static int
cp_file_cb(const struct checkpoint *cp, size_t line, void *arg)
{
	struct cp_file *f = arg;
	char path[512], key[32];
	struct fcp *grown;
	size_t cap;
	int r;

	if ((r = cp_verify(&f->keys, cp)) != 0) {
		ctl_clean(f->path, path, sizeof(path));
		ctl_clean(cp->key, key, sizeof(key));
		if (r == KAGI_ERR_NOT_FOUND && cp->core[0] != '\0') {
			char core[CP_CORE_MAX + 8];

			ctl_clean(cp->core, core, sizeof(core));
			ctl_err(_("%s, line %zu: checkpoint of record %lld by "
			    "core %s is signed by key %s, which is not a key "
			    "kagid knows for core %s (audit_verify_keys: "
			    "\"ed25519 HEX core=%s\")"), path, line,
			    (long long)cp->seq, core, key, core, core);
		} else if (r == KAGI_ERR_NOT_FOUND)
			ctl_err(_("%s, line %zu: checkpoint of record %lld is "
			    "signed by key %s, which kagid does not know"),
			    path, line, (long long)cp->seq, key);
		else
			ctl_err(_("%s, line %zu: checkpoint of record %lld is "
			    "not validly signed: it was altered"), path, line,
			    (long long)cp->seq);
		f->ex = CTL_EXIT_REFUSED;
		return 1;
	}
	if (f->n == f->cap) {
		cap = f->cap == 0 ? 1024 : f->cap * 2;
		if ((grown = reallocarray(f->v, cap, sizeof(*grown))) == NULL)
			return KAGI_ERR_NOMEM;
		f->v = grown;
		f->cap = cap;
	}
	f->v[f->n].seq = cp->seq;
	memcpy(f->v[f->n].hash, cp->hash, 32);
	f->v[f->n].time = cp->time;
	memcpy(f->v[f->n].key, cp->key, sizeof(f->v[f->n].key));
	f->v[f->n].line = line;
	f->v[f->n].archive = strcmp(cp->reason, "archive") == 0;
	f->n++;
	return 0;
}

static int
fcp_cmp(const void *a, const void *b)
{
	const struct fcp *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The keys kagid knows, then every checkpoint of the file checked. */
static int
read_cp_file(struct ctl *ctl, struct cp_file *f)
{
	struct json_object *reply = NULL, *keys = NULL;
	uint8_t pub[CP_KEY_LEN];
	char err[256], path[512], core[CP_CORE_MAX + 1];
	size_t i, n, bad = 0;
	int ex, r;

	f->path = ctl->checkpoints;
	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_AUDIT_KEY), &reply)) != 0)
		return ex;
	(void)json_object_object_get_ex(reply, "keys", &keys);
	n = keys != NULL ? json_object_array_length(keys) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(keys, i);
		const char *k = ctl_jstr(o, "key");

		if (k == NULL || cp_key_parse(k, pub, core) != 0 ||
		    cp_keys_add(&f->keys, pub, ctl_jstr(o, "core")) != 0) {
			json_object_put(reply);
			return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
		}
	}
	json_object_put(reply);
	err[0] = '\0';
	r = cp_log_read(ctl->checkpoints, getuid(), cp_file_cb, f, &bad, err,
	    sizeof(err));
	ctl_clean(ctl->checkpoints, path, sizeof(path));
	if (r != 0) {
		ctl_err(_("cannot use the checkpoints %s: %s"), path,
		    err[0] != '\0' ? err : kagi_strerror(r));
		return r == KAGI_ERR_INVALID ? CTL_EXIT_REFUSED :
		    CTL_EXIT_UNREACHABLE;
	}
	if (f->ex == 0 && f->n == 0) {
		ctl_err(_("%s holds no checkpoint"), path);
		return CTL_EXIT_REFUSED;
	}
	qsort(f->v, f->n, sizeof(*f->v), fcp_cmp);
	return f->ex;
}

/* Compare a record with every checkpoint of its seq (exit code). */
static int
fcp_match(struct verify *v, struct cp_file *f, int64_t seq,
    const uint8_t hash[32])
{
	char path[512], when[32], key[32];
	size_t lo = 0, hi = f->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < f->n && f->v[lo].seq == seq; lo++) {
		f->checked++;
		if (kagi_ct_memcmp(f->v[lo].hash, hash, 32) == 0)
			continue;
		ctl_clean(f->path, path, sizeof(path));
		ctl_time(f->v[lo].time, when, sizeof(when));
		ctl_clean(f->v[lo].key, key, sizeof(key));
		ctl_err(_("record %lld does not have the hash the checkpoint of "
		    "%s, line %zu (signed %s by key %s) gives it: the chain was "
		    "rewritten after that checkpoint was made"),
		    (long long)seq, path, f->v[lo].line, when, key);
		(void)v;
		return CTL_EXIT_REFUSED;
	}
	return 0;
}

/* The live records the copy names, fetched page by page (exit code). */
static int
check_live(struct verify *v, struct cp_file *f)
{
	struct json_object *reply = NULL, *recs;
	uint8_t h[32];
	int64_t first = ctl_jint(v->reply, "first_seq"),
	    head = ctl_jint(v->reply, "head_seq"), after, seq;
	size_t i, n;
	int ex = 0, more = 1;

	if (f->n == 0 || f->v[f->n - 1].seq < first)
		return 0;
	after = f->v[0].seq > first ? f->v[0].seq - 1 : first - 1;
	while (more && after < f->v[f->n - 1].seq && after < head) {
		if ((ex = ctl_records_page(v->ctl, after, 0, &reply)) != 0)
			return ex;
		if (!json_object_object_get_ex(reply, "records", &recs) ||
		    !json_object_is_type(recs, json_type_array)) {
			json_object_put(reply);
			return ctl_fail(v->ctl, KAGI_ERR_INVALID, NULL);
		}
		n = json_object_array_length(recs);
		for (i = 0; i < n && ex == 0; i++) {
			struct json_object *o = json_object_array_get_idx(recs,
			    i);

			seq = ctl_jint(o, "seq");
			if (ctl_jstr(o, "hash") == NULL ||
			    audit_unhex(ctl_jstr(o, "hash"), h) != 0)
				ex = ctl_fail(v->ctl, KAGI_ERR_INVALID, NULL);
			else
				ex = fcp_match(v, f, seq, h);
		}
		more = ctl_jbool(reply, "more");
		after = ctl_jint(reply, "next");
		json_object_put(reply);
		reply = NULL;
		if (ex != 0)
			return ex;
	}
	return 0;
}

/* Every checkpoint of the copy against the chain (exit code). */
static int
check_file(struct verify *v, struct cp_file *f)
{
	char path[512], when[32], key[32];
	const struct fcp *last;
	int64_t first = ctl_jint(v->reply, "first_seq"),
	    head = ctl_jint(v->reply, "head_seq");
	size_t unchecked = 0, i;
	int ex;

	ctl_clean(f->path, path, sizeof(path));
	last = &f->v[f->n - 1];
	if (last->seq > head) {
		ctl_time(last->time, when, sizeof(when));
		ctl_clean(last->key, key, sizeof(key));
		ctl_err(_("the audit chain ends at record %lld, but the "
		    "checkpoint of %s, line %zu (signed %s by key %s) says it "
		    "had reached record %lld: the newest records were removed"),
		    (long long)head, path, last->line, when, key,
		    (long long)last->seq);
		return CTL_EXIT_REFUSED;
	}
	if ((ex = check_live(v, f)) != 0)
		return ex;
	for (i = 0; i < f->n; i++)
		if (f->v[i].seq < first && v->ctl->narchives == 0)
			unchecked++;
	if (!v->ctl->json) {
		printf(_("%zu checkpoints in %s, every one signed by a key "
		    "kagid knows; %zu compared with their records: all "
		    "match\n"), f->n, path, f->checked);
		if (unchecked > 0)
			printf(_("%zu of them are of archived records, not "
			    "checked here: give the archives with --archive\n"),
			    unchecked);
	}
	return 0;
}

/* A verify request, with an anchor when aseq != 0. */
static int
verify_request(struct ctl *ctl, int64_t aseq, const uint8_t ahash[32],
    struct json_object **reply)
{
	struct json_object *req = ctl_request(ctl, OP_AUDIT_VERIFY);
	char hex[AUDIT_HEX_LEN + 1];

	if (req != NULL && aseq != 0) {
		audit_hex(ahash, hex);
		if (proto_set_int(req, "anchor_seq", aseq) != 0 ||
		    proto_set_str(req, "anchor_hash", hex) != 0) {
			json_object_put(req);
			req = NULL;
		}
	}
	return ctl_run(ctl, req, reply);
}

/* The anchor's parts: seq and 32-byte hash (checked by kagictl.c). */
static int
anchor_parse(const char *a, int64_t *seq, uint8_t hash[32])
{
	const char *c = strchr(a, ':');
	char num[24], *end;
	long long x;
	size_t n;

	if (c == NULL || (n = (size_t)(c - a)) == 0 || n >= sizeof(num))
		return KAGI_ERR_INVALID;
	memcpy(num, a, n);
	num[n] = '\0';
	if (strspn(num, "0123456789") != n)
		return KAGI_ERR_INVALID;
	x = strtoll(num, &end, 10);
	if (*end != '\0' || x < 1 || audit_unhex(c + 1, hash) != 0)
		return KAGI_ERR_INVALID;
	*seq = x;
	return 0;
}

/* The state kagid gives an anchor in a reply, as a want for archives. */
static void
want_if_archived(struct want *w, struct json_object *o, const char *key,
    int64_t seq)
{
	const char *st = ctl_jstr(o, key);

	if (st != NULL && strcmp(st, "archived") == 0)
		w->seq = seq;
}

/* Which cores wrote the live chain (several kagid on one database). */
static void
say_cores(const struct verify *v)
{
	struct json_object *cores = NULL, *o;
	char name[STORE_CORE_MAX + 8];
	size_t i, n;

	(void)json_object_object_get_ex(v->reply, "cores", &cores);
	n = cores != NULL && json_object_is_type(cores, json_type_array) ?
	    json_object_array_length(cores) : 0;
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(cores, i);
		if (ctl_jstr(o, "core") == NULL) {
			printf(_("  records %lld to %lld name no core "
			    "(%lld, written before schema 14)\n"),
			    (long long)ctl_jint(o, "first"),
			    (long long)ctl_jint(o, "last"),
			    (long long)ctl_jint(o, "records"));
			continue;
		}
		ctl_clean(ctl_jstr(o, "core"), name, sizeof(name));
		printf(_("  core %s wrote %lld records (%lld to %lld)\n"),
		    name, (long long)ctl_jint(o, "records"),
		    (long long)ctl_jint(o, "first"),
		    (long long)ctl_jint(o, "last"));
	}
}

int
ctl_audit_verify(struct ctl *ctl)
{
	struct verify v;
	struct cp_file cf;
	struct json_object *cp = NULL;
	uint8_t ahash[32];
	int64_t aseq = 0, first, head;
	const char *why;
	int ex;

	memset(&v, 0, sizeof(v));
	memset(&cf, 0, sizeof(cf));
	v.ctl = ctl;
	if (ctl->anchor != NULL && anchor_parse(ctl->anchor, &aseq,
	    ahash) != 0) {
		ctl_err(_("--anchor is SEQ:HASH as kagictl audit anchor prints "
		    "it"));
		return CTL_EXIT_USAGE;
	}
	if (ctl->checkpoints != NULL) {
		if ((ex = read_cp_file(ctl, &cf)) != 0)
			goto out;
		walk_file = &cf;
	}
	if ((ex = verify_request(ctl, aseq, ahash, &v.reply)) != 0)
		goto out;
	(void)json_object_object_get_ex(v.reply, "archives", &v.archives);
	(void)json_object_object_get_ex(v.reply, "checkpoint", &cp);
	want_if_archived(&v.want[WANT_ANCHOR], v.reply, "anchor", aseq);
	want_if_archived(&v.want[WANT_CHECKPOINT], cp, "state",
	    ctl_jint(cp, "seq"));
	if (ctl->json)
		(void)ctl_print_json(v.reply);
	if (ctl->narchives > 0 && (ex = verify_archives(&v)) != 0)
		goto out;
	first = ctl_jint(v.reply, "first_seq");
	head = ctl_jint(v.reply, "head_seq");
	why = ctl_jstr(v.reply, "why");
	if (!ctl_jbool(v.reply, "intact")) {
		ctl_err(_("the audit chain does not verify: record %lld: %s"),
		    (long long)ctl_jint(v.reply, "bad_seq"),
		    break_words(why != NULL ? why : ""));
		ex = CTL_EXIT_REFUSED;
		goto out;
	}
	if ((ex = verify_join(&v)) != 0 ||
	    (aseq != 0 && (ex = check_anchor(&v, aseq, ahash)) != 0))
		goto out;
	ex = check_own(&v);
	if (ex == 0 && ctl->checkpoints != NULL)
		ex = check_file(&v, &cf);
	if (ex == 0 && !ctl->json) {
		if (ctl->narchives > 0)
			printf(_("audit chain intact: records %lld to %lld in "
			    "%d archive(s), %lld to %lld live\n"),
			    (long long)v.arch_first, (long long)v.arch_last,
			    ctl->narchives, (long long)first, (long long)head);
		else
			printf(_("audit chain intact: records %lld to %lld\n"),
			    (long long)first, (long long)head);
		say_cores(&v);
		if (aseq != 0)
			printf(_("anchor %lld matches\n"), (long long)aseq);
	}
 out:
	walk_file = NULL;
	free(cf.v);
	json_object_put(v.reply);
	return ex;
}

int
ctl_audit_key(struct ctl *ctl)
{
	struct json_object *reply = NULL, *keys = NULL, *k;
	char text[CP_KEY_LEN * 2 + 16], host[300], id[32];
	char cname[CP_CORE_MAX + 8], core[CP_CORE_MAX + 16];
	size_t i, n;
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_AUDIT_KEY), &reply)) != 0)
		return ex;
	if (ctl->json) {
		(void)ctl_print_json(reply);
		goto out;
	}
	(void)json_object_object_get_ex(reply, "keys", &keys);
	n = keys != NULL ? json_object_array_length(keys) : 0;
	ctl_clean(ctl_jstr(reply, "host"), host, sizeof(host));
	/* One line a key, as audit_verify_keys takes it: the core whose
	 * checkpoints it verifies, then a comment. */
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(keys, i);
		core[0] = '\0';
		if (ctl_jstr(k, "core") != NULL)
			snprintf(core, sizeof(core), "core=%s ",
			    ctl_clean(ctl_jstr(k, "core"), cname,
			    sizeof(cname)));
		printf("%s %s%s%s key=%s\n", ctl_clean(ctl_jstr(k, "key"),
		    text, sizeof(text)), core, ctl_jbool(k, "own") ?
		    "kagid@" : "", ctl_jbool(k, "own") ? host : "configured",
		    ctl_clean(ctl_jstr(k, "id"), id, sizeof(id)));
	}
 out:
	json_object_put(reply);
	return ex;
}

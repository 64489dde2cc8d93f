/*
 * h_audit.c - the audit chain's requests: verify, head (anchor), records
 * (export and archive), archive (R-LOG-1, R-LOG-2, R-LOG-3).
 *
 * Only PEER_ADMIN callers reach these (dispatch.c).  kagid owns the live
 * chain and checks it here; archive files are the administrator's and
 * kagictl checks them itself with the same code (audit_chain.c), joining
 * them to the live chain through the boundary this file reports.
 * Records leave kagid page by page, each reply well under the frame
 * limit.  Moving records out (audit_archive) happens only after kagictl
 * has made the archive file durable, names the last archived record by
 * its seq and hash, and is itself an audit record.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "audit_daemon.h"
#include "audit_chain.h"
#include "clock.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "wipe.h"

/* Bytes of records per reply, well under KAGI_FRAME_MAX. */
#define RECORDS_BYTES_MAX (40 * 1024)
#define RECORDS_LIMIT_MAX 1000
#define RECORDS_LIMIT_DEFAULT 200

static int
set_hex(struct json_object *o, const char *key, const uint8_t h[32])
{
	char hex[AUDIT_HEX_LEN + 1];

	audit_hex(h, hex);
	return proto_set_str(o, key, hex);
}

struct find_rec {
	int64_t seq;
	int found;
	uint8_t hash[AUDIT_HASH_LEN];
};

static int
find_rec_cb(const struct audit_rec *rec, void *arg)
{
	struct find_rec *f = arg;

	if (rec->seq == f->seq) {
		f->found = 1;
		memcpy(f->hash, rec->hash, AUDIT_HASH_LEN);
	}
	return 1;	/* only the first record after seq - 1 */
}

/* What an anchor says about the live chain: ok, cut, differs, archived. */
static int
anchor_state(struct kagid_ctx *ctx, int64_t aseq, const uint8_t ahash[32],
    int64_t first, int64_t head, const char **state)
{
	struct find_rec f;
	int r;

	if (aseq > head) {
		*state = "cut";
		return 0;
	}
	if (aseq < first) {
		*state = "archived";
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.seq = aseq;
	if ((r = store_audit_scan(ctx->store, aseq - 1, find_rec_cb, &f)) != 0)
		return r;
	*state = f.found && kagi_ct_memcmp(f.hash, ahash, AUDIT_HASH_LEN) == 0 ?
	    "ok" : "differs";
	return 0;
}

/* A new object at the end of arr; NULL when out of memory. */
static struct json_object *
array_new_object(struct json_object *arr)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
archive_cb(const struct audit_archive_rec *a, void *arg)
{
	struct json_object *o;
	int r;

	if ((o = array_new_object(arg)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "first", a->first_seq)) != 0 ||
	    (r = proto_set_int(o, "through", a->through_seq)) != 0 ||
	    (r = set_hex(o, "hash", a->hash)) != 0 ||
	    (r = proto_set_str(o, "file", a->file)) != 0 ||
	    (r = proto_set_int(o, "time", a->time)) != 0)
		return r;
	return 0;
}

static int
core_cb(const char *core, int64_t records, int64_t first, int64_t last,
    void *arg)
{
	struct json_object *o;
	int r;

	if ((o = array_new_object(arg)) == NULL)
		return KAGI_ERR_NOMEM;
	/* Records older than schema 14 name no core: "core" is absent. */
	if ((core != NULL && (r = proto_set_str(o, "core", core)) != 0) ||
	    (r = proto_set_int(o, "records", records)) != 0 ||
	    (r = proto_set_int(o, "first", first)) != 0 ||
	    (r = proto_set_int(o, "last", last)) != 0)
		return r;
	return 0;
}

/* "cores": who wrote the live chain (several kagid on one database). */
static int
cores_reply(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *arr;

	if ((arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "cores", arr);
	return store_audit_cores(ctx->store, core_cb, arr);
}

/* "archives": every archive made, oldest first, with its file. */
static int
archives_reply(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *arr;

	if ((arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "archives", arr);
	return store_audit_archives(ctx->store, archive_cb, arr);
}

int
h_audit_verify(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	uint8_t prev[32], head[32], ahash[32];
	const char *ahex = NULL, *astate = NULL;
	int64_t first = 0, hseq = 0, bad = 0, aseq = 0;
	int why = 0, r;

	(void)peer;
	if ((r = proto_get_int_opt(req, "anchor_seq", 0, INT64_MAX,
	    &aseq)) != 0 ||
	    (r = proto_get_str_opt(req, "anchor_hash", AUDIT_HEX_LEN,
	    &ahex)) != 0)
		return r;
	if ((aseq != 0) != (ahex != NULL))
		return KAGI_ERR_INVALID;
	if (ahex != NULL && (r = audit_unhex(ahex, ahash)) != 0)
		return r;
	if ((r = store_audit_boundary(ctx->store, &first, prev)) != 0 ||
	    (r = store_audit_head(ctx->store, &hseq, head)) != 0)
		return r;
	r = store_audit_check(ctx->store, &bad, &why);
	if (r != 0 && r != KAGI_ERR_INVALID)
		return r;
	if (r == KAGI_ERR_INVALID)
		kagi_log(LOG_ALERT, "audit chain broken at seq %lld (%s): "
		    "records were edited, deleted, inserted or reordered "
		    "(R-LOG-2)", (long long)bad,
		    audit_break_name((enum audit_break)why));
	if ((r = proto_set_bool(reply, "intact", r == 0)) != 0 ||
	    (r = proto_set_int(reply, "bad_seq", bad)) != 0 ||
	    (r = proto_set_str(reply, "why",
	    audit_break_name((enum audit_break)why))) != 0 ||
	    (r = proto_set_int(reply, "first_seq", first)) != 0 ||
	    (r = set_hex(reply, "first_prev", prev)) != 0 ||
	    (r = proto_set_int(reply, "head_seq", hseq)) != 0 ||
	    (r = set_hex(reply, "head_hash", head)) != 0)
		return r;
	if (ahex != NULL) {
		if ((r = anchor_state(ctx, aseq, ahash, first, hseq,
		    &astate)) != 0 ||
		    (r = proto_set_str(reply, "anchor", astate)) != 0)
			return r;
	}
	/* The newest signed checkpoint, the archives' boundary, and the
	 * archives made, so kagictl can name a missing one. */
	if ((r = audit_daemon_verify(ctx, reply)) != 0 ||
	    (r = cores_reply(ctx, reply)) != 0)
		return r;
	return archives_reply(ctx, reply);
}

int
h_audit_head(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	uint8_t head[32];
	int64_t seq = 0;
	int r;

	(void)peer;
	(void)req;
	if ((r = store_audit_head(ctx->store, &seq, head)) != 0 ||
	    (r = proto_set_int(reply, "seq", seq)) != 0 ||
	    (r = set_hex(reply, "hash", head)) != 0)
		return r;
	return 0;
}

struct rec_page {
	struct json_object *arr;
	int64_t since, until;		/* 0 = open */
	const char *user, *event;	/* NULL = any */
	int64_t limit;
	int64_t n;
	size_t bytes;
	int64_t last;			/* last seq looked at */
	int more;
	int err;
};

static int
rec_page_cb(const struct audit_rec *rec, void *arg)
{
	struct rec_page *p = arg;
	struct json_object *o = NULL;
	size_t len;
	int r;

	if (p->n >= p->limit || p->bytes >= RECORDS_BYTES_MAX) {
		p->more = 1;
		return 1;
	}
	p->last = rec->seq;
	if ((p->since != 0 && rec->time < p->since) ||
	    (p->until != 0 && rec->time >= p->until) ||
	    (p->user != NULL && (rec->user == NULL ||
	    strcmp(p->user, rec->user) != 0)) ||
	    (p->event != NULL && strcmp(p->event, rec->event) != 0))
		return 0;
	if ((r = audit_rec_to_archive_json(rec, &o)) != 0)
		return r;
	len = strlen(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	if (json_object_array_add(p->arr, o) != 0) {
		json_object_put(o);
		return KAGI_ERR_NOMEM;
	}
	p->n++;
	p->bytes += len;
	return 0;
}

int
h_audit_records(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct rec_page p;
	int64_t after = 0;
	int r;

	(void)peer;
	memset(&p, 0, sizeof(p));
	p.limit = RECORDS_LIMIT_DEFAULT;
	if ((r = proto_get_int_opt(req, "after", 0, INT64_MAX, &after)) != 0 ||
	    (r = proto_get_int_opt(req, "since", 0, INT64_MAX,
	    &p.since)) != 0 ||
	    (r = proto_get_int_opt(req, "until", 0, INT64_MAX,
	    &p.until)) != 0 ||
	    (r = proto_get_str_opt(req, "user", KAGI_NAME_MAX, &p.user)) != 0 ||
	    (r = proto_get_str_opt(req, "event", KAGI_NAME_MAX,
	    &p.event)) != 0 ||
	    (r = proto_get_int_opt(req, "limit", 1, RECORDS_LIMIT_MAX,
	    &p.limit)) != 0)
		return r;
	if ((p.arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	p.last = after;
	if ((r = store_audit_scan(ctx->store, after, rec_page_cb, &p)) != 0) {
		json_object_put(p.arr);
		return r;
	}
	json_object_object_add(reply, "records", p.arr);
	if ((r = proto_set_int(reply, "next", p.last)) != 0 ||
	    (r = proto_set_bool(reply, "more", p.more)) != 0)
		return r;
	return 0;
}

int
h_audit_archive(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *f = NULL;
	const char *hex = NULL, *file = "";
	uint8_t hash[32];
	int64_t through = 0, bad = 0;
	int r, why = 0;

	(void)reply;
	if ((r = proto_get_int(req, "through_seq", 1, INT64_MAX,
	    &through)) != 0 ||
	    (r = proto_get_str(req, "hash", AUDIT_HEX_LEN, &hex)) != 0 ||
	    (r = audit_unhex(hex, hash)) != 0 ||
	    (r = proto_get_str_opt(req, "file", STORE_ARCHIVE_FILE_MAX,
	    &file)) != 0)
		return r;
	if (file == NULL)
		file = "";
	/* Nothing is archived, nor its boundary signed, from a chain that
	 * does not verify or was changed behind kagid (R-LOG-2). */
	if ((r = store_audit_check(ctx->store, &bad, &why)) != 0 ||
	    !audit_chain_extends(ctx)) {
		kagi_log(LOG_ALERT, "audit archive refused: the audit chain "
		    "does not verify (kagictl audit verify)");
		return r == KAGI_ERR_INVALID || r == 0 ? KAGI_ERR_STATE : r;
	}
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	/* The record first: the live chain is never left empty. */
	if ((r = proto_set_int(f, "through_seq", through)) != 0 ||
	    (r = proto_set_str(f, "hash", hex)) != 0 ||
	    (r = proto_set_str(f, "file", file)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "audit_archive", NULL,
	    f)) != 0 ||
	    (r = store_audit_archive(ctx->store, through, hash, file,
	    kagi_now())) != 0)
		goto out;
	/* The boundary, signed: a forged one is found (R-LOG-2). */
	r = audit_checkpoint(ctx, through, hash, "archive");
out:
	json_object_put(f);
	return r;
}

int
h_audit_key(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return audit_daemon_keys(ctx, reply);
}

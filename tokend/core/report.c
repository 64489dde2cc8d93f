/*
 * report.c - the auditors' reports and the counts status shows
 * (report.h).
 *
 * Guarantees: every report reads only through the store's interface
 * (users, tokens, locks, audit records); an audit record whose fields do
 * not parse is skipped for the report (store_audit_check() is what judges
 * the chain); rows have a fixed order (users by name; groups by user then
 * source; events by sequence), so output can be compared exactly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kagi_err.h"
#include "failures.h"
#include "lockout.h"
#include "names.h"
#include "proto.h"
#include "report.h"
#include "store_policy.h"

#define DAY_SECONDS (24 * 3600)


/* --- small JSON helpers ------------------------------------------------ */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

/* Append to a row: a string (NULL: null), an integer. */
static int
cell_str(struct json_object *row, const char *s)
{
	struct json_object *v = NULL;

	if (s != NULL && (v = json_object_new_string(s)) == NULL)
		return KAGI_ERR_NOMEM;
	if (json_object_array_add(row, v) != 0) {
		json_object_put(v);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

static int
cell_int(struct json_object *row, int64_t n)
{
	struct json_object *v;

	if ((v = json_object_new_int64(n)) == NULL)
		return KAGI_ERR_NOMEM;
	if (json_object_array_add(row, v) != 0) {
		json_object_put(v);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

/* Set "report", "columns" (NULL-terminated) and take rows into reply. */
/* Append *row to rows; the row is handed over (NULL after) on success. */
static int
rows_push(struct json_object *rows, struct json_object **row)
{
	if (json_object_array_add(rows, *row) != 0)
		return KAGI_ERR_NOMEM;
	*row = NULL;
	return 0;
}

static int
report_reply(struct json_object *reply, const char *name,
    const char *const *cols, struct json_object *rows)
{
	struct json_object *c;
	int r;

	if ((c = json_object_new_array()) == NULL) {
		json_object_put(rows);
		return KAGI_ERR_NOMEM;
	}
	for (; *cols != NULL; cols++)
		if ((r = cell_str(c, *cols)) != 0) {
			json_object_put(c);
			json_object_put(rows);
			return r;
		}
	json_object_object_add(reply, "columns", c);
	json_object_object_add(reply, "rows", rows);
	return proto_set_str(reply, "report", name);
}

/* The fields of a record as an object (caller puts), NULL when none. */
static struct json_object *
rec_fields(const struct audit_rec *rec)
{
	struct json_object *o = NULL;

	if (rec->fields == NULL || rec->fields[0] == '\0')
		return NULL;
	if (proto_decode_payload((const uint8_t *)rec->fields,
	    strlen(rec->fields), &o) != 0)
		return NULL;
	return o;
}

/* --- users and their tokens -------------------------------------------- */

struct user_info {
	struct user_rec u;
	struct lock_rec l;
	int locked;
	int64_t active_tokens;
	char factors[64];	/* "totp", "fido2", "totp,fido2"; "" = none */
	int64_t last_token_use;
};

struct user_set {
	struct kagid_ctx *ctx;
	struct user_info *v;
	size_t n, cap;
};

static int
factor_cb(const struct token_rec *t, void *arg)
{
	struct user_info *ui = arg;
	const char *name = t->type == TOKEN_FIDO2 ? "fido2" : "totp";

	ui->active_tokens++;
	if (t->last_used > ui->last_token_use)
		ui->last_token_use = t->last_used;
	if (strstr(ui->factors, name) == NULL) {
		if (ui->factors[0] != '\0')
			strncat(ui->factors, ",", sizeof(ui->factors) -
			    strlen(ui->factors) - 1);
		strncat(ui->factors, name, sizeof(ui->factors) -
		    strlen(ui->factors) - 1);
	}
	return 0;
}

static int
user_set_cb(const struct user_rec *u, void *arg)
{
	struct user_set *us = arg;
	struct user_info *ui, *grown;
	size_t cap;

	if (us->n == us->cap) {
		cap = us->cap == 0 ? 32 : us->cap * 2;
		if ((grown = reallocarray(us->v, cap, sizeof(*grown))) == NULL)
			return KAGI_ERR_NOMEM;
		us->v = grown;
		us->cap = cap;
	}
	ui = &us->v[us->n];
	memset(ui, 0, sizeof(*ui));
	ui->u = *u;
	us->n++;
	return 0;
}

/* Every user by name, with lock state and active factors. */
static int
users_load(struct kagid_ctx *ctx, struct user_set *us)
{
	int64_t now = kagi_now();
	size_t i;
	int r;

	memset(us, 0, sizeof(*us));
	us->ctx = ctx;
	if ((r = store_user_list(ctx->store, user_set_cb, us)) != 0)
		return r;
	for (i = 0; i < us->n; i++) {
		struct user_info *ui = &us->v[i];

		/* Locked: the account, or its remote log-ins (failures.h). */
		if ((r = failures_any_locked(ctx->store, ui->u.id, now, &ui->l,
		    &ui->locked)) != 0)
			return r;
		ui->locked = ui->locked != 0;
		if ((r = store_token_list(ctx->store, ui->u.id, TOKEN_ACTIVE,
		    factor_cb, ui)) < 0)
			return r;
	}
	return 0;
}

static void
users_free(struct user_set *us)
{
	free(us->v);
	memset(us, 0, sizeof(*us));
}

static struct user_info *
users_find(struct user_set *us, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < us->n; i++)
		if (strcmp(us->v[i].u.name, name) == 0)
			return &us->v[i];
	return NULL;
}

static const char *
user_state(const struct user_info *ui)
{
	if (ui->u.disabled)
		return "disabled";
	if (ui->locked)
		return "locked";
	return "active";
}

/* --- the audit records, once over -------------------------------------- */

/*
 * What the reports need from the records, gathered in one scan:
 *  grants:   user -> {since, granted_by, approved_by, role} (last
 *            user_add or role_change).  An act carried out on approval
 *            is written by its approver right after the approve record
 *            (approval.c): it is granted by the request's requester and
 *            approved by that approver.
 *  approvals: user -> {requester, approver} (an approve record whose act
 *            is not yet seen)
 *  sessions: session id -> {user, service, source, start, end,
 *            duration, vendor}
 *  breaks:   break-glass id -> {user, time, service, source, reason,
 *            reported, report_time, reporter}
 *  requests: request id -> {user, time, action, target, requester,
 *            state, by, decided}
 *  sources:  "user\tsource" -> {user, source, failures, lockouts,
 *            unconfirmed, first, last} (auth failures, lockouts and
 *            unconfirmed second factors at or after since)
 */
struct scan {
	struct user_set *us;
	int64_t since;
	struct json_object *grants, *sessions, *breaks, *requests, *sources;
	struct json_object *approvals;
	int64_t oldest;
};

static const char *
source_of(struct json_object *f)
{
	const char *s = jstr(f, "rhost");

	if (s == NULL || s[0] == '\0')
		s = jstr(f, "tty");
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* The string id of a record's key field (integer or string), or NULL. */
static const char *
id_of(struct json_object *f, const char *key, char *buf, size_t len)
{
	struct json_object *v;

	if (f == NULL || !json_object_object_get_ex(f, key, &v) || v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
		return buf;
	}
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* obj[key], created as an empty object when absent. */
static struct json_object *
entry(struct json_object *map, const char *key)
{
	struct json_object *e;

	if (json_object_object_get_ex(map, key, &e))
		return e;
	if ((e = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_add(map, key, e) != 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static int
put_str(struct json_object *o, const char *key, const char *v)
{
	if (v == NULL)
		return json_object_object_add(o, key, NULL) == 0 ? 0 :
		    KAGI_ERR_NOMEM;
	return proto_set_str(o, key, v);
}

static int
is_vendor(struct scan *sc, const char *user, struct json_object *f)
{
	struct user_info *ui;
	const char *role = jstr(f, "role");
	int n = -1;

	if (role != NULL)
		return role_from_name(role, &n) == 0 && n == ROLE_VENDOR;
	ui = users_find(sc->us, user);
	return ui != NULL && ui->u.role == ROLE_VENDOR;
}

/* A request's id: "request" (audit.h), or "id" as approval.c writes it. */
static const char *
request_id_of(struct json_object *f, char *buf, size_t len)
{
	const char *id = id_of(f, "request", buf, len);

	return id != NULL ? id : id_of(f, "id", buf, len);
}

/*
 * Who granted and who approved the user_add or role_change rec: the
 * record's approved_by when it has one; else the approval of a request
 * for this user whose approver wrote rec (the approved act), else nobody.
 */
static int
put_grant(struct scan *sc, struct json_object *e,
    const struct audit_rec *rec, struct json_object *f)
{
	struct json_object *a = NULL;
	const char *by = jstr(f, "approved_by"), *ap;
	int r;

	if (by == NULL &&
	    json_object_object_get_ex(sc->approvals, rec->user, &a) &&
	    (ap = jstr(a, "approver")) != NULL && rec->actor != NULL &&
	    strcmp(ap, rec->actor) == 0) {
		if ((r = put_str(e, "granted_by", jstr(a, "requester"))) != 0 ||
		    (r = put_str(e, "approved_by", ap)) != 0)
			return r;
		json_object_object_del(sc->approvals, rec->user);
		return 0;
	}
	if ((r = put_str(e, "granted_by", rec->actor)) != 0 ||
	    (r = put_str(e, "approved_by", by)) != 0)
		return r;
	return 0;
}

static int
scan_record(struct scan *sc, const struct audit_rec *rec,
    struct json_object *f)
{
	const char *ev = rec->event, *id, *out, *act, *what = NULL;
	struct json_object *e;
	char idbuf[32], key[STORE_NAME_MAX + KAGI_FIELD_MAX + 2];
	int r = 0;

	if (strcmp(ev, "user_add") == 0 || strcmp(ev, "role_change") == 0) {
		if (rec->user == NULL || (e = entry(sc->grants,
		    rec->user)) == NULL)
			return rec->user == NULL ? 0 : KAGI_ERR_NOMEM;
		if ((r = proto_set_int(e, "since", rec->time)) != 0 ||
		    (r = put_grant(sc, e, rec, f)) != 0 ||
		    (r = put_str(e, "role", jstr(f, "role") != NULL ?
		    jstr(f, "role") : jstr(f, "to"))) != 0)
			return r;
	} else if (strcmp(ev, "session_open") == 0 ||
	    strcmp(ev, "session_close") == 0) {
		if ((id = id_of(f, "session", idbuf, sizeof(idbuf))) == NULL ||
		    (e = entry(sc->sessions, id)) == NULL)
			return id == NULL ? 0 : KAGI_ERR_NOMEM;
		if ((r = put_str(e, "user", rec->user)) != 0 ||
		    (r = put_str(e, "service", jstr(f, "service"))) != 0 ||
		    (r = put_str(e, "source", source_of(f))) != 0 ||
		    (r = proto_set_int(e, "start", jint(f, "started") != 0 ?
		    jint(f, "started") : rec->time)) != 0 ||
		    (r = proto_set_bool(e, "vendor", is_vendor(sc, rec->user,
		    f))) != 0)
			return r;
		if (ev[8] == 'c' &&
		    ((r = proto_set_int(e, "end", jint(f, "ended") != 0 ?
		    jint(f, "ended") : rec->time)) != 0 ||
		    (r = proto_set_int(e, "duration", jint(f, "duration"))) != 0))
			return r;
	} else if (strcmp(ev, "breakglass_use") == 0) {
		if ((id = id_of(f, "id", idbuf, sizeof(idbuf))) == NULL) {
			snprintf(idbuf, sizeof(idbuf), "seq%lld",
			    (long long)rec->seq);
			id = idbuf;
		}
		if ((e = entry(sc->breaks, id)) == NULL)
			return KAGI_ERR_NOMEM;
		if ((r = put_str(e, "user", rec->user)) != 0 ||
		    (r = proto_set_int(e, "time", rec->time)) != 0 ||
		    (r = put_str(e, "source", source_of(f))) != 0 ||
		    (r = put_str(e, "reason", jstr(f, "reason"))) != 0)
			return r;
	} else if (strcmp(ev, "breakglass_report") == 0) {
		if ((id = id_of(f, "id", idbuf, sizeof(idbuf))) == NULL ||
		    !json_object_object_get_ex(sc->breaks, id, &e))
			return 0;
		if ((r = proto_set_int(e, "reported", rec->time)) != 0 ||
		    (r = put_str(e, "reporter", rec->actor)) != 0)
			return r;
	} else if (strcmp(ev, "request") == 0) {
		if ((id = request_id_of(f, idbuf, sizeof(idbuf))) == NULL ||
		    (e = entry(sc->requests, id)) == NULL)
			return id == NULL ? 0 : KAGI_ERR_NOMEM;
		if ((r = put_str(e, "user", rec->user)) != 0 ||
		    (r = proto_set_int(e, "time", rec->time)) != 0 ||
		    (r = put_str(e, "action", jstr(f, "action"))) != 0 ||
		    (r = put_str(e, "requester", rec->actor)) != 0 ||
		    (r = put_str(e, "state", "open")) != 0)
			return r;
	} else if (strcmp(ev, "approve") == 0 || strcmp(ev, "reject") == 0 ||
	    strcmp(ev, "request_expire") == 0 ||
	    strcmp(ev, "request_failed") == 0) {
		/* Only these acts grant a role (kagid_config.c's names). */
		act = jstr(f, "action");
		if (ev[0] == 'a' && rec->user != NULL && act != NULL &&
		    (strcmp(act, "role_privileged") == 0 ||
		    strcmp(act, "vendor_add") == 0)) {
			if ((e = json_object_new_object()) == NULL)
				return KAGI_ERR_NOMEM;
			if (json_object_object_add(sc->approvals, rec->user,
			    e) != 0) {
				json_object_put(e);
				return KAGI_ERR_NOMEM;
			}
			if ((r = put_str(e, "requester", jstr(f,
			    "requester"))) != 0 ||
			    (r = put_str(e, "approver", rec->actor)) != 0)
				return r;
		}
		if ((id = request_id_of(f, idbuf, sizeof(idbuf))) == NULL ||
		    !json_object_object_get_ex(sc->requests, id, &e))
			return 0;
		if ((r = put_str(e, "state", ev[0] == 'a' ? "approved" :
		    strcmp(ev, "reject") == 0 ? "rejected" :
		    strcmp(ev, "request_failed") == 0 ? "failed" :
		    "expired")) != 0 ||
		    (r = put_str(e, "by", rec->actor)) != 0)
			return r;
	}
	if (rec->time < sc->since || rec->user == NULL)
		return 0;
	/*
	 * Failures, lockouts, and second factors that were right but whose
	 * log-in the rest of the stack never confirmed (login_confirm.c):
	 * a log-in is counted only once confirmed ("success").
	 */
	out = jstr(f, "outcome");
	if (strcmp(ev, "lockout") == 0)
		what = "lockouts";
	else if (strcmp(ev, "auth") == 0 && out != NULL &&
	    strcmp(out, "failure") == 0)
		what = "failures";
	else if (strcmp(ev, "auth") == 0 && out != NULL &&
	    strcmp(out, "unconfirmed") == 0)
		what = "unconfirmed";
	if (what != NULL) {
		snprintf(key, sizeof(key), "%s\t%s", rec->user, source_of(f));
		if ((e = entry(sc->sources, key)) == NULL)
			return KAGI_ERR_NOMEM;
		if (!json_object_object_get_ex(e, "user", NULL) &&
		    ((r = put_str(e, "user", rec->user)) != 0 ||
		    (r = put_str(e, "source", source_of(f))) != 0 ||
		    (r = proto_set_int(e, "first", rec->time)) != 0))
			return r;
		if ((r = proto_set_int(e, what, jint(e, what) + 1)) != 0 ||
		    (r = proto_set_int(e, "last", rec->time)) != 0)
			return r;
	}
	return 0;
}

static int
scan_cb(const struct audit_rec *rec, void *arg)
{
	struct scan *sc = arg;
	struct json_object *f = rec_fields(rec);
	int r;

	if (sc->oldest == 0)
		sc->oldest = rec->time;
	r = scan_record(sc, rec, f);
	json_object_put(f);
	return r;
}

static void
scan_free(struct scan *sc)
{
	json_object_put(sc->grants);
	json_object_put(sc->sessions);
	json_object_put(sc->breaks);
	json_object_put(sc->requests);
	json_object_put(sc->sources);
	json_object_put(sc->approvals);
	memset(sc, 0, sizeof(*sc));
}

static int
scan_run(struct kagid_ctx *ctx, struct user_set *us, int64_t since,
    struct scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->us = us;
	sc->since = since;
	if ((sc->grants = json_object_new_object()) == NULL ||
	    (sc->sessions = json_object_new_object()) == NULL ||
	    (sc->breaks = json_object_new_object()) == NULL ||
	    (sc->requests = json_object_new_object()) == NULL ||
	    (sc->sources = json_object_new_object()) == NULL ||
	    (sc->approvals = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	return store_audit_scan(ctx->store, 0, scan_cb, sc);
}

/* Load users and scan the records; on failure both are freed. */
static int
gather(struct kagid_ctx *ctx, int64_t since, struct user_set *us,
    struct scan *sc)
{
	int r;

	memset(sc, 0, sizeof(*sc));
	if ((r = users_load(ctx, us)) != 0 ||
	    (r = scan_run(ctx, us, since, sc)) != 0) {
		scan_free(sc);
		users_free(us);
	}
	return r;
}

/* --- the reports --------------------------------------------------------- */

int
report_dormant(struct kagid_ctx *ctx, int64_t days, struct json_object *reply)
{
	static const char *const cols[] = { "user", "role", "state",
	    "factors", "last_login", "days", NULL };
	struct user_set us;
	struct json_object *rows = NULL, *row = NULL;
	int64_t now = kagi_now(), last, cutoff;
	size_t i;
	int r;

	cutoff = now - days * DAY_SECONDS;
	if ((r = users_load(ctx, &us)) != 0)
		goto out;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < us.n; i++) {
		struct user_info *ui = &us.v[i];

		/* The account: last log-in, or creation when it never had one. */
		last = ui->u.last_success != 0 ? ui->u.last_success :
		    ui->u.created;
		if (last >= cutoff)
			continue;
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, ui->u.name)) != 0 ||
		    (r = cell_str(row, role_name(ui->u.role))) != 0 ||
		    (r = cell_str(row, user_state(ui))) != 0 ||
		    (r = cell_str(row, ui->factors[0] != '\0' ? ui->factors : NULL)) != 0 ||
		    (r = cell_int(row, ui->u.last_success)) != 0 ||
		    (r = cell_int(row, (now - last) / DAY_SECONDS)) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	r = report_reply(reply, "dormant", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	users_free(&us);
	return r;
}

int
report_access(struct kagid_ctx *ctx, struct json_object *reply)
{
	static const char *const cols[] = { "user", "role", "state",
	    "factors", "tokens", "last_login", "created", "granted_by",
	    "approved_by", NULL };
	struct user_set us;
	struct scan sc;
	struct json_object *rows = NULL, *row = NULL, *g;
	size_t i;
	int r;

	if ((r = gather(ctx, 0, &us, &sc)) != 0)
		return r;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < us.n; i++) {
		struct user_info *ui = &us.v[i];

		g = NULL;
		(void)json_object_object_get_ex(sc.grants, ui->u.name, &g);
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, ui->u.name)) != 0 ||
		    (r = cell_str(row, role_name(ui->u.role))) != 0 ||
		    (r = cell_str(row, user_state(ui))) != 0 ||
		    (r = cell_str(row, ui->factors[0] != '\0' ? ui->factors : NULL)) != 0 ||
		    (r = cell_int(row, ui->active_tokens)) != 0 ||
		    (r = cell_int(row, ui->u.last_success)) != 0 ||
		    (r = cell_int(row, ui->u.created)) != 0 ||
		    (r = cell_str(row, jstr(g, "granted_by"))) != 0 ||
		    (r = cell_str(row, jstr(g, "approved_by"))) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	r = report_reply(reply, "access", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	scan_free(&sc);
	users_free(&us);
	return r;
}

int
report_privileged(struct kagid_ctx *ctx, struct json_object *reply)
{
	static const char *const cols[] = { "user", "state", "since",
	    "granted_by", "approved_by", "factors", "last_login", NULL };
	struct user_set us;
	struct scan sc;
	struct json_object *rows = NULL, *row = NULL, *g;
	size_t i;
	int r;

	if ((r = gather(ctx, 0, &us, &sc)) != 0)
		return r;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < us.n; i++) {
		struct user_info *ui = &us.v[i];

		if (ui->u.role != ROLE_PRIVILEGED)
			continue;
		g = NULL;
		(void)json_object_object_get_ex(sc.grants, ui->u.name, &g);
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, ui->u.name)) != 0 ||
		    (r = cell_str(row, user_state(ui))) != 0 ||
		    (r = cell_int(row, g != NULL ? jint(g, "since") :
		    ui->u.created)) != 0 ||
		    (r = cell_str(row, jstr(g, "granted_by"))) != 0 ||
		    (r = cell_str(row, jstr(g, "approved_by"))) != 0 ||
		    (r = cell_str(row, ui->factors[0] != '\0' ? ui->factors : NULL)) != 0 ||
		    (r = cell_int(row, ui->u.last_success)) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	r = report_reply(reply, "privileged", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	scan_free(&sc);
	users_free(&us);
	return r;
}

/* Rows ordered by their first cell, then their second (both strings). */
static int
row_cmp(const void *a, const void *b)
{
	struct json_object *ra = *(struct json_object *const *)a;
	struct json_object *rb = *(struct json_object *const *)b;
	int i, c;

	for (i = 0; i < 2; i++) {
		c = strcmp(json_object_get_string(
		    json_object_array_get_idx(ra, (size_t)i)),
		    json_object_get_string(
		    json_object_array_get_idx(rb, (size_t)i)));
		if (c != 0)
			return c;
	}
	return 0;
}

int
report_lockouts(struct kagid_ctx *ctx, int64_t since, struct json_object *reply)
{
	static const char *const cols[] = { "user", "source", "failures",
	    "lockouts", "first", "last", "locked_now", "unconfirmed", NULL };
	struct user_set us;
	struct scan sc;
	struct json_object *rows = NULL, *row = NULL;
	struct user_info *ui;
	int r;

	if ((r = gather(ctx, since, &us, &sc)) != 0)
		return r;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	json_object_object_foreach(sc.sources, k, e) {
		(void)k;
		ui = users_find(&us, jstr(e, "user"));
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, jstr(e, "user"))) != 0 ||
		    (r = cell_str(row, jstr(e, "source"))) != 0 ||
		    (r = cell_int(row, jint(e, "failures"))) != 0 ||
		    (r = cell_int(row, jint(e, "lockouts"))) != 0 ||
		    (r = cell_int(row, jint(e, "first"))) != 0 ||
		    (r = cell_int(row, jint(e, "last"))) != 0 ||
		    (r = cell_str(row, ui != NULL && ui->locked ? "yes" :
		    "no")) != 0 ||
		    (r = cell_int(row, jint(e, "unconfirmed"))) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	json_object_array_sort(rows, row_cmp);
	r = report_reply(reply, "lockouts", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	scan_free(&sc);
	users_free(&us);
	return r;
}

/* The worker, place and work of user's permit (R-REM-5), as cells. */
static int
permit_cells(struct kagid_ctx *ctx, const char *user, struct json_object *row)
{
	struct vendor_rec v;
	struct user_rec u;
	int r;

	memset(&v, 0, sizeof(v));
	r = user != NULL ? store_user_get(ctx->store, user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == 0)
		r = store_vendor_get(ctx->store, u.id, &v);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		return r;
	if ((r = cell_str(row, v.worker[0] != '\0' ? v.worker : NULL)) != 0 ||
	    (r = cell_str(row, v.place[0] != '\0' ? v.place : NULL)) != 0)
		return r;
	return cell_str(row, v.work[0] != '\0' ? v.work : NULL);
}

int
report_vendors(struct kagid_ctx *ctx, int64_t since, struct json_object *reply)
{
	static const char *const cols[] = { "user", "worker", "place", "work",
	    "session", "service", "source", "start", "end", "duration", "state",
	    NULL };
	struct user_set us;
	struct scan sc;
	struct json_object *rows = NULL, *row = NULL;
	int64_t end;
	int r;

	if ((r = gather(ctx, since, &us, &sc)) != 0)
		return r;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	json_object_object_foreach(sc.sessions, id, e) {
		struct json_object *v = NULL;

		end = jint(e, "end");
		if (!json_object_object_get_ex(e, "vendor", &v) ||
		    !json_object_get_boolean(v) ||
		    (end != 0 ? end : INT64_MAX) < since)
			continue;
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, jstr(e, "user"))) != 0 ||
		    (r = permit_cells(ctx, jstr(e, "user"), row)) != 0 ||
		    (r = cell_str(row, id)) != 0 ||
		    (r = cell_str(row, jstr(e, "service"))) != 0 ||
		    (r = cell_str(row, jstr(e, "source"))) != 0 ||
		    (r = cell_int(row, jint(e, "start"))) != 0 ||
		    (r = cell_int(row, end)) != 0 ||
		    (r = cell_int(row, jint(e, "duration"))) != 0 ||
		    (r = cell_str(row, end != 0 ? "closed" : "open")) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	r = report_reply(reply, "vendors", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	scan_free(&sc);
	users_free(&us);
	return r;
}

int
report_exceptions(struct kagid_ctx *ctx, struct json_object *reply)
{
	static const char *const cols[] = { "kind", "id", "user", "time",
	    "state", "by", "detail", NULL };
	struct user_set us;
	struct scan sc;
	struct json_object *rows = NULL, *row = NULL;
	int64_t rep;
	int r;

	if ((r = gather(ctx, 0, &us, &sc)) != 0)
		return r;
	if ((rows = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	/* Every break-glass use, with its report or still open (R-EXC-1). */
	json_object_object_foreach(sc.breaks, bid, b) {
		rep = jint(b, "reported");
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, "breakglass")) != 0 ||
		    (r = cell_str(row, bid)) != 0 ||
		    (r = cell_str(row, jstr(b, "user"))) != 0 ||
		    (r = cell_int(row, jint(b, "time"))) != 0 ||
		    (r = cell_str(row, rep != 0 ? "reported" : "open")) != 0 ||
		    (r = cell_str(row, jstr(b, "reporter"))) != 0 ||
		    (r = cell_str(row, jstr(b, "reason"))) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	/* Requests still waiting for a second administrator. */
	json_object_object_foreach(sc.requests, qid, q) {
		const char *st = jstr(q, "state");

		if (st == NULL || strcmp(st, "open") != 0)
			continue;
		if ((row = json_object_new_array()) == NULL ||
		    (r = cell_str(row, "request")) != 0 ||
		    (r = cell_str(row, qid)) != 0 ||
		    (r = cell_str(row, jstr(q, "user"))) != 0 ||
		    (r = cell_int(row, jint(q, "time"))) != 0 ||
		    (r = cell_str(row, "open")) != 0 ||
		    (r = cell_str(row, jstr(q, "requester"))) != 0 ||
		    (r = cell_str(row, jstr(q, "action"))) != 0)
			goto out;
		if ((r = rows_push(rows, &row)) != 0)
			goto out;
	}
	r = report_reply(reply, "exceptions", cols, rows);
	rows = NULL;
 out:
	if (r == 0 && row != NULL)
		r = KAGI_ERR_NOMEM;
	json_object_put(row);
	json_object_put(rows);
	scan_free(&sc);
	users_free(&us);
	return r;
}

int
report_counts(struct kagid_ctx *ctx, struct report_counts *c)
{
	struct user_set us;
	struct scan sc;
	int64_t cutoff = kagi_now() - ctx->cfg->dormant_days * DAY_SECONDS;
	int64_t last;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = gather(ctx, INT64_MAX, &us, &sc)) != 0)
		return r;
	c->users = (int64_t)us.n;
	for (i = 0; i < us.n; i++) {
		c->locked += us.v[i].locked;
		last = us.v[i].u.last_success != 0 ? us.v[i].u.last_success :
		    us.v[i].u.created;
		if (last < cutoff)
			c->dormant++;
	}
	json_object_object_foreach(sc.sessions, sid, s) {
		(void)sid;
		if (jint(s, "end") == 0)
			c->open_sessions++;
	}
	json_object_object_foreach(sc.breaks, bid, b) {
		(void)bid;
		if (jint(b, "reported") == 0)
			c->open_breakglass++;
	}
	json_object_object_foreach(sc.requests, qid, q) {
		const char *st = jstr(q, "state");

		(void)qid;
		if (st != NULL && strcmp(st, "open") == 0)
			c->open_requests++;
	}
	c->oldest_time = sc.oldest;
	scan_free(&sc);
	users_free(&us);
	return 0;
}

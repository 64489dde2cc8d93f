/*
 * report.c - the auditors' reports and the counts status and compliance
 * show (report.h).
 *
 * Guarantees: every report reads kagid's current state through the
 * store's interface - users, tokens, locks, role grants, failure counts,
 * sessions, exceptions, requests - and never the audit records, so
 * moving records to an archive changes no report (R-TOK-7, R-PRIV-1,
 * R-LOG-3, R-REM-4, R-EXC-1); the state the records alone used to carry
 * is kept as they are written (report_note.c).  Rows have a fixed order
 * (users by name; sources by user then source; sessions, exceptions and
 * requests by id), so the same store always gives the same report.
 * report_reply() is the one place that turns rows into a reply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "failures.h"
#include "lockout.h"
#include "names.h"
#include "proto.h"
#include "report.h"
#include "store_life.h"
#include "store_policy.h"
#include "store_report.h"
#include "store_session.h"

#define DAY_SECONDS (24 * 3600)

/* --- cells and the reply ------------------------------------------------- */

/* Append to a row: a string (NULL or "": null), an integer. */
static int
cell_str(struct json_object *row, const char *s)
{
	struct json_object *v = NULL;

	if (s != NULL && s[0] != '\0' &&
	    (v = json_object_new_string(s)) == NULL)
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

/* A report being built: its rows, and the row being filled. */
struct table {
	struct json_object *rows;
	struct json_object *row;
};

static int
table_open(struct table *t)
{
	memset(t, 0, sizeof(*t));
	return (t->rows = json_object_new_array()) == NULL ? KAGI_ERR_NOMEM :
	    0;
}

static int
row_begin(struct table *t)
{
	json_object_put(t->row);
	return (t->row = json_object_new_array()) == NULL ? KAGI_ERR_NOMEM : 0;
}

static int
row_end(struct table *t)
{
	if (json_object_array_add(t->rows, t->row) != 0)
		return KAGI_ERR_NOMEM;
	t->row = NULL;
	return 0;
}

static void
table_free(struct table *t)
{
	json_object_put(t->row);
	json_object_put(t->rows);
	memset(t, 0, sizeof(*t));
}

/*
 * The one place a report's table becomes its reply: {"report": name,
 * "columns": [...], "rows": [...]}.  The rows are taken (t emptied) on
 * success and on failure.
 */
static int
report_reply(struct json_object *reply, const char *name,
    const char *const *cols, struct table *t)
{
	struct json_object *c;
	int r;

	if ((c = json_object_new_array()) == NULL) {
		table_free(t);
		return KAGI_ERR_NOMEM;
	}
	for (; *cols != NULL; cols++)
		if ((r = cell_str(c, *cols)) != 0) {
			json_object_put(c);
			table_free(t);
			return r;
		}
	json_object_object_add(reply, "columns", c);
	json_object_object_add(reply, "rows", t->rows);
	t->rows = NULL;
	table_free(t);
	return proto_set_str(reply, "report", name);
}

/* --- users and their tokens -------------------------------------------- */

struct user_info {
	struct user_rec u;
	struct lock_rec l;
	int locked;
	int64_t active_tokens;
	char factors[64];	/* "totp", "fido2", "totp,fido2"; "" = none */
	struct grant_rec g;	/* user_id 0 when there is none */
};

struct user_set {
	struct user_info *v;
	size_t n, cap;
};

static int
factor_cb(const struct token_rec *t, void *arg)
{
	struct user_info *ui = arg;
	const char *name = t->type == TOKEN_FIDO2 ? "fido2" :
	    t->type == TOKEN_SSHKEY ? "sshkey" : "totp";

	ui->active_tokens++;
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
	struct user_info *grown;
	size_t cap;

	if (us->n == us->cap) {
		cap = us->cap == 0 ? 32 : us->cap * 2;
		if ((grown = reallocarray(us->v, cap, sizeof(*grown))) == NULL)
			return KAGI_ERR_NOMEM;
		us->v = grown;
		us->cap = cap;
	}
	memset(&us->v[us->n], 0, sizeof(us->v[us->n]));
	us->v[us->n].u = *u;
	us->n++;
	return 0;
}

static void
users_free(struct user_set *us)
{
	free(us->v);
	memset(us, 0, sizeof(*us));
}

/* Every user by name, with lock state, active factors and grant. */
static int
users_load(struct kagid_ctx *ctx, struct user_set *us)
{
	int64_t now = kagi_now();
	size_t i;
	int r;

	memset(us, 0, sizeof(*us));
	if ((r = store_user_list(ctx->store, user_set_cb, us)) != 0)
		goto out;
	for (i = 0; i < us->n; i++) {
		struct user_info *ui = &us->v[i];

		/* Locked: the account, or its remote log-ins (failures.h). */
		if ((r = failures_any_locked(ctx->store, ui->u.id, now, &ui->l,
		    &ui->locked)) != 0)
			goto out;
		ui->locked = ui->locked != 0;
		if ((r = store_token_list(ctx->store, ui->u.id, TOKEN_ACTIVE,
		    factor_cb, ui)) < 0)
			goto out;
		r = store_grant_get(ctx->store, ui->u.id, &ui->g);
		if (r == KAGI_ERR_NOT_FOUND)
			memset(&ui->g, 0, sizeof(ui->g));
		else if (r != 0)
			goto out;
	}
	r = 0;
 out:
	if (r != 0)
		users_free(us);
	return r;
}

static const struct user_info *
users_find(const struct user_set *us, const char *name)
{
	size_t lo = 0, hi = us->n, mid;
	int c;

	/* The store lists users by name. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(us->v[mid].u.name, name);
		if (c == 0)
			return &us->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
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

/* When the account was last used: its last log-in, else its creation. */
static int64_t
last_use(const struct user_rec *u)
{
	return u->last_success != 0 ? u->last_success : u->created;
}

/* --- the reports --------------------------------------------------------- */

int
report_dormant(struct kagid_ctx *ctx, int64_t days, struct json_object *reply)
{
	static const char *const cols[] = { "user", "role", "state",
	    "factors", "last_login", "days", NULL };
	struct user_set us;
	struct table t;
	int64_t now = kagi_now(), cutoff = now - days * DAY_SECONDS;
	size_t i;
	int r;

	if ((r = users_load(ctx, &us)) != 0)
		return r;
	if ((r = table_open(&t)) != 0)
		goto out;
	for (i = 0; i < us.n; i++) {
		const struct user_info *ui = &us.v[i];

		if (last_use(&ui->u) >= cutoff)
			continue;
		if ((r = row_begin(&t)) != 0 ||
		    (r = cell_str(t.row, ui->u.name)) != 0 ||
		    (r = cell_str(t.row, role_name(ui->u.role))) != 0 ||
		    (r = cell_str(t.row, user_state(ui))) != 0 ||
		    (r = cell_str(t.row, ui->factors)) != 0 ||
		    (r = cell_int(t.row, ui->u.last_success)) != 0 ||
		    (r = cell_int(t.row, (now - last_use(&ui->u)) /
		    DAY_SECONDS)) != 0 ||
		    (r = row_end(&t)) != 0)
			goto out;
	}
	r = report_reply(reply, "dormant", cols, &t);
 out:
	table_free(&t);
	users_free(&us);
	return r;
}

static int
access_row(struct json_object *row, const struct user_info *ui)
{
	const struct grant_rec *g = &ui->g;
	int r;

	if ((r = cell_str(row, role_name(ui->u.role))) != 0 ||
	    (r = cell_str(row, user_state(ui))) != 0 ||
	    (r = cell_str(row, ui->factors)) != 0 ||
	    (r = cell_int(row, ui->active_tokens)) != 0 ||
	    (r = cell_int(row, ui->u.last_success)) != 0 ||
	    (r = cell_int(row, ui->u.created)) != 0 ||
	    (r = cell_str(row, g->granted_by)) != 0 ||
	    (r = cell_str(row, g->approved_by)) != 0)
		return r;
	return 0;
}

static int
privileged_row(struct json_object *row, const struct user_info *ui)
{
	const struct grant_rec *g = &ui->g;
	int r;

	if ((r = cell_str(row, user_state(ui))) != 0 ||
	    (r = cell_int(row, g->user_id != 0 ? g->since :
	    ui->u.created)) != 0 ||
	    (r = cell_str(row, g->granted_by)) != 0 ||
	    (r = cell_str(row, g->approved_by)) != 0 ||
	    (r = cell_str(row, ui->factors)) != 0 ||
	    (r = cell_int(row, ui->u.last_success)) != 0)
		return r;
	return 0;
}

/* access and privileged: one row per user (only privileged ones: priv). */
static int
grants_report(struct kagid_ctx *ctx, int priv, struct json_object *reply)
{
	static const char *const access_cols[] = { "user", "role", "state",
	    "factors", "tokens", "last_login", "created", "granted_by",
	    "approved_by", NULL };
	static const char *const priv_cols[] = { "user", "state", "since",
	    "granted_by", "approved_by", "factors", "last_login", NULL };
	struct user_set us;
	struct table t;
	size_t i;
	int r;

	if ((r = users_load(ctx, &us)) != 0)
		return r;
	if ((r = table_open(&t)) != 0)
		goto out;
	for (i = 0; i < us.n; i++) {
		const struct user_info *ui = &us.v[i];

		if (priv && ui->u.role != ROLE_PRIVILEGED)
			continue;
		if ((r = row_begin(&t)) != 0 ||
		    (r = cell_str(t.row, ui->u.name)) != 0 ||
		    (r = (priv ? privileged_row : access_row)(t.row, ui)) != 0 ||
		    (r = row_end(&t)) != 0)
			goto out;
	}
	r = report_reply(reply, priv ? "privileged" : "access",
	    priv ? priv_cols : access_cols, &t);
 out:
	table_free(&t);
	users_free(&us);
	return r;
}

int
report_access(struct kagid_ctx *ctx, struct json_object *reply)
{
	return grants_report(ctx, 0, reply);
}

int
report_privileged(struct kagid_ctx *ctx, struct json_object *reply)
{
	return grants_report(ctx, 1, reply);
}

struct lockouts_walk {
	struct table *t;
	const struct user_set *us;
};

static int
lockouts_cb(const struct authstat_rec *a, void *arg)
{
	struct lockouts_walk *w = arg;
	const struct user_info *ui = users_find(w->us, a->user);
	int r;

	if ((r = row_begin(w->t)) != 0 ||
	    (r = cell_str(w->t->row, a->user)) != 0 ||
	    (r = cell_str(w->t->row, a->source)) != 0 ||
	    (r = cell_int(w->t->row, a->failures)) != 0 ||
	    (r = cell_int(w->t->row, a->lockouts)) != 0 ||
	    (r = cell_int(w->t->row, a->first)) != 0 ||
	    (r = cell_int(w->t->row, a->last)) != 0 ||
	    (r = cell_str(w->t->row, ui != NULL && ui->locked ? "yes" :
	    "no")) != 0 ||
	    (r = cell_int(w->t->row, a->unconfirmed)) != 0)
		return r;
	return row_end(w->t);
}

int
report_lockouts(struct kagid_ctx *ctx, int64_t since, struct json_object *reply)
{
	static const char *const cols[] = { "user", "source", "failures",
	    "lockouts", "first", "last", "locked_now", "unconfirmed", NULL };
	struct lockouts_walk w;
	struct user_set us;
	struct table t;
	int r;

	if ((r = users_load(ctx, &us)) != 0)
		return r;
	if ((r = table_open(&t)) != 0)
		goto out;
	w.t = &t;
	w.us = &us;
	if ((r = store_authstat_list(ctx->store, since, lockouts_cb, &w)) != 0)
		goto out;
	r = report_reply(reply, "lockouts", cols, &t);
 out:
	table_free(&t);
	users_free(&us);
	return r;
}

/* The worker, place and work of the user's permit (R-REM-5), as cells. */
static int
permit_cells(struct kagid_ctx *ctx, int64_t user_id, struct json_object *row)
{
	struct vendor_rec v;
	int r;

	memset(&v, 0, sizeof(v));
	r = store_vendor_get(ctx->store, user_id, &v);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		return r;
	if ((r = cell_str(row, v.worker[0] != '\0' ? v.worker : NULL)) != 0 ||
	    (r = cell_str(row, v.place[0] != '\0' ? v.place : NULL)) != 0)
		return r;
	return cell_str(row, v.work[0] != '\0' ? v.work : NULL);
}

struct vendors_walk {
	struct kagid_ctx *ctx;
	struct table *t;
	const struct user_set *us;
};

/* A vendor's session: the user is a vendor now, or holds vendor terms. */
static int
vendor_session(struct vendors_walk *w, const struct session_rec *s, int *yes)
{
	const struct user_info *ui = users_find(w->us, s->user);
	struct vendor_rec v;
	int r;

	*yes = 0;
	if (ui == NULL)
		return 0;
	if (ui->u.role == ROLE_VENDOR) {
		*yes = 1;
		return 0;
	}
	r = store_vendor_get(w->ctx->store, ui->u.id, &v);
	*yes = r == 0;
	return r == KAGI_ERR_NOT_FOUND ? 0 : r;
}

static int
vendors_cb(const struct session_rec *s, void *arg)
{
	struct vendors_walk *w = arg;
	char id[24];
	int r, yes = 0;

	if ((r = vendor_session(w, s, &yes)) != 0 || !yes)
		return r;
	snprintf(id, sizeof(id), "%lld", (long long)s->id);
	if ((r = row_begin(w->t)) != 0 ||
	    (r = cell_str(w->t->row, s->user)) != 0 ||
	    (r = permit_cells(w->ctx, s->user_id, w->t->row)) != 0 ||
	    (r = cell_str(w->t->row, id)) != 0 ||
	    (r = cell_str(w->t->row, s->service)) != 0 ||
	    (r = cell_str(w->t->row, s->rhost[0] != '\0' ? s->rhost :
	    s->tty[0] != '\0' ? s->tty : "-")) != 0 ||
	    (r = cell_int(w->t->row, s->started)) != 0 ||
	    (r = cell_int(w->t->row, s->ended)) != 0 ||
	    /* Whoever ended it, kagid or the log-out (R-REM-4). */
	    (r = cell_int(w->t->row, s->ended != 0 && s->ended >= s->started ?
	    s->ended - s->started : 0)) != 0 ||
	    (r = cell_str(w->t->row, s->ended != 0 ? "closed" : "open")) != 0 ||
	    (r = cell_str(w->t->row, s->end_reason)) != 0)
		return r;
	return row_end(w->t);
}

int
report_vendors(struct kagid_ctx *ctx, int64_t since, struct json_object *reply)
{
	static const char *const cols[] = { "user", "worker", "place", "work",
	    "session", "service", "source", "start", "end", "duration", "state",
	    "end_reason", NULL };
	struct vendors_walk w;
	struct user_set us;
	struct table t;
	int r;

	if ((r = users_load(ctx, &us)) != 0)
		return r;
	if ((r = table_open(&t)) != 0)
		goto out;
	w.ctx = ctx;
	w.t = &t;
	w.us = &us;
	if ((r = store_session_list_since(ctx->store, since, vendors_cb,
	    &w)) != 0)
		goto out;
	r = report_reply(reply, "vendors", cols, &t);
 out:
	table_free(&t);
	users_free(&us);
	return r;
}

static int
exceptions_cb(const struct exception_rec *e, void *arg)
{
	struct table *t = arg;
	char id[24];
	int r;

	snprintf(id, sizeof(id), "%lld", (long long)e->id);
	if ((r = row_begin(t)) != 0 ||
	    (r = cell_str(t->row, "breakglass")) != 0 ||
	    (r = cell_str(t->row, id)) != 0 ||
	    (r = cell_str(t->row, e->user)) != 0 ||
	    (r = cell_int(t->row, e->opened)) != 0 ||
	    (r = cell_str(t->row, e->closed != 0 ? "reported" : "open")) != 0 ||
	    (r = cell_str(t->row, e->closer)) != 0 ||
	    (r = cell_int(t->row, e->closed)) != 0 ||
	    /* The report written when it was closed (R-EXC-1). */
	    (r = cell_str(t->row, e->closed != 0 ? e->reason : e->source)) != 0)
		return r;
	return row_end(t);
}

/* Requests still waiting for a second person, by id. */
struct pending {
	struct request_rec *v;
	size_t n, cap;
	int64_t now;
};

static int
pending_cb(const struct request_rec *q, void *arg)
{
	struct pending *p = arg;
	struct request_rec *grown;
	size_t cap;

	if (q->state != REQ_PENDING || p->now >= q->expires)
		return 0;
	if (p->n == p->cap) {
		cap = p->cap == 0 ? 8 : p->cap * 2;
		if ((grown = reallocarray(p->v, cap, sizeof(*grown))) == NULL)
			return KAGI_ERR_NOMEM;
		p->v = grown;
		p->cap = cap;
	}
	p->v[p->n++] = *q;
	return 0;
}

static int
pending_load(struct kagid_ctx *ctx, struct pending *p)
{
	memset(p, 0, sizeof(*p));
	p->now = kagi_now();
	return store_request_list(ctx->store, pending_cb, p);
}

/* The target user of a stored request, "" when it names none. */
static void
request_target(const struct request_rec *q, char *out, size_t len)
{
	struct json_object *o = NULL;
	const char *u = NULL;

	out[0] = '\0';
	if (proto_decode_payload((const uint8_t *)q->params,
	    strlen(q->params), &o) == 0 &&
	    proto_get_str_opt(o, "user", STORE_NAME_MAX, &u) == 0 && u != NULL)
		snprintf(out, len, "%s", u);
	json_object_put(o);
}

int
report_exceptions(struct kagid_ctx *ctx, struct json_object *reply)
{
	static const char *const cols[] = { "kind", "id", "user", "time",
	    "state", "by", "closed", "detail", NULL };
	struct pending p;
	struct table t;
	char id[24], target[STORE_NAME_MAX + 1];
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	if ((r = table_open(&t)) != 0)
		return r;
	/* Every break-glass use, open or with its report (R-EXC-1). */
	if ((r = store_exception_list(ctx->store, 0, exceptions_cb, &t)) != 0 ||
	    (r = pending_load(ctx, &p)) != 0)
		goto out;
	/* The store lists requests newest first; the report oldest first. */
	for (i = p.n; i-- > 0;) {
		const struct request_rec *q = &p.v[i];

		snprintf(id, sizeof(id), "%lld", (long long)q->id);
		request_target(q, target, sizeof(target));
		if ((r = row_begin(&t)) != 0 ||
		    (r = cell_str(t.row, "request")) != 0 ||
		    (r = cell_str(t.row, id)) != 0 ||
		    (r = cell_str(t.row, target)) != 0 ||
		    (r = cell_int(t.row, q->created)) != 0 ||
		    (r = cell_str(t.row, "open")) != 0 ||
		    (r = cell_str(t.row, q->requester)) != 0 ||
		    (r = cell_int(t.row, 0)) != 0 ||
		    (r = cell_str(t.row, q->action)) != 0 ||
		    (r = row_end(&t)) != 0)
			goto out;
	}
	r = report_reply(reply, "exceptions", cols, &t);
 out:
	free(p.v);
	table_free(&t);
	return r;
}

/* --- counts -------------------------------------------------------------- */

static int
count_open_exc(const struct exception_rec *e, void *arg)
{
	struct report_counts *c = arg;

	c->open_breakglass++;
	if (c->oldest_open_breakglass == 0 || e->opened <
	    c->oldest_open_breakglass)
		c->oldest_open_breakglass = e->opened;
	return 0;
}

static int
count_session(const struct session_rec *s, void *arg)
{
	(void)s;
	((struct report_counts *)arg)->open_sessions++;
	return 0;
}

static int
first_time_cb(const struct audit_rec *rec, void *arg)
{
	*(int64_t *)arg = rec->time;
	return 1;
}

int
report_counts(struct kagid_ctx *ctx, struct report_counts *c)
{
	struct user_set us;
	struct pending p;
	uint8_t prev[32];
	int64_t cutoff = kagi_now() - ctx->cfg->dormant_days * DAY_SECONDS;
	int64_t first = 1;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	if ((r = users_load(ctx, &us)) != 0)
		return r;
	c->users = (int64_t)us.n;
	for (i = 0; i < us.n; i++) {
		c->locked += us.v[i].locked;
		/* A disabled account is not lying around (R-TOK-6). */
		if (!us.v[i].u.disabled && last_use(&us.v[i].u) < cutoff)
			c->dormant++;
	}
	if ((r = store_exception_list(ctx->store, 1, count_open_exc, c)) != 0 ||
	    (r = store_session_list_open(ctx->store, 0, count_session,
	    c)) != 0 ||
	    (r = pending_load(ctx, &p)) != 0 ||
	    (r = store_audit_boundary(ctx->store, &first, prev)) != 0 ||
	    (r = store_audit_scan(ctx->store, first - 1, first_time_cb,
	    &c->oldest_time)) != 0)
		goto out;
	c->open_requests = (int64_t)p.n;
 out:
	free(p.v);
	users_free(&us);
	return r;
}

int
report_note_run(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name)
{
	struct json_object *f;
	int r;

	if ((r = store_report_run_put(ctx->store, name, kagi_now(),
	    peer->name)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "report", name)) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, "report_run", NULL, f);
	json_object_put(f);
	return r;
}

/*
 * audit.c - one audit record per decision or change, chained and
 * mirrored; anchors, alert hook, clock check and clock steps on the
 * server's tick.
 *
 * Guarantees: a record's syslog line, its anchor line and its alert are
 * only released after the transaction that holds the record commits
 * (ctx_log_flush); a rollback drops them unsent.  The alert hook runs
 * after the commit and never delays an answer (alert.c).  A record that
 * cannot be appended fails the request that wanted it, so the change it
 * describes is rolled back with it (dispatch.c) and a log-in is refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "audit.h"
#include "audit_chain.h"
#include "clock.h"
#include "clocksync.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "proto.h"
#include "report_note.h"
#include "store_policy.h"

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

static int
log_queue(struct kagid_ctx *ctx, int prio, const char *line, char *alert,
    const struct kagi_log_fields *f)
{
	struct pending_log *n;
	size_t cap;
	int failed = 0;

	if (ctx->nlogs == ctx->logs_cap) {
		cap = ctx->logs_cap == 0 ? 16 : ctx->logs_cap * 2;
		if ((n = realloc(ctx->logs, cap * sizeof(*n))) == NULL)
			return KAGI_ERR_NOMEM;
		ctx->logs = n;
		ctx->logs_cap = cap;
	}
	n = &ctx->logs[ctx->nlogs];
	memset(n, 0, sizeof(*n));
	n->line = dup_or_null(line, &failed);
	if (f != NULL) {
		n->user = dup_or_null(f->user, &failed);
		n->event = dup_or_null(f->event, &failed);
		n->outcome = dup_or_null(f->outcome, &failed);
	}
	if (failed) {
		free(n->line);
		free(n->user);
		free(n->event);
		free(n->outcome);
		return KAGI_ERR_NOMEM;
	}
	n->prio = prio;
	n->alert = alert;
	ctx->nlogs++;
	return 0;
}

int
ctx_log_queue(struct kagid_ctx *ctx, int prio, const char *line)
{
	return log_queue(ctx, prio, line, NULL, NULL);
}

void
ctx_log_discard(struct kagid_ctx *ctx, size_t from)
{
	struct pending_log *n;

	while (ctx->nlogs > from) {
		ctx->nlogs--;
		n = &ctx->logs[ctx->nlogs];
		free(n->line);
		free(n->alert);
		free(n->user);
		free(n->event);
		free(n->outcome);
	}
}

void
ctx_log_flush(struct kagid_ctx *ctx)
{
	struct kagi_log_fields f;
	size_t i;

	for (i = 0; i < ctx->nlogs; i++) {
		f.user = ctx->logs[i].user;
		f.event = ctx->logs[i].event;
		f.outcome = ctx->logs[i].outcome;
		kagi_log_event(ctx->logs[i].prio, f.event != NULL ? &f : NULL,
		    "%s", ctx->logs[i].line);
		if (ctx->logs[i].alert != NULL)
			(void)alert_spawn(ctx->alerts, ctx->logs[i].alert);
	}
	ctx_log_discard(ctx, 0);
}

/* Log-in events: no anchor line after them (they are not admin acts). */
static const char *const login_events[] = { "auth", "lockout",
    "session_open", "session_close", "breakglass_use", "clone_suspected",
    NULL };

int
audit_is_login_event(const char *event)
{
	size_t i;

	for (i = 0; login_events[i] != NULL; i++)
		if (strcmp(login_events[i], event) == 0)
			return 1;
	return 0;
}

int
audit_priority(const char *event, struct json_object *fields, int role)
{
	const char *outcome = proto_str_or_null(fields, "outcome");

	if (strcmp(event, "breakglass_use") == 0 ||
	    strcmp(event, "clone_suspected") == 0)
		return LOG_ALERT;
	if (strcmp(event, "lockout") == 0 && role == ROLE_PRIVILEGED)
		return LOG_ALERT;
	/* Refused vendor access: any refused log-in of a vendor account. */
	if (strcmp(event, "auth") == 0 && role == ROLE_VENDOR &&
	    outcome != NULL && strcmp(outcome, "failure") == 0)
		return LOG_ALERT;
	if (strcmp(event, "lockout") == 0)
		return LOG_WARNING;
	return LOG_INFO;
}

/* The role of the user concerned, when the priority depends on it. */
static int
record_role(struct kagid_ctx *ctx, const char *event, const char *user,
    struct json_object *fields)
{
	struct user_rec u;
	const char *r = proto_str_or_null(fields, "role");
	int role = -1;
	const char *outcome = proto_str_or_null(fields, "outcome");

	if (strcmp(event, "lockout") != 0 && (strcmp(event, "auth") != 0 ||
	    outcome == NULL || strcmp(outcome, "failure") != 0))
		return -1;
	if (r != NULL) {
		(void)role_from_name(r, &role);
		return role;
	}
	if (user == NULL || store_user_get(ctx->store, user, &u) != 0)
		return -1;
	return u.role;
}

/* The alert hook's input: the record as one JSON object. */
static char *
alert_json(const struct audit_event *ev, int64_t seq,
    struct json_object *fields)
{
	struct json_object *o;
	char *text = NULL;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (proto_set_int(o, "seq", seq) == 0 &&
	    proto_set_int(o, "time", ev->time) == 0 &&
	    proto_set_str(o, "priority", "alert") == 0 &&
	    proto_set_str(o, "event", ev->event) == 0 &&
	    (ev->user == NULL || proto_set_str(o, "user", ev->user) == 0) &&
	    proto_set_str(o, "actor", ev->actor) == 0 &&
	    proto_set_int(o, "actor_uid", ev->actor_uid) == 0 &&
	    proto_set_str(o, "host", audit_host()) == 0 &&
	    json_object_object_add(o, "fields", fields != NULL ?
	    json_object_get(fields) : json_object_new_object()) == 0)
		text = strdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

const char *
audit_host(void)
{
	static char host[AUDIT_HOST_MAX + 1];
	size_t i;

	if (host[0] != '\0')
		return host;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	/* One printable word: it goes into signed checkpoints too. */
	for (i = 0; host[i] != '\0'; i++)
		if ((unsigned char)host[i] <= 0x20 || host[i] == 0x7f)
			host[i] = '_';
	return host;
}

/*
 * The fields text as stored: the caller's object with "host" last, so
 * that every record names the machine that wrote it (*out malloc'd);
 * with "edge" before it when the request came through an edge (via).
 */
static int
fields_text(struct json_object *fields, const char *via, char **out)
{
	struct json_object *h, *copy = NULL;
	const char *t = "{}";
	size_t n;
	int r;

	*out = NULL;
	if (via != NULL && (fields == NULL ||
	    !json_object_object_get_ex(fields, "edge", NULL))) {
		if ((copy = json_object_new_object()) == NULL)
			return KAGI_ERR_NOMEM;
		if (fields != NULL) {
			if (!json_object_is_type(fields, json_type_object)) {
				json_object_put(copy);
				return KAGI_ERR_INVALID;
			}
			json_object_object_foreach(fields, k, v)
				if (json_object_object_add(copy, k,
				    json_object_get(v)) != 0) {
					json_object_put(copy);
					return KAGI_ERR_NOMEM;
				}
		}
		if (proto_set_str(copy, "edge", via) != 0) {
			json_object_put(copy);
			return KAGI_ERR_NOMEM;
		}
		r = fields_text(copy, NULL, out);
		json_object_put(copy);
		return r;
	}
	if (fields != NULL) {
		if (!json_object_is_type(fields, json_type_object))
			return KAGI_ERR_INVALID;
		t = json_object_to_json_string_ext(fields,
		    JSON_C_TO_STRING_PLAIN);
		if (json_object_object_get_ex(fields, "host", NULL))
			return (*out = strdup(t)) == NULL ? KAGI_ERR_NOMEM : 0;
	}
	if ((h = json_object_new_string(audit_host())) == NULL)
		return KAGI_ERR_NOMEM;
	n = strlen(t);
	if (n < 2 || t[0] != '{' || t[n - 1] != '}' ||
	    asprintf(out, "%.*s%s\"host\":%s}", (int)(n - 1), t,
	    n > 2 ? "," : "", json_object_to_json_string_ext(h,
	    JSON_C_TO_STRING_PLAIN)) < 0) {
		*out = NULL;
		json_object_put(h);
		return KAGI_ERR_NOMEM;
	}
	json_object_put(h);
	return 0;
}

/*
 * The clock went back past the chain's newest record: say so first, in
 * a clock_step record, the one record whose time may go back (R-LOG-2,
 * R-LOG-4).  Alert priority for a step beyond the TOTP window.
 */
static int
clock_step_first(struct kagid_ctx *ctx, int64_t now)
{
	struct json_object *f;
	int64_t head = 0;
	int r, prio;

	if ((r = store_audit_head_time(ctx->store, &head)) != 0)
		return r;
	if (now >= head)
		return 0;
	prio = head - now > ctx->cfg->totp_window * ctx->cfg->totp_period ?
	    LOG_ALERT : LOG_WARNING;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "from", head)) == 0 &&
	    (r = proto_set_int(f, "to", now)) == 0)
		r = audit_record(ctx, NULL, prio, AUDIT_EVENT_CLOCK_STEP, NULL,
		    f);
	json_object_put(f);
	return r;
}

static int
record_append(struct kagid_ctx *ctx, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields)
{
	struct store *s = ctx->store;
	char line[2048], hex[AUDIT_HEX_LEN + 1];
	struct audit_event ev;
	struct kagi_log_fields lf;
	char qu[STORE_NAME_MAX * 4 + 8];
	char *alert = NULL, *ftext = NULL;
	uint8_t head[AUDIT_HASH_LEN];
	int64_t seq = 0, hseq = 0;
	int r, p;

	memset(&ev, 0, sizeof(ev));
	ev.time = kagi_now();
	if (strcmp(event, AUDIT_EVENT_CLOCK_STEP) != 0 &&
	    (r = clock_step_first(ctx, ev.time)) != 0)
		goto out;
	if ((r = fields_text(fields, ctx->via, &ftext)) != 0)
		goto out;
	ev.actor_uid = peer != NULL ? (int64_t)peer->uid : -1;
	ev.actor = peer != NULL ? peer->name : "kagid";
	ev.event = event;
	ev.user = user;
	ev.fields = ftext;
	if ((r = store_audit_append(s, &ev, &seq)) != 0) {
		kagi_error("audit record '%s' not written: %s", event,
		    kagi_strerror(r));
		if (r == KAGI_ERR_STORE)
			if (ctx->audit_write_failed != NULL)
				ctx->audit_write_failed(ctx, "append", r);
		goto out;
	}
	/* What the reports read, in the same transaction (report_note.c). */
	if ((r = report_note(ctx, peer, event, user, fields, ev.time)) != 0)
		goto out;
	p = audit_priority(event, fields, record_role(ctx, event, user,
	    fields));
	if (p < prio)
		prio = p;
	if (prio <= LOG_ALERT && ctx->alerts != NULL &&
	    (alert = alert_json(&ev, seq, fields)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	snprintf(line, sizeof(line), "audit seq=%lld event=%s user=%s uid=%lld %s",
	    (long long)seq, event,
	    kagi_log_quote(user != NULL ? user : "", qu, sizeof(qu)),
	    (long long)ev.actor_uid, ftext);
	lf.user = user;
	lf.event = event;
	lf.outcome = proto_str_or_null(fields, "outcome");
	if ((r = log_queue(ctx, prio, line, alert, &lf)) != 0) {
		free(alert);
		goto out;
	}
	if (audit_is_login_event(event))
		goto out;
	/* An administrative act: the chain head follows it to syslog. */
	if ((r = store_audit_head(s, &hseq, head)) != 0)
		goto out;
	audit_hex(head, hex);
	snprintf(line, sizeof(line), "audit anchor %lld:%s", (long long)hseq,
	    hex);
	r = ctx_log_queue(ctx, LOG_NOTICE, line);
 out:
	free(ftext);
	return r;
}

/*
 * fields with "actor_loginuid", the login uid of the person who acted
 * (person.h; -1 when unset), added: a new object sharing fields' values.
 */
static struct json_object *
with_actor_loginuid(struct json_object *fields, const struct peer *peer)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (fields != NULL) {
		json_object_object_foreach(fields, k, v) {
			if (json_object_object_add(o, k,
			    json_object_get(v)) != 0) {
				json_object_put(o);
				return NULL;
			}
		}
	}
	if (proto_set_int(o, "actor_loginuid", peer->loginuid ==
	    PEER_NO_LOGINUID ? -1 : (int64_t)peer->loginuid) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int
audit_record(struct kagid_ctx *ctx, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields)
{
	struct json_object *f;
	int r;

	/* An administrative act names the login uid of whoever did it. */
	if (peer == NULL || audit_is_login_event(event))
		return record_append(ctx, peer, prio, event, user, fields);
	if ((f = with_actor_loginuid(fields, peer)) == NULL)
		return KAGI_ERR_NOMEM;
	r = record_append(ctx, peer, prio, event, user, f);
	json_object_put(f);
	return r;
}

/* Check the clock; log a change of state (and the first answer). */
static void
clock_check(struct kagid_ctx *ctx)
{
	int synced = 0, r;

	if ((r = clocksync_check(&synced)) != 0) {
		kagi_error("cannot read the clock's synchronisation state: %s",
		    kagi_strerror(r));
		synced = 0;
	}
	if (ctx->clock_known && synced == ctx->clock_synced)
		return;
	if (synced)
		kagi_log(LOG_NOTICE, "system clock is synchronised (R-LOG-4)");
	else
		kagi_log(LOG_WARNING, "system clock is NOT synchronised "
		    "(R-LOG-4): audit times and TOTP depend on it; TOTP is %s "
		    "(totp_when_unsynced)", ctx->cfg->totp_when_unsynced ==
		    UNSYNCED_REFUSE ? "refused" : "still allowed");
	ctx->clock_synced = synced;
	ctx->clock_known = 1;
}

/* The record of a step of step_ms: an alert beyond the TOTP window. */
static int
clock_step_record(struct kagid_ctx *ctx, int64_t step_ms, int64_t moved)
{
	int64_t secs = step_ms / 1000, window;
	struct json_object *f;
	int r, prio;

	window = (ctx->cfg->totp_window > 0 ? ctx->cfg->totp_window : 1) *
	    ctx->cfg->totp_period;
	prio = (secs > window || secs < -window) ? LOG_ALERT : LOG_NOTICE;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "seconds", secs)) == 0 &&
	    (r = proto_set_str(f, "direction", step_ms > 0 ? "forward" :
	    "back")) == 0 &&
	    (r = proto_set_int(f, "totp_window_seconds", window)) == 0 &&
	    (r = proto_set_int(f, "moved", moved)) == 0)
		r = audit_record(ctx, NULL, prio, "clock_step", NULL, f);
	json_object_put(f);
	return r;
}

void
audit_clock_tick(struct kagid_ctx *ctx)
{
	struct clockstep *cs = &ctx->clockstep;
	int64_t step = 0, moved = 0;
	int r;

	clockstep_observe(cs, kagi_wall_ms(), kagi_elapsed_ms(), &step);
	if (step == 0 && cs->pending_s == 0)
		return;
	/* Forward: whole seconds, rounded up (never shorten a lock). */
	if (step > 0)
		cs->pending_s += (step + 999) / 1000;
	if ((r = store_begin(ctx->store)) != 0)
		goto fail;
	if ((cs->pending_s > 0 && (r = store_deadlines_shift(ctx->store,
	    cs->pending_s, &moved)) != 0) ||
	    (step != 0 && (r = clock_step_record(ctx, step, moved)) != 0)) {
		store_rollback(ctx->store);
		goto fail;
	}
	if ((r = store_commit(ctx->store)) != 0)
		goto fail;
	if (cs->pending_s > 0)
		kagi_log(LOG_NOTICE, "clock stepped: %lld running locks, "
		    "intervals and throttles moved %lld s later", (long long)moved,
		    (long long)cs->pending_s);
	cs->pending_s = 0;
	ctx_log_flush(ctx);
	return;
fail:
	ctx_log_discard(ctx, 0);
	kagi_error("clock stepped %lld ms, locks not yet moved (tried again, "
	    "log-ins refused meanwhile): %s", (long long)step,
	    kagi_strerror(r));
}

void
audit_tick(struct kagid_ctx *ctx)
{
	char hex[AUDIT_HEX_LEN + 1];
	uint8_t head[AUDIT_HASH_LEN];
	int64_t now = kagi_monotonic_ms(), seq = 0;
	int r;

	alert_reap(ctx->alerts, now);
	audit_clock_tick(ctx);
	if (!ctx->clock_known || now >= ctx->clock_next_ms) {
		clock_check(ctx);
		ctx->clock_next_ms = now + ctx->cfg->clock_check_interval * 1000;
	}
	if (ctx->anchor_next_ms == 0 || now >= ctx->anchor_next_ms) {
		ctx->anchor_next_ms = now +
		    ctx->cfg->audit_anchor_interval * 1000;
		if ((r = store_audit_head(ctx->store, &seq, head)) != 0) {
			kagi_error("cannot read the audit chain head: %s",
			    kagi_strerror(r));
			return;
		}
		audit_hex(head, hex);
		kagi_log(LOG_NOTICE, "audit anchor %lld:%s", (long long)seq, hex);
	}
}

/*
 * ctx_fixture.c - a kagid context for unit tests (ctx_fixture.h).
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "challenge.h"
#include "clock.h"
#include "ctx_fixture.h"
#include "seal.h"
#include "totp.h"
#include "totp_factor.h"
#include "wipe.h"

static int64_t fixed_now;

static int64_t
fixed_clock(void)
{
	return fixed_now;
}

void
cx_clock(int64_t t)
{
	fixed_now = t;
	kagi_clock_set(fixed_clock);
}

struct peer
cx_peer(unsigned uid, const char *name, unsigned classes)
{
	struct peer p;

	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	p.uid = (uid_t)uid;
	p.gid = (gid_t)uid;
	p.classes = classes;
	snprintf(p.name, sizeof(p.name), "%s", name);
	/* Logged in as itself; an approver approves every act. */
	p.loginuid = (uid_t)uid;
	snprintf(p.person, sizeof(p.person), "%s", name);
	p.approves = (classes & PEER_APPROVER) ? (1u << APPROVE_ACTS) - 1 : 0;
	return p;
}

struct peer
cx_peer_as(unsigned uid, const char *name, unsigned classes, uid_t loginuid,
    const char *person)
{
	struct peer p = cx_peer(uid, name, classes);

	p.loginuid = loginuid;
	snprintf(p.person, sizeof(p.person), "%s", person != NULL ? person :
	    "");
	return p;
}

struct cx *
cx_open(const char *conf)
{
	struct cx *f;
	char err[CFG_ERRLEN + 256];
	FILE *fp;
	int created = 0;

	assert_non_null(f = calloc(1, sizeof(*f)));
	snprintf(f->dir, sizeof(f->dir), "/tmp/kagi-test-ctx-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->conf, sizeof(f->conf), "%s/kagid.conf", f->dir);
	assert_non_null(fp = fopen(f->conf, "w"));
	fprintf(fp, "state_dir = %s\n%s", f->dir, conf != NULL ? conf : "");
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f->conf, 0600), 0);

	kagid_config_defaults(&f->cfg);
	err[0] = '\0';
	if (kagid_config_load(&f->cfg, f->conf, (unsigned)getuid(), err,
	    sizeof(err)) != 0)
		fail_msg("kagid.conf: %s", err);
	if (seal_key_load_or_create(f->cfg.key_file, &f->ctx.key, &created,
	    err, sizeof(err)) != 0)
		fail_msg("sealing key: %s", err);
	assert_int_equal(totp_global_init(), 0);
	assert_int_equal(store_open(f->cfg.database, &f->ctx.store), 0);
	assert_int_equal(chal_table_new(&f->ctx.challenges), 0);
	f->ctx.cfg = &f->cfg;
	ctx_set_lockouts(&f->ctx);
	/* Windows and dates are read in kagid's time zone (kagid.c). */
	assert_int_equal(setenv("TZ", f->cfg.timezone, 1), 0);
	tzset();
	cx_clock(CX_T0);
	assert_int_equal(store_begin(f->ctx.store), 0);
	return f;
}

void
cx_close(struct cx **fp)
{
	struct cx *f = *fp;
	struct dirent *e;
	char p[sizeof(f->dir) + 258];
	DIR *d;

	if (f == NULL)
		return;
	if (f->ctx.store != NULL)
		store_rollback(f->ctx.store);
	ctx_log_discard(&f->ctx, 0);
	free(f->ctx.logs);
	store_close(&f->ctx.store);
	chal_table_free(&f->ctx.challenges);
	seal_key_free(&f->ctx.key);
	kagid_config_free(&f->cfg);
	kagi_clock_set(NULL);
	if ((d = opendir(f->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			(void)unlink(p);
		}
		closedir(d);
	}
	(void)rmdir(f->dir);
	free(f);
	*fp = NULL;
}

int
cx_setup(void **state)
{
	*state = cx_open(NULL);
	return 0;
}

int
cx_teardown(void **state)
{
	struct cx *f = *state;

	cx_close(&f);
	return 0;
}

void
cx_user(struct cx *f, const char *name, int role, struct user_rec *u)
{
	int64_t id = 0;

	assert_int_equal(store_user_add(f->ctx.store, name, role, fixed_now,
	    &id), 0);
	assert_int_equal(store_user_get_id(f->ctx.store, id, u), 0);
}

int64_t
cx_totp(struct cx *f, const struct user_rec *u, int state)
{
	struct totp_settings ts;
	struct token_rec t;
	char *uri = NULL;
	int64_t id;

	memset(&t, 0, sizeof(t));
	ts.algorithm = TOTP_SHA1;
	ts.digits = 6;
	ts.period = 30;
	ts.state = state;
	ts.label = "phone";
	assert_int_equal(totp_token_new(&f->ctx, u, &ts, fixed_now, &t, &uri),
	    0);
	id = t.id;
	kagi_free_str(uri);
	token_rec_clear(&t);
	return id;
}

struct count {
	int state;
	int n;
};

static int
count_cb(const struct token_rec *t, void *arg)
{
	struct count *c = arg;

	if (c->state < 0 || t->state == c->state)
		c->n++;
	return 0;
}

int
cx_tokens(struct cx *f, int64_t user_id, int state)
{
	struct count c = { state, 0 };

	assert_int_equal(store_token_list(f->ctx.store, user_id, -1, count_cb,
	    &c), 0);
	return c.n;
}

int64_t
cx_audit_seq(struct cx *f)
{
	uint8_t hash[32];
	int64_t seq = 0;

	assert_int_equal(store_audit_head(f->ctx.store, &seq, hash), 0);
	return seq;
}

struct events {
	char *buf;
	size_t len;
};

static int
event_cb(const struct audit_rec *rec, void *arg)
{
	struct events *ev = arg;
	size_t n = strlen(ev->buf);

	snprintf(ev->buf + n, ev->len - n, "%s%s", n > 0 ? "," : "",
	    rec->event);
	return 0;
}

const char *
cx_events(struct cx *f, int64_t after, char *buf, size_t len)
{
	struct events ev = { buf, len };

	buf[0] = '\0';
	assert_int_equal(store_audit_scan(f->ctx.store, after, event_cb, &ev),
	    0);
	return buf;
}

int
cx_sql(struct cx *f, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if ((rc = sqlite3_open(f->cfg.database, &db)) == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

struct lock_rec
cx_lock(struct cx *f, const struct user_rec *u, int remote)
{
	struct lock_rec l;

	assert_int_equal(remote ? store_rlock_get(f->ctx.store, u->id, &l) :
	    store_lock_get(f->ctx.store, u->id, &l), 0);
	return l;
}

/*
 * test_audit_trail.c - the audit trail an insider cannot rewrite
 * unnoticed (tokend/core/checkpoint.c, audit_daemon.c, audit.c and the
 * chain's walk), at fixed times on a real temporary store (R-LOG-2,
 * R-LOG-1, R-LOG-4, R-AVL-1):
 *  - a checkpoint is Ed25519-signed over exactly its fields: any field
 *    changed, or another key, fails; its line is parsed strictly; the log
 *    keeps whole lines, and a line a crash cut short is left out;
 *  - the key file and the log are refused when open to others or links;
 *  - kagid starts only on a chain that agrees with its last checkpoint,
 *    or with the operator's recorded acceptance of the chain's head;
 *  - time never goes back along the chain but at a clock_step record,
 *    which kagid writes itself when its clock went back;
 *  - every record names its host; refused callers are one record a uid
 *    and minute; a failed write is "degraded" until a record says so.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_chain.h"
#include "audit_daemon.h"
#include "checkpoint.h"
#include "ctx_fixture.h"
#include "kagi_err.h"
#include "proto.h"

/* --- checkpoints on their own --------------------------------------------- */

static struct cp_signer *
signer_in(const char *dir, const char *name)
{
	struct cp_signer *s = NULL;
	char path[128], err[256];
	int created = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (cp_signer_load_or_create(path, &s, &created, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	return s;
}

static void
a_checkpoint(struct checkpoint *cp, int64_t seq)
{
	memset(cp, 0, sizeof(*cp));
	cp->seq = seq;
	memset(cp->hash, 0x42, sizeof(cp->hash));
	cp->time = CX_T0;
	snprintf(cp->host, sizeof(cp->host), "terminal-7");
	snprintf(cp->reason, sizeof(cp->reason), "interval");
}

static void
test_a_checkpoint_verifies_only_as_signed(void **state)
{
	struct cx *f = *state;
	struct cp_signer *s = signer_in(f->dir, "a.key"),
	    *other = signer_in(f->dir, "b.key");
	struct cp_keys ks;
	struct checkpoint cp, c2;
	uint8_t pub[CP_KEY_LEN];

	memset(&ks, 0, sizeof(ks));
	cp_signer_public(s, pub);
	assert_int_equal(cp_keys_add(&ks, pub, NULL), 0);
	a_checkpoint(&cp, 7);
	assert_int_equal(cp_sign(s, &cp), 0);
	assert_string_equal(cp.key, cp_signer_key_id(s));
	assert_int_equal(cp_verify(&ks, &cp), 0);
	/* Each field is signed. */
	c2 = cp; c2.seq = 8;
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	c2 = cp; c2.hash[31] ^= 1;
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	c2 = cp; c2.time++;
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	c2 = cp; c2.host[0] = 'T';
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	c2 = cp; snprintf(c2.reason, sizeof(c2.reason), "stop");
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	c2 = cp; c2.sig[0] ^= 1;
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	/* Another kagid's checkpoint: unknown until its key is added. */
	a_checkpoint(&c2, 7);
	assert_int_equal(cp_sign(other, &c2), 0);
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_NOT_FOUND);
	cp_signer_public(other, pub);
	assert_int_equal(cp_keys_add(&ks, pub, NULL), 0);
	assert_int_equal(cp_verify(&ks, &c2), 0);
	/* The same key claimed under the other id does not verify. */
	memcpy(c2.key, cp.key, sizeof(c2.key));
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_CRYPTO);
	cp_signer_free(&s);
	cp_signer_free(&other);
}

static void
test_a_checkpoint_line_is_read_back_exactly_and_strictly(void **state)
{
	struct cx *f = *state;
	struct cp_signer *s = signer_in(f->dir, "a.key");
	struct checkpoint cp, back;
	char *line = NULL, bad[CP_LINE_MAX + 64];

	a_checkpoint(&cp, 12);
	assert_int_equal(cp_sign(s, &cp), 0);
	assert_int_equal(cp_format(&cp, &line), 0);
	assert_int_equal(cp_parse(line, strlen(line), &back), 0);
	assert_memory_equal(&cp, &back, sizeof(cp));
	/* An extra key, a key missing, a short signature: refused. */
	snprintf(bad, sizeof(bad), "%.*s,\"x\":1}", (int)strlen(line) - 1,
	    line);
	assert_int_not_equal(cp_parse(bad, strlen(bad), &back), 0);
	assert_int_not_equal(cp_parse("{\"seq\":1}", 9, &back), 0);
	snprintf(bad, sizeof(bad), "%s", line);
	memcpy(strstr(bad, "\"sig\":\"") + 7, "AAAA\"}", 7);
	assert_int_not_equal(cp_parse(bad, strlen(bad), &back), 0);
	/* A host with a space cannot be signed nor read. */
	snprintf(cp.host, sizeof(cp.host), "a b");
	assert_int_equal(cp_sign(s, &cp), KAGI_ERR_INVALID);
	free(line);
	cp_signer_free(&s);
}

/*
 * Several cores on one database (issue 14): a checkpoint names the core
 * that made it, under its signature, and verifies only with a key
 * configured for that core; one core's key never stands for another's.
 */
static void
test_a_core_checkpoint_verifies_only_with_that_core_key(void **state)
{
	struct cx *f = *state;
	struct cp_signer *a = signer_in(f->dir, "a.key"),
	    *b = signer_in(f->dir, "b.key"), *c = signer_in(f->dir, "c.key");
	struct cp_keys ks, other;
	struct checkpoint ca, cb, cc, c2, back;
	uint8_t pa[CP_KEY_LEN], pb[CP_KEY_LEN], pub[CP_KEY_LEN];
	char text[200], core[CP_CORE_MAX + 1], *line = NULL;
	size_t bad = 0;

	memset(&ks, 0, sizeof(ks));
	cp_signer_public(a, pa);
	cp_signer_public(b, pb);
	/* The keys file: "ed25519 HEX core=NAME" and a comment. */
	cp_key_format(pb, text, sizeof(text));
	strcat(text, " core=core-b kagid@b key=x");
	assert_int_equal(cp_key_parse(text, pub, core), 0);
	assert_memory_equal(pub, pb, CP_KEY_LEN);
	assert_string_equal(core, "core-b");
	assert_int_equal(cp_keys_add(&ks, pa, "core-a"), 0);
	assert_int_equal(cp_keys_parse(&ks, text, &bad), 0);
	/* One key for two cores is refused. */
	assert_int_equal(cp_keys_add(&ks, pa, "core-b"), KAGI_ERR_EXISTS);
	cp_key_format(pb, text, sizeof(text));
	strcat(text, " core=bad/name");
	assert_int_equal(cp_key_parse(text, pub, core), KAGI_ERR_INVALID);

	a_checkpoint(&ca, 7);
	snprintf(ca.core, sizeof(ca.core), "core-a");
	assert_int_equal(cp_sign(a, &ca), 0);
	a_checkpoint(&cb, 9);
	snprintf(cb.core, sizeof(cb.core), "core-b");
	assert_int_equal(cp_sign(b, &cb), 0);
	assert_int_equal(cp_verify(&ks, &ca), 0);
	assert_int_equal(cp_verify(&ks, &cb), 0);
	/* Core b's checkpoint claimed for core a: a's keys do not have it. */
	c2 = cb;
	snprintf(c2.core, sizeof(c2.core), "core-a");
	assert_int_equal(cp_verify(&ks, &c2), KAGI_ERR_NOT_FOUND);
	/* The core is signed: key a also named for "core-x" does not help. */
	memset(&other, 0, sizeof(other));
	assert_int_equal(cp_keys_add(&other, pa, "core-x"), 0);
	c2 = ca;
	snprintf(c2.core, sizeof(c2.core), "core-x");
	assert_int_equal(cp_verify(&other, &c2), KAGI_ERR_CRYPTO);
	/* A third core, whose key nobody configured: unknown. */
	a_checkpoint(&cc, 11);
	snprintf(cc.core, sizeof(cc.core), "core-c");
	assert_int_equal(cp_sign(c, &cc), 0);
	assert_int_equal(cp_verify(&ks, &cc), KAGI_ERR_NOT_FOUND);
	/* A checkpoint made before cores were named verifies by its key. */
	a_checkpoint(&c2, 5);
	assert_int_equal(cp_sign(b, &c2), 0);
	assert_int_equal(cp_verify(&ks, &c2), 0);
	/* The core travels in the line, and is read back strictly. */
	assert_int_equal(cp_format(&cb, &line), 0);
	assert_non_null(strstr(line, "\"core\":\"core-b\""));
	assert_int_equal(cp_parse(line, strlen(line), &back), 0);
	assert_memory_equal(&cb, &back, sizeof(cb));
	free(line);
	line = NULL;
	snprintf(cb.core, sizeof(cb.core), "core b");
	assert_int_equal(cp_sign(b, &cb), KAGI_ERR_INVALID);
	cp_signer_free(&a);
	cp_signer_free(&b);
	cp_signer_free(&c);
}

static int
count_cb(const struct checkpoint *cp, size_t line, void *arg)
{
	(void)cp;
	(void)line;
	(*(int *)arg)++;
	return 0;
}

static void
test_the_log_keeps_whole_lines_and_skips_one_cut_short(void **state)
{
	struct cx *f = *state;
	struct cp_signer *s = signer_in(f->dir, "a.key");
	struct checkpoint cp, last;
	char path[128], err[256], *line = NULL;
	size_t bad = 0;
	int fd = -1, n = 0, found = 0, i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log", f->dir);
	assert_int_equal(cp_log_open(path, geteuid(), &fd, err, sizeof(err)),
	    0);
	for (i = 1; i <= 3; i++) {
		a_checkpoint(&cp, i);
		assert_int_equal(cp_sign(s, &cp), 0);
		assert_int_equal(cp_format(&cp, &line), 0);
		assert_int_equal(cp_log_append(fd, line), 0);
		free(line);
		line = NULL;
	}
	close(fd);
	/* A crash in the middle of a fourth line. */
	assert_non_null(fp = fopen(path, "a"));
	fputs("{\"seq\":4,\"hash\":\"00", fp);
	fclose(fp);
	assert_int_equal(cp_log_read(path, geteuid(), count_cb, &n, &bad, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cp_log_last(path, geteuid(), &last, &found, &bad,
	    err, sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(last.seq, 3);
	/* A line that is no checkpoint, in the middle, is named. */
	assert_non_null(fp = fopen(path, "a"));
	fputs("\nnot a checkpoint\n", fp);
	fclose(fp);
	assert_int_equal(cp_log_read(path, geteuid(), count_cb, &n, &bad, err,
	    sizeof(err)), KAGI_ERR_INVALID);
	assert_int_equal(bad, 4);
	assert_int_equal(cp_log_last(path, geteuid(), &last, &found, &bad,
	    err, sizeof(err)), KAGI_ERR_INVALID);
	cp_signer_free(&s);
}

static void
test_the_key_file_and_the_log_are_refused_when_open_or_linked(void **state)
{
	struct cx *f = *state;
	struct cp_signer *s = NULL;
	char key[128], log[128], lnk[128], err[256];
	int fd = -1, created = 0;

	snprintf(key, sizeof(key), "%s/k.key", f->dir);
	snprintf(log, sizeof(log), "%s/k.log", f->dir);
	snprintf(lnk, sizeof(lnk), "%s/k.lnk", f->dir);
	assert_int_equal(cp_signer_load_or_create(key, &s, &created, err,
	    sizeof(err)), 0);
	assert_true(created);
	cp_signer_free(&s);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_not_equal(cp_signer_load_or_create(key, &s, &created, err,
	    sizeof(err)), 0);
	assert_int_equal(cp_log_open(log, geteuid(), &fd, err, sizeof(err)),
	    0);
	close(fd);
	assert_int_equal(chmod(log, 0644), 0);
	assert_int_equal(cp_log_open(log, geteuid(), &fd, err, sizeof(err)),
	    KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(symlink(log, lnk), 0);
	assert_int_not_equal(cp_log_open(lnk, geteuid(), &fd, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "symbolic link"));
}

/* --- the chain's time ------------------------------------------------------ */

static void
chained(struct audit_rec *r, const struct audit_rec *prev, int64_t seq,
    int64_t time, const char *event)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->time = time;
	r->actor = "kagid";
	r->actor_uid = -1;
	r->event = event;
	if (prev != NULL)
		memcpy(r->prev, prev->hash, 32);
	assert_int_equal(audit_chain_hash(r, r->hash), 0);
}

static void
test_time_never_goes_back_but_at_a_clock_step(void **state)
{
	struct audit_rec r[4];
	struct audit_walk w;
	enum audit_break why;
	uint8_t zero[32];

	(void)state;
	memset(zero, 0, sizeof(zero));
	/* A re-hashed chain whose time goes back is found (R-LOG-2). */
	chained(&r[0], NULL, 1, 1000, "auth");
	chained(&r[1], &r[0], 2, 999, "auth");
	audit_walk_start(&w, 1, zero);
	assert_int_equal(audit_walk_next(&w, &r[0], &why), 0);
	assert_int_equal(audit_walk_next(&w, &r[1], &why), KAGI_ERR_INVALID);
	assert_int_equal(why, AUDIT_TIME_BACK);
	assert_string_equal(audit_break_name(why), "time_back");
	/* The same with a clock_step between fits (R-LOG-4). */
	chained(&r[1], &r[0], 2, 400, AUDIT_EVENT_CLOCK_STEP);
	chained(&r[2], &r[1], 3, 400, "auth");
	chained(&r[3], &r[2], 4, 401, "auth");
	audit_walk_start(&w, 1, zero);
	assert_int_equal(audit_walk_next(&w, &r[0], &why), 0);
	assert_int_equal(audit_walk_next(&w, &r[1], &why), 0);
	assert_int_equal(audit_walk_next(&w, &r[2], &why), 0);
	assert_int_equal(audit_walk_next(&w, &r[3], &why), 0);
}

struct fields_of {
	int64_t seq;
	char text[512];
	char event[32];
};

static int
fields_cb(const struct audit_rec *rec, void *arg)
{
	struct fields_of *fo = arg;

	snprintf(fo->text, sizeof(fo->text), "%s",
	    rec->fields != NULL ? rec->fields : "");
	snprintf(fo->event, sizeof(fo->event), "%s", rec->event);
	return 1;
}

static void
record_at(struct cx *f, int64_t seq, struct fields_of *fo)
{
	memset(fo, 0, sizeof(*fo));
	assert_int_equal(store_audit_scan(f->ctx.store, seq - 1, fields_cb,
	    fo), 0);
}

static void
test_every_record_names_its_host_last(void **state)
{
	struct cx *f = *state;
	struct json_object *o = json_object_new_object();
	struct fields_of fo;
	char want[300];

	assert_int_equal(proto_set_str(o, "role", "staff"), 0);
	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, "probe", NULL,
	    o), 0);
	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, "probe", NULL,
	    NULL), 0);
	json_object_put(o);
	record_at(f, 1, &fo);
	snprintf(want, sizeof(want), "{\"role\":\"staff\",\"host\":\"%s\"}",
	    audit_host());
	assert_string_equal(fo.text, want);
	record_at(f, 2, &fo);
	snprintf(want, sizeof(want), "{\"host\":\"%s\"}", audit_host());
	assert_string_equal(fo.text, want);
}

static void
test_a_clock_gone_back_is_recorded_before_the_next_record(void **state)
{
	struct cx *f = *state;
	struct fields_of fo;
	char buf[256], want[128];
	int64_t bad = 0;
	int why = 0;

	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, "probe", NULL,
	    NULL), 0);
	cx_clock(CX_T0 - 3600);
	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, "probe", NULL,
	    NULL), 0);
	assert_string_equal(cx_events(f, 0, buf, sizeof(buf)),
	    "probe,clock_step,probe");
	record_at(f, 2, &fo);
	snprintf(want, sizeof(want), "{\"from\":%lld,\"to\":%lld,",
	    (long long)CX_T0, (long long)(CX_T0 - 3600));
	assert_non_null(strstr(fo.text, want));
	/* The chain, with its time going back there, verifies. */
	assert_int_equal(store_audit_check(f->ctx.store, &bad, &why), 0);
	/* Once only: the clock goes on from there. */
	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, "probe", NULL,
	    NULL), 0);
	assert_string_equal(cx_events(f, 3, buf, sizeof(buf)), "probe");
}

/* --- kagid's own records: the fixture with the daemon's part open ------------ */

static struct cx *
daemon_open(void)
{
	struct cx *f = cx_open("audit_checkpoint_interval = 1m\n");
	char err[512];

	if (audit_daemon_open(&f->ctx, err, sizeof(err)) != 0)
		fail_msg("audit_daemon_open: %s", err);
	/* The daemon writes in transactions of its own. */
	assert_int_equal(store_commit(f->ctx.store), 0);
	return f;
}

static void
daemon_close(struct cx **f)
{
	audit_daemon_free(&(*f)->ctx);
	assert_int_equal(store_begin((*f)->ctx.store), 0);
	cx_close(f);
}

/* One committed record. */
static void
commit_record(struct cx *f, const char *event)
{
	assert_int_equal(store_begin(f->ctx.store), 0);
	assert_int_equal(audit_record(&f->ctx, NULL, LOG_NOTICE, event, NULL,
	    NULL), 0);
	assert_int_equal(store_commit(f->ctx.store), 0);
	ctx_log_flush(&f->ctx);
}

static int64_t
count_events(struct cx *f, const char *event)
{
	char buf[4096], *p;
	int64_t n = 0;

	cx_events(f, 0, buf, sizeof(buf));
	for (p = buf; (p = strstr(p, event)) != NULL; p += strlen(event))
		n++;
	return n;
}

static void
test_kagid_starts_on_a_chain_that_agrees_with_its_checkpoint(void **state)
{
	struct cx *f = daemon_open();
	char err[512];

	(void)state;
	/* First start: no checkpoint yet; then start and stop again. */
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	commit_record(f, "probe");
	audit_daemon_stop(&f->ctx);
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	assert_int_equal(count_events(f, "kagid_start"), 2);
	assert_int_equal(count_events(f, "kagid_stop"), 1);
	/* -A when there is nothing to accept is refused. */
	assert_int_equal(audit_daemon_start(&f->ctx, cx_audit_seq(f), err,
	    sizeof(err)), KAGI_ERR_INVALID);
	assert_non_null(strstr(err, "nothing to accept"));
	daemon_close(&f);
}

static void
test_a_chain_cut_behind_kagid_is_refused_until_accepted(void **state)
{
	struct cx *f = daemon_open();
	char err[512], sql[128];
	int64_t head;

	(void)state;
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	commit_record(f, "probe");
	commit_record(f, "probe");
	audit_daemon_stop(&f->ctx);
	/* The newest records removed, as the sqlite3 tool would. */
	head = cx_audit_seq(f);
	snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE seq > %lld",
	    (long long)(head - 3));
	assert_int_equal(cx_sql(f, sql), 0);
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)),
	    KAGI_ERR_STATE);
	assert_non_null(strstr(err, "records were removed"));
	/* Accepting another head than the chain's is refused too. */
	assert_int_equal(audit_daemon_start(&f->ctx, head, err, sizeof(err)),
	    KAGI_ERR_STATE);
	assert_int_equal(audit_daemon_start(&f->ctx, head - 3, err,
	    sizeof(err)), 0);
	assert_int_equal(count_events(f, "chain_accepted"), 1);
	/* Accepted, the chain agrees with the new checkpoint. */
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	daemon_close(&f);
}

static void
test_a_chain_rewritten_behind_kagid_is_refused(void **state)
{
	struct cx *f = daemon_open();
	char err[512];

	(void)state;
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	commit_record(f, "probe");
	audit_daemon_stop(&f->ctx);
	assert_int_equal(cx_sql(f, "UPDATE audit SET hash = zeroblob(32) "
	    "WHERE seq = (SELECT max(seq) FROM audit)"), 0);
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)),
	    KAGI_ERR_STATE);
	assert_non_null(strstr(err, "rewritten"));
	daemon_close(&f);
}

static void
test_records_added_while_kagid_was_stopped_are_refused(void **state)
{
	struct cx *f = daemon_open();
	char err[512];

	(void)state;
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	audit_daemon_stop(&f->ctx);
	/* Someone appends a well-linked record while kagid is down. */
	commit_record(f, "user_delete");
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)),
	    KAGI_ERR_STATE);
	assert_non_null(strstr(err, "added to the audit chain while kagid "
	    "was stopped"));
	daemon_close(&f);
}

static int
last_seq_cb(const struct checkpoint *cp, size_t line, void *arg)
{
	(void)line;
	*(int64_t *)arg = cp->seq;
	return 0;
}

static void
test_no_checkpoint_signs_a_chain_changed_behind_kagid(void **state)
{
	struct cx *f = daemon_open();
	char err[512];
	int64_t signed_seq = -1, head;
	size_t bad = 0;

	(void)state;
	assert_int_equal(audit_daemon_start(&f->ctx, 0, err, sizeof(err)), 0);
	head = cx_audit_seq(f);
	/* The store written under a running kagid: the checkpointed
	 * record's hash overwritten. */
	commit_record(f, "probe");
	assert_int_equal(cx_sql(f, "UPDATE audit SET hash = zeroblob(32) "
	    "WHERE seq = (SELECT max(seq) - 1 FROM audit)"), 0);
	assert_false(audit_chain_extends(&f->ctx));
	/* The stop's checkpoint is not signed for it. */
	audit_daemon_stop(&f->ctx);
	assert_int_equal(cp_log_read(f->cfg.audit_checkpoint_log, geteuid(),
	    last_seq_cb, &signed_seq, &bad, err, sizeof(err)), 0);
	assert_int_equal(signed_seq, head);
	daemon_close(&f);
}

static void
test_a_refusing_caller_is_one_record_a_minute(void **state)
{
	struct cx *f = daemon_open();
	struct peer p = cx_peer(1000, "mallory", PEER_SELF);
	struct peer q = cx_peer(1001, "eve", PEER_SELF);
	char buf[1024];
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		audit_caller_refused(&f->ctx, &p, "protocol",
		    "malformed request", NULL);
	audit_caller_refused(&f->ctx, &q, "denied",
	    "not allowed for this caller", "user_add");
	audit_daemon_tick(&f->ctx);
	assert_string_equal(cx_events(f, 0, buf, sizeof(buf)),
	    "caller_refused,caller_refused");
	/* Within the minute: counted, not recorded. */
	cx_clock(CX_T0 + 30);
	for (i = 0; i < 3; i++)
		audit_caller_refused(&f->ctx, &p, "protocol",
		    "malformed request", NULL);
	audit_daemon_tick(&f->ctx);
	assert_int_equal(count_events(f, "caller_refused"), 2);
	/* The minute over: one record of the 7 held back. */
	cx_clock(CX_T0 + 61);
	audit_daemon_tick(&f->ctx);
	assert_int_equal(count_events(f, "caller_refused"), 3);
	{
		struct fields_of fo;

		record_at(f, 3, &fo);
		assert_non_null(strstr(fo.text, "\"suppressed\":7"));
	}
	/* ... which opened a new minute: the next refusal waits in it. */
	audit_caller_refused(&f->ctx, &p, "protocol", "malformed request",
	    NULL);
	audit_daemon_tick(&f->ctx);
	assert_int_equal(count_events(f, "caller_refused"), 3);
	daemon_close(&f);
}

static void
test_a_failed_audit_write_is_degraded_until_recorded(void **state)
{
	struct cx *f = daemon_open();
	struct json_object *st = json_object_new_object();

	(void)state;
	assert_false(audit_degraded(&f->ctx));
	audit_write_failed(&f->ctx, "commit", KAGI_ERR_STORE);
	audit_write_failed(&f->ctx, "commit", KAGI_ERR_STORE);
	assert_true(audit_degraded(&f->ctx));
	assert_int_equal(audit_daemon_status(&f->ctx, st), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(st,
	    "audit")), "degraded");
	audit_daemon_tick(&f->ctx);
	assert_false(audit_degraded(&f->ctx));
	assert_int_equal(count_events(f, "audit_degraded"), 1);
	{
		struct fields_of fo;

		record_at(f, 1, &fo);
		assert_non_null(strstr(fo.text, "\"failures\":2"));
	}
	json_object_put(st);
	daemon_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_checkpoint_verifies_only_as_signed,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_checkpoint_line_is_read_back_exactly_and_strictly,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_core_checkpoint_verifies_only_with_that_core_key,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_log_keeps_whole_lines_and_skips_one_cut_short,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_key_file_and_the_log_are_refused_when_open_or_linked,
		    cx_setup, cx_teardown),
		cmocka_unit_test(test_time_never_goes_back_but_at_a_clock_step),
		cmocka_unit_test_setup_teardown(
		    test_every_record_names_its_host_last,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_clock_gone_back_is_recorded_before_the_next_record,
		    cx_setup, cx_teardown),
		cmocka_unit_test(
		    test_kagid_starts_on_a_chain_that_agrees_with_its_checkpoint),
		cmocka_unit_test(
		    test_a_chain_cut_behind_kagid_is_refused_until_accepted),
		cmocka_unit_test(
		    test_a_chain_rewritten_behind_kagid_is_refused),
		cmocka_unit_test(
		    test_records_added_while_kagid_was_stopped_are_refused),
		cmocka_unit_test(
		    test_no_checkpoint_signs_a_chain_changed_behind_kagid),
		cmocka_unit_test(test_a_refusing_caller_is_one_record_a_minute),
		cmocka_unit_test(
		    test_a_failed_audit_write_is_degraded_until_recorded),
	};

	return cmocka_run_group_tests_name("audit trail", tests, NULL, NULL);
}

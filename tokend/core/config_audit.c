/*
 * config_audit.c - the effective configuration on the audit chain
 * (config_audit.h).
 *
 * Guarantees: the record holds every key's effective value, so the next
 * start can say exactly what changed, and its digest lets an auditor
 * match a running configuration to the chain; the comparison is with
 * the last "config" record of the chain itself, not with a copy kept
 * beside it (a record that was edited breaks the chain: kagictl audit
 * verify); a first record, or one whose predecessor cannot be read,
 * counts as a change.  The record, its syslog line and the time kept in
 * ctx appear together or not at all.  No setting is a secret (the
 * sealing key's path is, its contents are not, in kagid.conf).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <openssl/evp.h>

#include "audit.h"
#include "audit_chain.h"
#include "clock.h"
#include "config_audit.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "log.h"
#include "proto.h"

/* A value as text: values are lines of at most CFG_LINE_MAX bytes. */
#define VALUE_MAX (CFG_LINE_MAX + 1)
/* How much of the summary of changes is kept in the record. */
#define SUMMARY_MAX 4000

int
config_audit_digest(const struct kagid_config *cfg,
    char out[CONFIG_DIGEST_HEX + 1])
{
	const struct cfg_key *k;
	EVP_MD_CTX *md;
	uint8_t h[EVP_MAX_MD_SIZE];
	char v[VALUE_MAX];
	unsigned int hl = 0;
	int r = KAGI_ERR_CRYPTO;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return KAGI_ERR_NOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	for (k = kagid_config_keys; k->name != NULL; k++) {
		if ((r = cfg_value_text(k, cfg, v, sizeof(v))) != 0)
			goto out;
		r = KAGI_ERR_CRYPTO;
		if (EVP_DigestUpdate(md, k->name, strlen(k->name)) != 1 ||
		    EVP_DigestUpdate(md, "=", 1) != 1 ||
		    EVP_DigestUpdate(md, v, strlen(v)) != 1 ||
		    EVP_DigestUpdate(md, "\n", 1) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(md, h, &hl) != 1 || hl != AUDIT_HASH_LEN)
		goto out;
	audit_hex(h, out);
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	return r;
}

/* The effective settings as {key: text}. */
static int
settings_json(const struct kagid_config *cfg, struct json_object **out)
{
	const struct cfg_key *k;
	struct json_object *o;
	char v[VALUE_MAX];
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	for (k = kagid_config_keys; k->name != NULL; k++)
		if ((r = cfg_value_text(k, cfg, v, sizeof(v))) != 0 ||
		    (r = proto_set_str(o, k->name, v)) != 0) {
			json_object_put(o);
			return r;
		}
	*out = o;
	return 0;
}

/* The last "config" record, as far as it can be read. */
struct last_config {
	int found;
	int64_t seq;
	struct json_object *fields;	/* owned; NULL when unreadable */
};

static int
last_cb(const struct audit_rec *rec, void *arg)
{
	struct last_config *l = arg;

	l->found = 1;
	l->seq = rec->seq;
	if (rec->fields != NULL)
		l->fields = json_tokener_parse(rec->fields);
	if (l->fields != NULL && !json_object_is_type(l->fields,
	    json_type_object)) {
		json_object_put(l->fields);
		l->fields = NULL;
	}
	return 0;
}

/* key's string in o ("" included), or NULL. */
static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* key's integer in o, or 0. */
static int64_t
jint(struct json_object *o, const char *key)
{
	int64_t v = 0;

	if (o == NULL || proto_get_int_opt(o, key, 0, INT64_MAX, &v) != 0)
		return 0;
	return v;
}

/* Add "key: old -> new" to the summary (cut, with "...", when long). */
static void
summary_add(char *sum, size_t len, int *n, const char *key, const char *old,
    const char *new_v)
{
	size_t at = strlen(sum);
	int w;

	(*n)++;
	if (at + 4 >= len)
		return;
	w = snprintf(sum + at, len - at, "%s%s: %s -> %s", at > 0 ? "; " : "",
	    key, old, new_v);
	if (w < 0 || (size_t)w >= len - at)
		snprintf(sum + len - 4, 4, "...");
}

/* What changed from prev's settings to now's: *n changes, sum the text. */
static void
config_diff(struct json_object *prev, struct json_object *now, char *sum,
    size_t len, int *n)
{
	const char *o;

	sum[0] = '\0';
	*n = 0;
	json_object_object_foreach(now, key, val) {
		o = jstr(prev, key);
		if (o == NULL || strcmp(o, json_object_get_string(val)) != 0)
			summary_add(sum, len, n, key, o != NULL ? o : "(none)",
			    json_object_get_string(val));
	}
	if (prev == NULL)
		return;
	json_object_object_foreach(prev, pkey, pval) {
		if (jstr(now, pkey) == NULL)
			summary_add(sum, len, n, pkey,
			    json_object_is_type(pval, json_type_string) ?
			    json_object_get_string(pval) : "?", "(none)");
	}
}

int
config_audit_start(struct kagid_ctx *ctx, const char *path)
{
	struct last_config last;
	struct json_object *settings = NULL, *f = NULL, *prev;
	char digest[CONFIG_DIGEST_HEX + 1], *sum = NULL;
	uint8_t head[AUDIT_HASH_LEN];
	struct stat st;
	int64_t now = kagi_now(), seq = 0, changed, changed_seq;
	int r, n = 0, is_change;

	memset(&last, 0, sizeof(last));
	if ((sum = calloc(1, SUMMARY_MAX)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = config_audit_digest(ctx->cfg, digest)) != 0 ||
	    (r = settings_json(ctx->cfg, &settings)) != 0 ||
	    (r = store_begin(ctx->store)) != 0)
		goto out;
	r = store_audit_last_event(ctx->store, "config", last_cb, &last);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		goto rollback;
	prev = json_object_object_get_ex(last.fields, "settings", &prev) ?
	    prev : NULL;
	if (!last.found)
		snprintf(sum, SUMMARY_MAX, "first record of the configuration");
	else if (prev == NULL)
		snprintf(sum, SUMMARY_MAX, "the last configuration record "
		    "(%lld) cannot be read", (long long)last.seq);
	else
		config_diff(prev, settings, sum, SUMMARY_MAX, &n);
	/* The next record is ours: one writer, inside this transaction. */
	if ((r = store_audit_head(ctx->store, &seq, head)) != 0)
		goto rollback;
	seq++;
	is_change = n > 0 || prev == NULL ||
	    strcmp(jstr(last.fields, "digest") != NULL ?
	    jstr(last.fields, "digest") : "", digest) != 0;
	if (is_change) {
		changed = now;
		changed_seq = seq;
		if (n == 0 && prev != NULL)
			snprintf(sum, SUMMARY_MAX, "the digest differs");
	} else {
		changed = jint(last.fields, "policy_changed");
		changed_seq = jint(last.fields, "policy_changed_seq");
		snprintf(sum, SUMMARY_MAX, "no change");
	}
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto rollback;
	}
	if ((r = proto_set_str(f, "digest", digest)) != 0 ||
	    (r = proto_set_str(f, "file", path != NULL ? path : "")) != 0 ||
	    (path != NULL && stat(path, &st) == 0 &&
	    (r = proto_set_int(f, "file_mtime", (int64_t)st.st_mtime)) != 0) ||
	    (r = proto_set_int(f, "changes", n)) != 0 ||
	    (r = proto_set_str(f, "changed", sum)) != 0 ||
	    (r = proto_set_int(f, "previous", last.found ? last.seq : 0)) != 0 ||
	    (r = proto_set_int(f, "policy_changed", changed)) != 0 ||
	    (r = proto_set_int(f, "policy_changed_seq", changed_seq)) != 0)
		goto rollback;
	json_object_object_add(f, "settings", settings);
	settings = NULL;
	if ((r = audit_record(ctx, NULL, is_change ? LOG_WARNING :
	    LOG_NOTICE, "config", NULL, f)) != 0 ||
	    (r = store_commit(ctx->store)) != 0)
		goto rollback;
	ctx_log_flush(ctx);
	ctx->config_seq = seq;
	ctx->config_changed = changed;
	ctx->config_changed_seq = changed_seq;
	kagi_log(is_change ? LOG_WARNING : LOG_INFO, "configuration %s "
	    "(digest %.16s...): %s", is_change ? "changed" : "unchanged",
	    digest, sum);
	goto out;
 rollback:
	store_rollback(ctx->store);
	ctx_log_discard(ctx, 0);
 out:
	json_object_put(last.fields);
	json_object_put(settings);
	json_object_put(f);
	free(sum);
	return r;
}

int
config_audit_last_change(const struct kagid_ctx *ctx, int64_t *when,
    int64_t *seq)
{
	if (ctx->config_seq == 0)
		return KAGI_ERR_NOT_FOUND;
	*when = ctx->config_changed;
	*seq = ctx->config_changed_seq;
	return 0;
}

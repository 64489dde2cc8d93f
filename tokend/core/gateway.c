/*
 * gateway.c - the SSH gateway's decisions (gateway.h): the keys sshd may
 * take for a user now, with the options that bind them to the permit.
 *
 * Guarantees:
 *  - only the configured authkeys_user may ask (its uid, from
 *    SO_PEERCRED); nobody when it is unset;
 *  - a line is printed only for an active security key (TOKEN_SSHKEY),
 *    sealed to its user at enrolment (a row moved or written by hand is
 *    left out, logged), of
 *    a known, enabled, unlocked user whose gateway terms hold now: a
 *    vendor inside an open maintenance window of an unexpired permit
 *    (R-REM-1, R-REM-3); a staff or privileged user likewise inside
 *    their remote-access grant, which is a permit on their account made
 *    and approved as a vendor's (kagictl vendor add), the role unchanged;
 *  - every line carries verify-required, an expiry-time no later than the
 *    window's end and the permit's expiry, from= with the permit's
 *    networks, restrict and pty: sshd itself refuses the key outside
 *    them, and pam_kagi's auth_sshkey decides again at log-in;
 *  - it writes nothing: sshd runs the command for every key a client
 *    merely offers;
 *  - a security key revoked (token revoke, token lost) ends the open
 *    sessions of its user in the same transaction (R-REM-4, as
 *    offboarding does: session.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fido2_factor.h"
#include "gateway.h"
#include "kagi_err.h"
#include "lockout.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "session.h"
#include "sshkey.h"
#include "vendor.h"

/* sshd's from= pattern list of the networks c. */
static int
from_list(const struct policy_cidrs *c, char out[GATEWAY_FROM_MAX])
{
	char a[INET6_ADDRSTRLEN];
	size_t i, len = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < c->n; i++) {
		if (inet_ntop(c->c[i].family, c->c[i].addr, a, sizeof(a)) ==
		    NULL)
			return KAGI_ERR_INVALID;
		n = snprintf(out + len, GATEWAY_FROM_MAX - len, "%s%s/%d",
		    i > 0 ? "," : "", a, c->c[i].prefix);
		if (n < 0 || (size_t)n >= GATEWAY_FROM_MAX - len)
			return KAGI_ERR_TOO_LARGE;
		len += (size_t)n;
	}
	return c->n > 0 ? 0 : KAGI_ERR_INVALID;
}

int
gateway_terms(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why, int64_t *ends,
    char from[GATEWAY_FROM_MAX])
{
	struct policy_cidrs c;
	int r;

	*why = NULL;
	*ends = 0;
	from[0] = '\0';
	/* A vendor's permit; for staff and privileged users from outside,
	 * their remote-access grant: the same permit, approved the same way
	 * (kagictl vendor add on their account, R-REM-1). */
	if ((r = vendor_terms_until(ctx, u, rhost, now, why, ends, &c)) != 0)
		return r;
	if (u->role != ROLE_VENDOR && *why != NULL &&
	    strcmp(*why, "no_terms") == 0)
		*why = "no_remote_grant";
	if (*why == NULL && from_list(&c, from) != 0)
		*why = "bad_terms";
	if (*why != NULL)
		from[0] = '\0';
	return 0;
}

int
gateway_authkeys_caller(const struct kagid_ctx *ctx, const struct peer *peer)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	const char *name = ctx->cfg->authkeys_user;

	if (name == NULL || name[0] == '\0')
		return KAGI_ERR_DENIED;
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL || pw.pw_uid != peer->uid)
		return KAGI_ERR_DENIED;
	return 0;
}

struct key_walk {
	struct kagid_ctx *ctx;
	const char *user;
	const char *opts;
	struct json_object *lines;
	int err;
};

static int
key_cb(const struct token_rec *t, void *arg)
{
	struct key_walk *w = arg;
	struct sshkey_rec rec;
	struct sshkey_sk k;
	char *line = NULL, *full = NULL;
	size_t n;
	int r;

	if (t->type != TOKEN_SSHKEY || t->state != TOKEN_ACTIVE)
		return 0;
	if (json_object_array_length(w->lines) >= GATEWAY_KEYS_MAX)
		return 1;
	if ((r = store_sshkey_get(w->ctx->store, t->id, &rec)) != 0)
		goto out;
	/* Sealed to this user at enrolment, or not listed (insider). */
	if (fido2_factor_sshkey_sealed_to(w->ctx, w->user, t, &rec) != 0) {
		kagi_error("SSH key token %lld of %s does not unseal as "
		    "that user's: not listed", (long long)t->id, w->user);
		return 0;
	}
	if ((r = sshkey_sk_from_blob(rec.blob, rec.blob_len, &k)) != 0 ||
	    (r = sshkey_sk_format(&k, &line)) != 0)
		goto out;
	n = strlen(w->opts) + 1 + strlen(line) + 1;
	if ((full = malloc(n)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	snprintf(full, n, "%s %s", w->opts, line);
	if (json_object_array_add(w->lines, json_object_new_string(full)) != 0)
		r = KAGI_ERR_NOMEM;
 out:
	free(line);
	free(full);
	if (r != 0) {
		/* A key that no longer reads is not printed; nor is any. */
		w->err = r == KAGI_ERR_INVALID ? KAGI_ERR_STORE : r;
		return 1;
	}
	return 0;
}

int
gateway_authkeys(struct kagid_ctx *ctx, const char *user, const char *rhost,
    int64_t now, struct json_object *reply)
{
	struct key_walk w;
	struct user_rec u;
	struct lock_rec l;
	struct json_object *lines;
	const char *why = NULL;
	char from[GATEWAY_FROM_MAX], opts[GATEWAY_FROM_MAX + 128], when[32];
	int64_t ends = 0;
	time_t te;
	struct tm tm;
	int r;

	if ((lines = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "lines", lines);
	r = store_user_get(ctx->store, user, &u);
	if (r == KAGI_ERR_NOT_FOUND)
		return 0;
	if (r != 0 || (r = store_lock_get(ctx->store, u.id, &l)) != 0)
		return r;
	if (u.disabled || lockout_is_locked(&l, now))
		return 0;
	if ((r = gateway_terms(ctx, &u, rhost, now, &why, &ends, from)) != 0 ||
	    why != NULL)
		return r;
	te = (time_t)ends;
	if (gmtime_r(&te, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y%m%d%H%M%SZ", &tm) == 0)
		return KAGI_ERR_INVALID;
	snprintf(opts, sizeof(opts), "verify-required,expiry-time=\"%s\","
	    "from=\"%s\",restrict,pty", when, from);
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.user = u.name;
	w.opts = opts;
	w.lines = lines;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, key_cb, &w);
	if (r < 0)
		return r;
	if (w.err != 0) {
		json_object_object_add(reply, "lines", NULL);
		return w.err;
	}
	return 0;
}

int
gateway_key_revoked(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct token_rec *t)
{
	if (t->type != TOKEN_SSHKEY)
		return 0;
	/* Sessions do not say which key opened them: all of u's end. */
	return session_end_user(ctx, u->name, "key_revoked", NULL);
}

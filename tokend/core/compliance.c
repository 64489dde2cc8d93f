/*
 * compliance.c - the compliance self-check (R-AUD-1): every requirement
 * ID of REQUIREMENTS.md, one line each, against the running configuration
 * and the state (compliance.h).
 *
 * Guarantees: the facts are gathered once (users, their tokens, grants
 * and locks; the counts the reports use; the chain, its newest signed
 * checkpoint and its archives' boundary; the PAM stacks of
 * compliance_pam_dir) and every check reads only them and the store;
 * PASS is given only for a fact a check verified, WARN where kagid cannot
 * know, FAIL where the fact is broken, never PASS "by design"; nothing is
 * changed.  The checks are in compliance_auth.c (authentication, access,
 * tokens), compliance_priv.c (privileged accounts, remote access) and
 * compliance_log.c (records, exceptions, incidents, availability, this
 * check); kagictl(8) says what each line means.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "audit_daemon.h"
#include "clock.h"
#include "compliance.h"
#include "compliance_int.h"
#include "kagi_err.h"
#include "lockout.h"
#include "proto.h"

/* Every requirement of REQUIREMENTS.md, in its order. */
static const struct {
	const char *id;
	int (*fn)(struct cc *);
} checks[] = {
	{ "R-MFA-1", cc_mfa_1 }, { "R-MFA-2", cc_mfa_2 },
	{ "R-MFA-3", cc_mfa_3 }, { "R-MFA-4", cc_mfa_4 },
	{ "R-MFA-5", cc_mfa_5 },
	{ "R-ACC-1", cc_acc_1 }, { "R-ACC-2", cc_acc_2 },
	{ "R-TOK-1", cc_tok_1 }, { "R-TOK-2", cc_tok_2 },
	{ "R-TOK-3", cc_tok_3 }, { "R-TOK-4", cc_tok_4 },
	{ "R-TOK-5", cc_tok_5 }, { "R-TOK-6", cc_tok_6 },
	{ "R-TOK-7", cc_tok_7 }, { "R-TOK-9", cc_tok_9 },
	{ "R-TOK-8", cc_tok_8 },
	{ "R-PRIV-1", cc_priv_1 }, { "R-PRIV-2", cc_priv_2 },
	{ "R-PRIV-3", cc_priv_3 }, { "R-PRIV-4", cc_priv_4 },
	{ "R-PRIV-5", cc_priv_5 }, { "R-PRIV-6", cc_priv_6 },
	{ "R-PRIV-7", cc_priv_7 },
	{ "R-REM-1", cc_rem_1 }, { "R-REM-2", cc_rem_2 },
	{ "R-REM-3", cc_rem_3 }, { "R-REM-5", cc_rem_5 },
	{ "R-REM-4", cc_rem_4 },
	{ "R-LOG-1", cc_log_1 }, { "R-LOG-2", cc_log_2 },
	{ "R-LOG-3", cc_log_3 }, { "R-LOG-4", cc_log_4 },
	{ "R-LOG-5", cc_log_5 },
	{ "R-EXC-1", cc_exc_1 }, { "R-INC-1", cc_inc_1 },
	{ "R-AVL-1", cc_avl_1 }, { "R-AUD-1", cc_aud_1 },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

int
compliance_ids(void)
{
	return (int)NCHECKS;
}

/* --- the facts ---------------------------------------------------------- */

static int
totp_count_cb(const struct token_rec *t, void *arg)
{
	struct cc_user *cu = arg;

	/* An SSH security key is a FIDO2 key with user verification. */
	if (t->type == TOKEN_FIDO2 || t->type == TOKEN_SSHKEY)
		cu->active_fido2++;
	else
		cu->active_totp++;
	return 0;
}

static int
user_cb(const struct user_rec *u, void *arg)
{
	struct cc *c = arg;
	struct cc_user *grown;
	size_t cap;

	if (c->nusers == c->users_cap) {
		cap = c->users_cap == 0 ? 16 : c->users_cap * 2;
		if ((grown = reallocarray(c->users, cap, sizeof(*grown))) ==
		    NULL)
			return KAGI_ERR_NOMEM;
		c->users = grown;
		c->users_cap = cap;
	}
	memset(&c->users[c->nusers], 0, sizeof(c->users[0]));
	c->users[c->nusers++].u = *u;
	return 0;
}

static int
users_load(struct cc *c)
{
	size_t i;
	int r;

	if ((r = store_user_list(c->ctx->store, user_cb, c)) != 0)
		return r;
	for (i = 0; i < c->nusers; i++) {
		struct cc_user *cu = &c->users[i];

		if ((r = store_lock_get(c->ctx->store, cu->u.id, &cu->l)) != 0 ||
		    (r = store_token_list(c->ctx->store, cu->u.id,
		    TOKEN_ACTIVE, totp_count_cb, cu)) < 0)
			return r;
		cu->locked = lockout_is_locked(&cu->l, c->now);
		r = store_grant_get(c->ctx->store, cu->u.id, &cu->g);
		if (r == KAGI_ERR_NOT_FOUND)
			memset(&cu->g, 0, sizeof(cu->g));
		else if (r != 0)
			return r;
	}
	return 0;
}

/* The chain: intact, its newest signed checkpoint, the boundary. */
static int
chain_load(struct cc *c)
{
	struct json_object *v, *o;
	uint8_t prev[32], head[32];
	const char *s;
	int r;

	if ((r = store_audit_boundary(c->ctx->store, &c->first, prev)) != 0 ||
	    (r = store_audit_head(c->ctx->store, &c->head, head)) != 0)
		return r;
	r = store_audit_check(c->ctx->store, &c->bad_seq, &c->why);
	if (r != 0 && r != KAGI_ERR_INVALID)
		return r;
	c->intact = r == 0;
	if ((v = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = audit_daemon_verify(c->ctx, v)) == 0) {
		o = json_object_object_get(v, "checkpoint");
		s = json_object_get_string(json_object_object_get(o, "state"));
		snprintf(c->cp_state, sizeof(c->cp_state), "%s",
		    s != NULL ? s : "none");
		c->cp_seq = json_object_get_int64(json_object_object_get(o,
		    "seq"));
		c->cp_time = json_object_get_int64(json_object_object_get(o,
		    "time"));
		o = json_object_object_get(v, "boundary");
		s = json_object_get_string(json_object_object_get(o, "state"));
		snprintf(c->boundary, sizeof(c->boundary), "%s",
		    s != NULL ? s : "none");
	}
	json_object_put(v);
	return r;
}

int
compliance_check(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct cc *c;
	size_t i;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KAGI_ERR_NOMEM;
	c->ctx = ctx;
	c->cfg = ctx->cfg;
	c->nids = (int)NCHECKS;
	c->now = kagi_now();
	if ((c->arr = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = users_load(c)) != 0 ||
	    (r = report_counts(ctx, &c->counts)) != 0 ||
	    (r = chain_load(c)) != 0 ||
	    (r = pam_facts_read(c->cfg->compliance_pam_dir, &c->pam)) != 0)
		goto out;
	for (i = 0; i < NCHECKS; i++) {
		int before = c->n;

		if ((r = checks[i].fn(c)) != 0)
			goto out;
		/* One line a requirement, with its own ID. */
		if (c->n != before + 1 || strcmp(json_object_get_string(
		    json_object_object_get(json_object_array_get_idx(c->arr,
		    (size_t)before), "id")), checks[i].id) != 0) {
			r = KAGI_ERR_INTERNAL;
			goto out;
		}
	}
	json_object_object_add(reply, "checks", c->arr);
	c->arr = NULL;
	if ((r = proto_set_int(reply, "fail", c->fail)) != 0 ||
	    (r = proto_set_int(reply, "warn", c->warn)) != 0 ||
	    (r = proto_set_int(reply, "pass", c->n - c->fail - c->warn)) != 0)
		goto out;
 out:
	json_object_put(c->arr);
	free(c->users);
	free(c);
	return r;
}

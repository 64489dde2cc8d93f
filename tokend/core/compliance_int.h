/*
 * compliance_int.h - what the files of the compliance check share
 * (compliance.c, compliance_line.c, compliance_auth.c, compliance_priv.c,
 * compliance_log.c, compliance_pam.c); nobody else includes it.
 *
 * compliance.c gathers the facts once (struct cc) and runs one check per
 * requirement ID of REQUIREMENTS.md, in its order; each check adds
 * exactly one line with cc_add(): PASS only for a fact it verified, WARN
 * where kagid cannot know, FAIL where the fact is broken.  A line's
 * words are a template (N_(), "%s" for each argument, "%N$s" allowed in
 * translations) and its arguments, so that kagictl can show it in the
 * reader's language; "evidence" is the English text.
 */
#ifndef KAGI_COMPLIANCE_INT_H
#define KAGI_COMPLIANCE_INT_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "report.h"
#include "store_report.h"

#define CC_PASS "PASS"
#define CC_WARN "WARN"
#define CC_FAIL "FAIL"

/* A comma-separated list of names for a line, cut with "..." when long. */
struct cc_list {
	char text[200];
	int n;
};
void cc_list_add(struct cc_list *l, const char *item);

/* What the PAM stacks of compliance_pam_dir say (compliance_pam.c). */
struct pam_facts {
	int unreadable;			/* the directory cannot be read */
	int err;
	int nkagi;			/* services whose auth runs pam_kagi */
	struct cc_list services;
	struct cc_list weak;		/* pam_kagi neither required nor
					 * requisite (nor [default=bad]) */
	struct cc_list no_password;	/* no password module before it */
	struct cc_list nullok;		/* ... with nullok */
	struct cc_list bypass;		/* a line before it ends the stack */
	struct cc_list no_account;	/* pam_kagi not in account */
	struct cc_list no_session;	/* pam_kagi not in session */
	struct cc_list zones;		/* distinct zone= of its lines */
	int sshd;			/* an sshd service exists */
	int sshd_kagi, sshd_password, sshd_account;
	struct cc_list lockers;		/* screen lockers' services */
	struct cc_list lockers_without;	/* ... whose auth skips kagi */
};
int pam_facts_read(const char *dir, struct pam_facts *pf);

/* One user and what the checks read of it. */
struct cc_user {
	struct user_rec u;
	struct lock_rec l;
	int locked;
	struct grant_rec g;		/* g.user_id 0: none */
	int64_t active_totp, active_fido2;
};

struct cc {
	struct kagid_ctx *ctx;
	const struct kagid_config *cfg;
	int64_t now;
	struct json_object *arr;
	int fail, warn, n;
	int nids;			/* how many IDs are checked */
	char num[24][24];		/* numbers as text, for arguments */
	int nnum;
	struct cc_user *users;
	size_t nusers, users_cap;
	struct report_counts counts;
	struct pam_facts pam;
	/* The chain, its newest checkpoint and its archives' boundary. */
	int intact;
	int64_t bad_seq, first, head;
	int why;
	char cp_state[16];
	int64_t cp_seq, cp_time;
	char boundary[16];
};

/*
 * Add the line of requirement id: result, a template and its string
 * arguments (NULL-terminated).
 */
int cc_add(struct cc *c, const char *id, const char *result,
    const char *text, ...) __attribute__((sentinel));
/* An integer as text, valid until the line is added (cc_add). */
const char *cc_int(struct cc *c, int64_t v);
/* A date (YYYY-MM-DD, UTC) as text, the same. */
const char *cc_date(struct cc *c, int64_t t);

/*
 * Requests approved by the person who asked (of the privileged acts
 * only, when priv_only) into bad; *approved counts those approved.
 */
int cc_self_approved(struct cc *c, int priv_only, struct cc_list *bad,
    int64_t *approved);

/* The checks, one a requirement, in REQUIREMENTS.md's order. */
int cc_mfa_1(struct cc *c);
int cc_mfa_2(struct cc *c);
int cc_mfa_3(struct cc *c);
int cc_mfa_4(struct cc *c);
int cc_mfa_5(struct cc *c);
int cc_acc_1(struct cc *c);
int cc_acc_2(struct cc *c);
int cc_tok_1(struct cc *c);
int cc_tok_2(struct cc *c);
int cc_tok_3(struct cc *c);
int cc_tok_4(struct cc *c);
int cc_tok_5(struct cc *c);
int cc_tok_6(struct cc *c);
int cc_tok_7(struct cc *c);
int cc_tok_9(struct cc *c);
int cc_tok_8(struct cc *c);
int cc_priv_1(struct cc *c);
int cc_priv_2(struct cc *c);
int cc_priv_3(struct cc *c);
int cc_priv_4(struct cc *c);
int cc_priv_5(struct cc *c);
int cc_priv_6(struct cc *c);
int cc_priv_7(struct cc *c);
int cc_rem_1(struct cc *c);
int cc_rem_2(struct cc *c);
int cc_rem_3(struct cc *c);
int cc_rem_5(struct cc *c);
int cc_rem_4(struct cc *c);
int cc_log_1(struct cc *c);
int cc_log_2(struct cc *c);
int cc_log_3(struct cc *c);
int cc_log_4(struct cc *c);
int cc_log_5(struct cc *c);
int cc_exc_1(struct cc *c);
int cc_inc_1(struct cc *c);
int cc_avl_1(struct cc *c);
int cc_aud_1(struct cc *c);

#endif

/*
 * kagid_config.c - the keys of kagid.conf, their defaults and ranges.
 *
 * One table drives parsing (lib/cfg.c), kagid -t, and the man-page check
 * in the test suite.  After parsing, kagid_config_load() fills the paths
 * derived from state_dir and checks what single keys cannot.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fido2.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "store.h"

static const char *const alg_choices[] = { "sha1", "sha256", "sha512", NULL };
/* In the order of enum fido2_uv_policy and enum fido2_att_mode. */
static const char *const uv_choices[] = { "required", "preferred",
    "discouraged", NULL };
static const char *const att_choices[] = { "any", "roots", NULL };

#define OFF(f) offsetof(struct kagid_config, f)
#define DAY (24LL * 3600)

const struct cfg_key kagid_config_keys[] = {
	{ "socket", CFG_PATH, OFF(socket), 0, 0, NULL },
	{ "state_dir", CFG_PATH, OFF(state_dir), 0, 0, NULL },
	{ "database", CFG_PATH, OFF(database), 0, 0, NULL },
	{ "key_file", CFG_PATH, OFF(key_file), 0, 0, NULL },
	{ "user", CFG_STR, OFF(user), 0, 0, NULL },
	{ "admin_group", CFG_STR, OFF(admin_group), 0, 0, NULL },
	{ "client_timeout", CFG_DURATION, OFF(client_timeout), 1, 300, NULL },
	{ "max_clients", CFG_INT, OFF(max_clients), 1, 4096, NULL },
	{ "issuer", CFG_STR, OFF(issuer), 0, 0, NULL },
	{ "totp_window", CFG_INT, OFF(totp_window), 0, 10, NULL },
	{ "totp_algorithm", CFG_ENUM, OFF(totp_algorithm), 0, 0, alg_choices },
	{ "totp_digits", CFG_INT, OFF(totp_digits), 6, 8, NULL },
	{ "totp_period", CFG_DURATION, OFF(totp_period), 15, 120, NULL },
	{ "pending_lifetime", CFG_DURATION, OFF(pending_lifetime), 60, 30 * DAY, NULL },
	{ "lockout_failures", CFG_INT, OFF(lockout_failures), 1, 100, NULL },
	{ "lockout_interval", CFG_DURATION, OFF(lockout_interval), 1, 30 * DAY, NULL },
	{ "lockout_duration", CFG_DURATION, OFF(lockout_duration), 1, 30 * DAY, NULL },
	{ "lockout_max_duration", CFG_DURATION, OFF(lockout_max_duration), 1, 365 * DAY, NULL },
	{ "lockout_growth", CFG_BOOL, OFF(lockout_growth), 0, 0, NULL },
	{ "lockout_admin_unlock", CFG_BOOL, OFF(lockout_admin_unlock), 0, 0, NULL },
	{ "debug", CFG_BOOL, OFF(debug), 0, 0, NULL },
	{ "fido2_rp_id", CFG_STR, OFF(fido2_rp_id), 0, 0, NULL },
	{ "fido2_uv", CFG_ENUM, OFF(fido2_uv), 0, 0, uv_choices },
	{ "fido2_challenge_lifetime", CFG_DURATION, OFF(fido2_challenge_lifetime), 5, 600, NULL },
	{ "fido2_attestation", CFG_ENUM, OFF(fido2_attestation), 0, 0, att_choices },
	{ "fido2_attestation_roots", CFG_PATH, OFF(fido2_attestation_roots), 0, 0, NULL },
	{ "fido2_aaguids", CFG_STR, OFF(fido2_aaguids), 0, 0, NULL },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};

static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return KAGI_ERR_NOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

void
kagid_config_defaults(struct kagid_config *c)
{
	memset(c, 0, sizeof(*c));
	c->client_timeout = 5;
	c->max_clients = 256;
	c->totp_window = 1;
	c->totp_algorithm = TOTP_SHA1;
	c->totp_digits = 6;
	c->totp_period = 30;
	c->pending_lifetime = 15 * 60;
	c->lockout_failures = 5;
	c->lockout_interval = 15 * 60;
	c->lockout_duration = 15 * 60;
	c->lockout_max_duration = DAY;
	c->lockout_growth = 1;
	c->lockout_admin_unlock = 0;
	c->fido2_uv = UVPOLICY_REQUIRED;
	c->fido2_challenge_lifetime = 60;
	c->fido2_attestation = ATTEST_ANY;
}

/* An empty fido2_rp_id stands for "pam://" and the host name, as pam_u2f's. */
static int
default_rp_id(char **dst)
{
	char host[256], buf[300];

	if ((*dst)[0] != '\0')
		return 0;
	if (gethostname(host, sizeof(host)) != 0)
		return KAGI_ERR_CONFIG;
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, sizeof(buf), "pam://%s", host);
	return set_str(dst, buf);
}

static int
derive_path(char **dst, const char *dir, const char *file)
{
	char buf[4096];
	int n;

	if (*dst != NULL)
		return 0;
	n = snprintf(buf, sizeof(buf), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return KAGI_ERR_TOO_LARGE;
	return set_str(dst, buf);
}

int
kagid_config_load(struct kagid_config *c, const char *path,
    unsigned owner_uid, char *err, size_t errlen)
{
	int r;

	if (path != NULL && (r = cfg_parse_file(path, owner_uid,
	    kagid_config_keys, c, err, errlen)) != 0)
		return r;
	/* Strings left unset take their defaults here (cfg_free frees all). */
	if ((c->socket == NULL &&
	    (r = set_str(&c->socket, KAGI_DEFAULT_SOCKET)) != 0) ||
	    (c->state_dir == NULL &&
	    (r = set_str(&c->state_dir, KAGI_STATE_DIR)) != 0) ||
	    (c->user == NULL && (r = set_str(&c->user, "kagi")) != 0) ||
	    (c->admin_group == NULL &&
	    (r = set_str(&c->admin_group, "kagi-admin")) != 0) ||
	    (c->issuer == NULL && (r = set_str(&c->issuer, "kagi")) != 0) ||
	    (r = derive_path(&c->database, c->state_dir, "kagi.db")) != 0 ||
	    (r = derive_path(&c->key_file, c->state_dir, "seal.key")) != 0 ||
	    (c->fido2_rp_id == NULL &&
	    (r = set_str(&c->fido2_rp_id, "")) != 0) ||
	    (r = default_rp_id(&c->fido2_rp_id)) != 0 ||
	    (c->fido2_aaguids == NULL &&
	    (r = set_str(&c->fido2_aaguids, "")) != 0)) {
		snprintf(err, errlen, "%s", kagi_strerror(r));
		return r;
	}
	if (c->totp_digits != 6 && c->totp_digits != 8) {
		snprintf(err, errlen, "%s: 'totp_digits' must be 6 or 8",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->lockout_max_duration < c->lockout_duration) {
		snprintf(err, errlen, "%s: 'lockout_max_duration' is shorter "
		    "than 'lockout_duration'", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->issuer[0] == '\0' || strlen(c->issuer) > 64 ||
	    strchr(c->issuer, ':') != NULL) {
		snprintf(err, errlen, "%s: 'issuer' must be 1 to 64 characters "
		    "without ':'", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->fido2_rp_id[0] == '\0' || strlen(c->fido2_rp_id) > 255) {
		snprintf(err, errlen, "%s: 'fido2_rp_id' must be 1 to 255 "
		    "characters", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (fido2_aaguid_list_valid(c->fido2_aaguids) != 0) {
		snprintf(err, errlen, "%s: 'fido2_aaguids' must be a comma-"
		    "separated list of AAGUIDs like "
		    "01234567-89ab-cdef-0123-456789abcdef",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->fido2_attestation == ATTEST_ROOTS &&
	    c->fido2_attestation_roots == NULL) {
		snprintf(err, errlen, "%s: 'fido2_attestation = roots' needs "
		    "'fido2_attestation_roots'", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	return 0;
}

void
kagid_config_free(struct kagid_config *c)
{
	cfg_free(kagid_config_keys, c);
}

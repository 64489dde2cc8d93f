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

#include "kagi_err.h"
#include "kagid_config.h"
#include "store.h"

static const char *const alg_choices[] = { "sha1", "sha256", "sha512", NULL };
static const char *const unsynced_choices[] = { "allow", "refuse", NULL };

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
	{ "audit_anchor_interval", CFG_DURATION, OFF(audit_anchor_interval), 60, 7 * DAY, NULL },
	{ "audit_retention_days", CFG_INT, OFF(audit_retention_days), 1, 36500, NULL },
	{ "alert_command", CFG_STR, OFF(alert_command), 0, 0, NULL },
	{ "alert_timeout", CFG_DURATION, OFF(alert_timeout), 1, 300, NULL },
	{ "clock_check_interval", CFG_DURATION, OFF(clock_check_interval), 10, DAY, NULL },
	{ "totp_when_unsynced", CFG_ENUM, OFF(totp_when_unsynced), 0, 0, unsynced_choices },
	{ "dormant_days", CFG_INT, OFF(dormant_days), 1, 3650, NULL },
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
	c->audit_anchor_interval = 3600;
	c->audit_retention_days = 365;
	c->alert_timeout = 10;
	c->clock_check_interval = 600;
	c->totp_when_unsynced = UNSYNCED_ALLOW;
	c->dormant_days = 90;
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
	    (c->alert_command == NULL &&
	    (r = set_str(&c->alert_command, "")) != 0) ||
	    (r = derive_path(&c->database, c->state_dir, "kagi.db")) != 0 ||
	    (r = derive_path(&c->key_file, c->state_dir, "seal.key")) != 0) {
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
	if (c->alert_command[0] != '\0' && c->alert_command[0] != '/') {
		snprintf(err, errlen, "%s: 'alert_command' must be an absolute "
		    "path (it is run without a shell)",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->issuer[0] == '\0' || strlen(c->issuer) > 64 ||
	    strchr(c->issuer, ':') != NULL) {
		snprintf(err, errlen, "%s: 'issuer' must be 1 to 64 characters "
		    "without ':'", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	return 0;
}

void
kagid_config_free(struct kagid_config *c)
{
	cfg_free(kagid_config_keys, c);
}

/*
 * kagid_config.h - kagid.conf: what it holds, its defaults, its checks.
 *
 * Read by kagid (at start and with -t) and by kagictl (for the socket
 * path).  Every key is in conf/kagid.conf and kagid.conf(5).
 */
#ifndef KAGI_KAGID_CONFIG_H
#define KAGI_KAGID_CONFIG_H

#include <stddef.h>

#include "cfg.h"

struct kagid_config {
	char *socket;			/* socket path */
	char *state_dir;		/* directory of the store */
	char *database;			/* default <state_dir>/kagi.db */
	char *key_file;			/* default <state_dir>/seal.key */
	char *user;			/* run as; "" = do not change */
	char *admin_group;		/* members may administer */
	long long client_timeout;	/* seconds a client may stay silent */
	long long max_clients;
	char *issuer;			/* otpauth issuer */
	long long totp_window;		/* steps either side */
	int totp_algorithm;		/* enum totp_alg, for new tokens */
	long long totp_digits;		/* for new tokens: 6 or 8 */
	long long totp_period;		/* for new tokens */
	long long pending_lifetime;	/* unconfirmed token lifetime */
	long long lockout_failures;
	long long lockout_interval;
	long long lockout_duration;
	long long lockout_max_duration;
	int lockout_growth;
	int lockout_admin_unlock;
	int debug;
	/* Audit, alerts, time (issue 5). */
	long long audit_anchor_interval;	/* seconds between anchor lines */
	long long audit_retention_days;		/* records kept at least */
	char *alert_command;			/* "" = none */
	long long alert_timeout;		/* seconds, then killed */
	long long clock_check_interval;		/* seconds */
	int totp_when_unsynced;			/* enum unsynced_policy */
	long long dormant_days;			/* R-TOK-6 threshold */
};

enum unsynced_policy { UNSYNCED_ALLOW = 0, UNSYNCED_REFUSE = 1 };

extern const struct cfg_key kagid_config_keys[];

void kagid_config_defaults(struct kagid_config *c);
/*
 * Load path over the defaults and check the result (derived paths filled
 * in, digits 6 or 8, ...).  owner_uid is who besides root may own the file.
 */
int kagid_config_load(struct kagid_config *c, const char *path,
    unsigned owner_uid, char *err, size_t errlen);
void kagid_config_free(struct kagid_config *c);

#endif

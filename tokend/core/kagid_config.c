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
#include <sys/stat.h>

#include "fido2.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "policy.h"
#include "store.h"

static const char *const alg_choices[] = { "sha1", "sha256", "sha512", NULL };
static const char *const unsynced_choices[] = { "allow", "refuse", NULL };
/* In the order of enum store_engine. */
static const char *const store_choices[] = { "sqlite", "postgresql", NULL };
/* In the order of enum kagid_role. */
static const char *const role_choices[] = { "standalone", "core", "edge",
    NULL };
/* In the order of enum fido2_att_mode. */
static const char *const att_choices[] = { "any", "roots", "full", "trusted",
    NULL };

#define OFF(f) offsetof(struct kagid_config, f)
#define DAY (24LL * 3600)

const struct cfg_key kagid_config_keys[] = {
	{ "socket", CFG_PATH, OFF(socket), 0, 0, NULL },
	{ "state_dir", CFG_PATH, OFF(state_dir), 0, 0, NULL },
	{ "database", CFG_PATH, OFF(database), 0, 0, NULL },
	{ "store", CFG_ENUM, OFF(store), 0, 0, store_choices },
	{ "store_conninfo", CFG_STR, OFF(store_conninfo), 0, 0, NULL },
	{ "core_name", CFG_STR, OFF(core_name), 0, 0, NULL },
	{ "key_file", CFG_PATH, OFF(key_file), 0, 0, NULL },
	{ "user", CFG_STR, OFF(user), 0, 0, NULL },
	{ "admin_group", CFG_STR, OFF(admin_group), 0, 0, NULL },
	{ "client_timeout", CFG_DURATION, OFF(client_timeout), 1, 300, NULL },
	{ "max_clients", CFG_INT, OFF(max_clients), 1, 4096, NULL },
	{ "max_clients_per_uid", CFG_INT, OFF(max_clients_per_uid), 1, 4096, NULL },
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
	{ "lockout_relock_failures", CFG_INT, OFF(lockout_relock_failures), 0, 100, NULL },
	{ "failure_delay", CFG_DURATION, OFF(failure_delay), 0, 60, NULL },
	{ "failure_delay_max", CFG_DURATION, OFF(failure_delay_max), 0, 300, NULL },
	{ "unknown_names_max", CFG_INT, OFF(unknown_names_max), 100, 10000000, NULL },
	{ "debug", CFG_BOOL, OFF(debug), 0, 0, NULL },
	{ "audit_anchor_interval", CFG_DURATION, OFF(audit_anchor_interval), 60, 7 * DAY, NULL },
	{ "audit_retention_days", CFG_INT, OFF(audit_retention_days), 1, 36500, NULL },
	{ "audit_key_file", CFG_PATH, OFF(audit_key_file), 0, 0, NULL },
	{ "audit_checkpoint_log", CFG_PATH, OFF(audit_checkpoint_log), 0, 0, NULL },
	{ "audit_checkpoint_interval", CFG_DURATION, OFF(audit_checkpoint_interval), 1, 60, NULL },
	{ "audit_checkpoint_command", CFG_STR, OFF(audit_checkpoint_command), 0, 0, NULL },
	{ "audit_verify_keys", CFG_STR, OFF(audit_verify_keys), 0, 0, NULL },
	{ "alert_command", CFG_STR, OFF(alert_command), 0, 0, NULL },
	{ "alert_timeout", CFG_DURATION, OFF(alert_timeout), 1, 300, NULL },
	{ "clock_check_interval", CFG_DURATION, OFF(clock_check_interval), 10, DAY, NULL },
	{ "totp_when_unsynced", CFG_ENUM, OFF(totp_when_unsynced), 0, 0, unsynced_choices },
	{ "dormant_days", CFG_INT, OFF(dormant_days), 1, 3650, NULL },
	{ "approver_group", CFG_STR, OFF(approver_group), 0, 0, NULL },
	{ "approver_group_role_privileged", CFG_STR, OFF(approver_group_role_privileged), 0, 0, NULL },
	{ "approver_group_token_privileged", CFG_STR, OFF(approver_group_token_privileged), 0, 0, NULL },
	{ "approver_group_vendor_add", CFG_STR, OFF(approver_group_vendor_add), 0, 0, NULL },
	{ "approver_group_user_delete", CFG_STR, OFF(approver_group_user_delete), 0, 0, NULL },
	{ "approver_group_unlock_privileged", CFG_STR, OFF(approver_group_unlock_privileged), 0, 0, NULL },
	{ "approver_group_breakglass_issue", CFG_STR, OFF(approver_group_breakglass_issue), 0, 0, NULL },
	{ "approver_group_breakglass_privileged", CFG_STR, OFF(approver_group_breakglass_privileged), 0, 0, NULL },
	{ "request_lifetime", CFG_DURATION, OFF(request_lifetime), 60, 30 * DAY, NULL },
	{ "approval_required", CFG_STR, OFF(approval_required), 0, 0, NULL },
	{ "enroll_code_lifetime", CFG_DURATION, OFF(enroll_code_lifetime), 60, 30 * DAY, NULL },
	{ "dormant_disable_days", CFG_INT, OFF(dormant_disable_days), 0, 3650, NULL },
	{ "breakglass", CFG_BOOL, OFF(breakglass), 0, 0, NULL },
	{ "breakglass_codes", CFG_INT, OFF(breakglass_codes), 1, 20, NULL },
	{ "breakglass_iterations", CFG_INT, OFF(breakglass_iterations), 1000, 10000000, NULL },
	{ "breakglass_file", CFG_PATH, OFF(breakglass_file), 0, 0, NULL },
	{ "fido2_rp_id", CFG_STR, OFF(fido2_rp_id), 0, 0, NULL },
	{ "fido2_uv", CFG_ENUM, OFF(fido2_uv), 0, 0, fido2_uv_policy_names },
	{ "fido2_challenge_lifetime", CFG_DURATION, OFF(fido2_challenge_lifetime), 5, 600, NULL },
	{ "sshkey_challenge_lifetime", CFG_DURATION, OFF(sshkey_challenge_lifetime), 30, 3600, NULL },
	{ "authkeys_user", CFG_STR, OFF(authkeys_user), 0, 0, NULL },
	{ "role", CFG_ENUM, OFF(role), 0, 0, role_choices },
	{ "listen_tls", CFG_STR, OFF(listen_tls), 0, 0, NULL },
	{ "tls_cert", CFG_STR, OFF(tls_cert), 0, 0, NULL },
	{ "tls_key", CFG_STR, OFF(tls_key), 0, 0, NULL },
	{ "tls_ca", CFG_STR, OFF(tls_ca), 0, 0, NULL },
	{ "cores", CFG_STR, OFF(cores), 0, 0, NULL },
	{ "fido2_attestation", CFG_ENUM, OFF(fido2_attestation), 0, 0, att_choices },
	{ "fido2_attestation_privileged", CFG_ENUM, OFF(fido2_attestation_privileged), 0, 0, att_choices },
	{ "fido2_attestation_vendor", CFG_ENUM, OFF(fido2_attestation_vendor), 0, 0, att_choices },
	{ "fido2_attestation_roots", CFG_PATH, OFF(fido2_attestation_roots), 0, 0, NULL },
	{ "fido2_aaguids", CFG_STR, OFF(fido2_aaguids), 0, 0, NULL },
	{ "lockout_privileged_failures", CFG_INT, OFF(lockout_privileged_failures), 1, 100, NULL },
	{ "lockout_privileged_interval", CFG_DURATION, OFF(lockout_privileged_interval), 1, 30 * DAY, NULL },
	{ "lockout_privileged_duration", CFG_DURATION, OFF(lockout_privileged_duration), 1, 30 * DAY, NULL },
	{ "lockout_privileged_max_duration", CFG_DURATION, OFF(lockout_privileged_max_duration), 1, 365 * DAY, NULL },
	{ "lockout_privileged_growth", CFG_BOOL, OFF(lockout_privileged_growth), 0, 0, NULL },
	{ "lockout_privileged_admin_unlock", CFG_BOOL, OFF(lockout_privileged_admin_unlock), 0, 0, NULL },
	{ "lockout_vendor_failures", CFG_INT, OFF(lockout_vendor_failures), 1, 100, NULL },
	{ "lockout_vendor_interval", CFG_DURATION, OFF(lockout_vendor_interval), 1, 30 * DAY, NULL },
	{ "lockout_vendor_duration", CFG_DURATION, OFF(lockout_vendor_duration), 1, 30 * DAY, NULL },
	{ "lockout_vendor_max_duration", CFG_DURATION, OFF(lockout_vendor_max_duration), 1, 365 * DAY, NULL },
	{ "lockout_vendor_growth", CFG_BOOL, OFF(lockout_vendor_growth), 0, 0, NULL },
	{ "lockout_vendor_admin_unlock", CFG_BOOL, OFF(lockout_vendor_admin_unlock), 0, 0, NULL },
	{ "throttle_failures", CFG_INT, OFF(throttle_failures), 1, 10000, NULL },
	{ "throttle_interval", CFG_DURATION, OFF(throttle_interval), 1, 30 * DAY, NULL },
	{ "zone_mynumber_factors", CFG_STR, OFF(zone_mynumber_factors), 0, 0, NULL },
	{ "zone_lgwan_factors", CFG_STR, OFF(zone_lgwan_factors), 0, 0, NULL },
	{ "zone_internet_factors", CFG_STR, OFF(zone_internet_factors), 0, 0, NULL },
	{ "timezone", CFG_STR, OFF(timezone), 0, 0, NULL },
	{ "privileged_session_max", CFG_DURATION, OFF(privileged_session_max), 1, 7 * DAY, NULL },
	{ "session_warn", CFG_DURATION, OFF(session_warn), 0, DAY, NULL },
	{ "session_grace", CFG_DURATION, OFF(session_grace), 1, 300, NULL },
	{ "staff_session_idle", CFG_DURATION, OFF(staff_session_idle), 0, 7 * DAY, NULL },
	{ "privileged_session_idle", CFG_DURATION, OFF(privileged_session_idle), 0, 7 * DAY, NULL },
	{ "vendor_session_idle", CFG_DURATION, OFF(vendor_session_idle), 0, 7 * DAY, NULL },
	{ "banner_file", CFG_STR, OFF(banner_file), 0, 0, NULL },
	/* The log-in confirmed by the whole PAM stack (login_confirm.c). */
	{ "login_confirm_time", CFG_DURATION, OFF(login_confirm_time), 5, 15 * 60, NULL },
	{ "vendor_max_horizon", CFG_DURATION, OFF(vendor_max_horizon), DAY, 3650 * DAY, NULL },
	{ "vendor_max_window", CFG_DURATION, OFF(vendor_max_window), 3600, DAY, NULL },
	{ "vendor_widest_prefix_ipv4", CFG_INT, OFF(vendor_widest_prefix_ipv4), 8, 32, NULL },
	{ "vendor_widest_prefix_ipv6", CFG_INT, OFF(vendor_widest_prefix_ipv6), 16, 128, NULL },
	{ "compliance_pam_dir", CFG_PATH, OFF(compliance_pam_dir), 0, 0, NULL },
	{ "access_review_days", CFG_INT, OFF(access_review_days), 1, 3650, NULL },
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
	c->max_clients_per_uid = 16;
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
	c->lockout_relock_failures = 1;
	c->failure_delay = 1;
	c->failure_delay_max = 8;
	c->unknown_names_max = 10000;
	c->lockout_privileged_failures = 3;
	c->lockout_privileged_interval = 15 * 60;
	c->lockout_privileged_duration = 15 * 60;
	c->lockout_privileged_max_duration = DAY;
	c->lockout_privileged_growth = 1;
	c->lockout_privileged_admin_unlock = 1;
	c->lockout_vendor_failures = 3;
	c->lockout_vendor_interval = 15 * 60;
	c->lockout_vendor_duration = 15 * 60;
	c->lockout_vendor_max_duration = DAY;
	c->lockout_vendor_growth = 1;
	c->lockout_vendor_admin_unlock = 1;
	c->throttle_failures = 10;
	c->throttle_interval = 15 * 60;
	c->fido2_uv = UVPOLICY_REQUIRED;
	c->fido2_challenge_lifetime = 60;
	c->sshkey_challenge_lifetime = 600;
	c->fido2_attestation = ATTEST_ANY;
	c->fido2_attestation_privileged = ATTEST_TRUSTED;
	c->fido2_attestation_vendor = ATTEST_ANY;
	c->request_lifetime = DAY;
	c->enroll_code_lifetime = 3 * DAY;
	c->dormant_disable_days = 0;
	c->breakglass = 0;
	c->breakglass_codes = 5;
	c->breakglass_iterations = 200000;
	c->audit_anchor_interval = 3600;
	c->audit_retention_days = 365;
	c->audit_checkpoint_interval = 60;
	c->alert_timeout = 10;
	c->clock_check_interval = 600;
	c->totp_when_unsynced = UNSYNCED_ALLOW;
	c->store = STORE_SQLITE;
	c->role = KAGID_STANDALONE;
	c->dormant_days = 90;
	c->privileged_session_max = 60 * 60;
	c->session_warn = 5 * 60;
	c->session_grace = 10;
	c->staff_session_idle = 60 * 60;
	c->privileged_session_idle = 15 * 60;
	c->vendor_session_idle = 15 * 60;
	c->login_confirm_time = 2 * 60;
	c->vendor_max_horizon = 90 * DAY;
	c->vendor_max_window = 10 * 3600;
	c->vendor_widest_prefix_ipv4 = 28;
	c->vendor_widest_prefix_ipv6 = 64;
	c->access_review_days = 90;
}

/* The acts approval_required may name, in APPROVE_* bit order. */
static const char *const approval_acts[APPROVE_ACTS + 1] = {
    "role_privileged", "token_privileged", "vendor_add", "user_delete",
    "unlock_privileged", "breakglass_issue", "breakglass_privileged", NULL };
/* Their approver_group_<act> keys and fields, in the same order. */
static const char *const approval_group_keys[APPROVE_ACTS] = {
    "approver_group_role_privileged", "approver_group_token_privileged",
    "approver_group_vendor_add", "approver_group_user_delete",
    "approver_group_unlock_privileged", "approver_group_breakglass_issue",
    "approver_group_breakglass_privileged" };
static const size_t approval_group_offs[APPROVE_ACTS] = {
    OFF(approver_group_role_privileged), OFF(approver_group_token_privileged),
    OFF(approver_group_vendor_add), OFF(approver_group_user_delete),
    OFF(approver_group_unlock_privileged),
    OFF(approver_group_breakglass_issue),
    OFF(approver_group_breakglass_privileged) };

static int
approval_bit_index(unsigned bit)
{
	int i;

	for (i = 0; i < APPROVE_ACTS; i++)
		if (bit == (1u << i))
			return i;
	return -1;
}

const char *
approval_act_name(unsigned bit)
{
	int i = approval_bit_index(bit);

	return i >= 0 ? approval_acts[i] : "unknown";
}

const char *
approval_group_key(unsigned bit)
{
	int i = approval_bit_index(bit);

	return i >= 0 ? approval_group_keys[i] : "approver_group";
}

const char *
approval_group(const struct kagid_config *c, unsigned bit)
{
	int i = approval_bit_index(bit);
	const char *g;

	if (i >= 0) {
		g = *(char *const *)(const void *)((const char *)c +
		    approval_group_offs[i]);
		if (g != NULL && g[0] != '\0')
			return g;
	}
	return c->approver_group != NULL ? c->approver_group : "";
}

/*
 * approval_required: names separated by commas (spaces allowed).  The
 * mandatory acts cannot be left out: a list without one is an error that
 * names it, not a silent downgrade (R-PRIV-3).  breakglass_privileged,
 * added later, is always required and may be left out of a list written
 * before it existed: leaving it out switches nothing off.
 */
static int
approval_parse(struct kagid_config *c, const char *path, char *err,
    size_t errlen)
{
	const char *p = c->approval_required;
	unsigned mask = 0;
	size_t n;
	int i;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " ,");
		for (i = 0; approval_acts[i] != NULL; i++)
			if (strlen(approval_acts[i]) == n &&
			    strncmp(approval_acts[i], p, n) == 0)
				break;
		if (approval_acts[i] == NULL) {
			snprintf(err, errlen, "%s: 'approval_required': unknown "
			    "act '%.*s'", path, (int)(n > 64 ? 64 : n), p);
			return KAGI_ERR_CONFIG;
		}
		mask |= 1u << i;
		p += n;
	}
	for (i = 0; approval_acts[i] != NULL; i++)
		if ((APPROVE_MANDATORY & (1u << i)) && !(mask & (1u << i)) &&
		    (1u << i) != APPROVE_BREAKGLASS_PRIVILEGED) {
			snprintf(err, errlen, "%s: 'approval_required' must "
			    "include '%s': it cannot be switched off (R-PRIV-3)",
			    path, approval_acts[i]);
			return KAGI_ERR_CONFIG;
		}
	c->approval_mask = mask | APPROVE_BREAKGLASS_PRIVILEGED;
	return 0;
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

/* core_name: the host name unless set (empty: the host name too). */
static int
default_core_name(char **dst)
{
	char host[256];

	if (*dst != NULL && (*dst)[0] != '\0')
		return 0;
	host[sizeof(host) - 1] = '\0';
	if (gethostname(host, sizeof(host) - 1) != 0)
		return KAGI_ERR_CONFIG;
	return set_str(dst, host);
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

/*
 * Each zone names the factors it accepts as the second factor.  No value
 * means "none": a list that would let anyone in without a second factor
 * (empty, "none", an unknown word) stops kagid at start, naming the key,
 * instead of a silent downgrade (R-MFA-1, R-MFA-4).
 */
static int
zones_check(struct kagid_config *c, const char *path, char *err,
    size_t errlen)
{
	const char *names[3] = { "zone_mynumber_factors",
	    "zone_lgwan_factors", "zone_internet_factors" };
	const char *vals[3];
	int i;

	vals[0] = c->zone_mynumber_factors;
	vals[1] = c->zone_lgwan_factors;
	vals[2] = c->zone_internet_factors;
	for (i = 0; i < 3; i++)
		if (policy_factors_parse(vals[i], &c->zone_factors[i]) != 0) {
			snprintf(err, errlen, "%s: '%s' must list one or more "
			    "of fido2, totp: no zone may let a user in without "
			    "a second factor (R-MFA-1)",
			    path != NULL ? path : "defaults", names[i]);
			return KAGI_ERR_CONFIG;
		}
	return 0;
}

/*
 * A time zone name such as Asia/Tokyo, found under /usr/share/zoneinfo:
 * glibc takes an unknown name for UTC without a word, which would shift
 * every vendor window by hours.
 */
static int
timezone_check(const struct kagid_config *c, const char *path, char *err,
    size_t errlen)
{
	char file[256];
	struct stat st;
	const char *p;
	int ok = c->timezone[0] != '\0' && c->timezone[0] != '/' &&
	    strlen(c->timezone) < 64 && strstr(c->timezone, "..") == NULL;

	for (p = c->timezone; ok && *p != '\0'; p++)
		ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+';
	if (ok) {
		snprintf(file, sizeof(file), "/usr/share/zoneinfo/%s",
		    c->timezone);
		ok = stat(file, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (!ok) {
		snprintf(err, errlen, "%s: 'timezone' must name a time zone "
		    "of /usr/share/zoneinfo such as Asia/Tokyo",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	return 0;
}

long long
kagid_config_stat_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + (long long)t->tv_nsec;
}

/* Remember the file read and how it was (its path and stat). */
static int
file_note(struct kagid_config *c, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		c->file_mtime = kagid_config_stat_ns(&st.st_mtim);
		c->file_ctime = kagid_config_stat_ns(&st.st_ctim);
		c->file_size = (long long)st.st_size;
		c->file_ino = (long long)st.st_ino;
	}
	return set_str(&c->path, path);
}

int
kagid_config_load(struct kagid_config *c, const char *path,
    unsigned owner_uid, char *err, size_t errlen)
{
	int r;

	if (path != NULL && (r = cfg_parse_file(path, owner_uid,
	    kagid_config_keys, c, err, errlen)) != 0)
		return r;
	if (path != NULL && (r = file_note(c, path)) != 0) {
		snprintf(err, errlen, "%s", kagi_strerror(r));
		return r;
	}
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
	    (c->authkeys_user == NULL &&
	    (r = set_str(&c->authkeys_user, "")) != 0) ||
	    (c->zone_mynumber_factors == NULL &&
	    (r = set_str(&c->zone_mynumber_factors, "fido2,totp")) != 0) ||
	    (c->zone_lgwan_factors == NULL &&
	    (r = set_str(&c->zone_lgwan_factors, "fido2,totp")) != 0) ||
	    (c->zone_internet_factors == NULL &&
	    (r = set_str(&c->zone_internet_factors, "fido2,totp")) != 0) ||
	    (c->timezone == NULL &&
	    (r = set_str(&c->timezone, "Asia/Tokyo")) != 0) ||
	    (c->store_conninfo == NULL &&
	    (r = set_str(&c->store_conninfo, "")) != 0) ||
	    (c->listen_tls == NULL && (r = set_str(&c->listen_tls, "")) != 0) ||
	    (c->tls_cert == NULL && (r = set_str(&c->tls_cert, "")) != 0) ||
	    (c->tls_key == NULL && (r = set_str(&c->tls_key, "")) != 0) ||
	    (c->tls_ca == NULL && (r = set_str(&c->tls_ca, "")) != 0) ||
	    (c->cores == NULL && (r = set_str(&c->cores, "")) != 0) ||
	    (r = default_core_name(&c->core_name)) != 0 ||
	    (r = derive_path(&c->database, c->state_dir, "kagi.db")) != 0 ||
	    (r = derive_path(&c->key_file, c->state_dir, "seal.key")) != 0 ||
	    (r = derive_path(&c->audit_key_file, c->state_dir,
	    "audit.key")) != 0 ||
	    (r = derive_path(&c->audit_checkpoint_log, c->state_dir,
	    "checkpoints")) != 0 ||
	    (c->audit_checkpoint_command == NULL &&
	    (r = set_str(&c->audit_checkpoint_command, "")) != 0) ||
	    (c->audit_verify_keys == NULL &&
	    (r = set_str(&c->audit_verify_keys, "")) != 0) ||
	    (c->approver_group == NULL &&
	    (r = set_str(&c->approver_group, "kagi-approver")) != 0) ||
	    (c->approval_required == NULL &&
	    (r = set_str(&c->approval_required, "role_privileged,token_privileged,vendor_add,breakglass_privileged")) != 0) ||
	    (r = derive_path(&c->breakglass_file, c->state_dir,
	    "breakglass")) != 0 ||
	    (c->fido2_rp_id == NULL &&
	    (r = set_str(&c->fido2_rp_id, "")) != 0) ||
	    (r = default_rp_id(&c->fido2_rp_id)) != 0 ||
	    (c->fido2_aaguids == NULL &&
	    (r = set_str(&c->fido2_aaguids, "")) != 0) ||
	    (c->fido2_attestation_roots == NULL &&
	    (r = set_str(&c->fido2_attestation_roots, KAGI_ATT_ROOTS)) != 0) ||
	    (c->compliance_pam_dir == NULL &&
	    (r = set_str(&c->compliance_pam_dir, "/etc/pam.d")) != 0)) {
		snprintf(err, errlen, "%s", kagi_strerror(r));
		return r;
	}
	if (c->totp_digits != 6 && c->totp_digits != 8) {
		snprintf(err, errlen, "%s: 'totp_digits' must be 6 or 8",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->lockout_max_duration < c->lockout_duration ||
	    c->lockout_privileged_max_duration <
	    c->lockout_privileged_duration ||
	    c->lockout_vendor_max_duration < c->lockout_vendor_duration) {
		snprintf(err, errlen, "%s: '%s' is shorter than '%s'",
		    path != NULL ? path : "defaults",
		    c->lockout_max_duration < c->lockout_duration ?
		    "lockout_max_duration" :
		    c->lockout_privileged_max_duration <
		    c->lockout_privileged_duration ?
		    "lockout_privileged_max_duration" :
		    "lockout_vendor_max_duration",
		    c->lockout_max_duration < c->lockout_duration ?
		    "lockout_duration" :
		    c->lockout_privileged_max_duration <
		    c->lockout_privileged_duration ?
		    "lockout_privileged_duration" : "lockout_vendor_duration");
		return KAGI_ERR_CONFIG;
	}
	if (c->failure_delay_max < c->failure_delay) {
		snprintf(err, errlen, "%s: 'failure_delay_max' is shorter than "
		    "'failure_delay'", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->alert_command[0] != '\0' && c->alert_command[0] != '/') {
		snprintf(err, errlen, "%s: 'alert_command' must be an absolute "
		    "path (it is run without a shell)",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->audit_checkpoint_command[0] != '\0' &&
	    c->audit_checkpoint_command[0] != '/') {
		snprintf(err, errlen, "%s: 'audit_checkpoint_command' must be "
		    "an absolute path (it is run without a shell)",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->audit_verify_keys[0] != '\0' &&
	    c->audit_verify_keys[0] != '/') {
		snprintf(err, errlen, "%s: 'audit_verify_keys' must be an "
		    "absolute path", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	/* A core listens for its edges with its own certificate; nothing
	 * else listens (issue 15). */
	if (c->role == KAGID_CORE && (c->listen_tls[0] == '\0' ||
	    c->tls_cert[0] == '\0' || c->tls_key[0] == '\0')) {
		snprintf(err, errlen, "%s: 'role = core' needs 'listen_tls', "
		    "'tls_cert' and 'tls_key'", path != NULL ? path :
		    "defaults");
		return KAGI_ERR_CONFIG;
	}
	if ((c->tls_cert[0] != '\0' && c->tls_cert[0] != '/') ||
	    (c->tls_key[0] != '\0' && c->tls_key[0] != '/')) {
		snprintf(err, errlen, "%s: '%s' must be an absolute path",
		    path != NULL ? path : "defaults", c->tls_cert[0] != '\0' &&
		    c->tls_cert[0] != '/' ? "tls_cert" : "tls_key");
		return KAGI_ERR_CONFIG;
	}
	if (c->role != KAGID_CORE && c->listen_tls[0] != '\0') {
		snprintf(err, errlen, "%s: 'listen_tls' is for 'role = core'",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->role == KAGID_EDGE && (c->cores[0] == '\0' ||
	    c->tls_cert[0] == '\0' || c->tls_key[0] == '\0' ||
	    c->tls_ca[0] == '\0')) {
		snprintf(err, errlen, "%s: 'role = edge' needs 'cores', "
		    "'tls_cert', 'tls_key' and 'tls_ca'", path != NULL ? path :
		    "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->tls_ca[0] != '\0' && c->tls_ca[0] != '/') {
		snprintf(err, errlen, "%s: 'tls_ca' must be an absolute path",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	/* One engine, named whole: a connection string is PostgreSQL's. */
	if (c->store == STORE_POSTGRESQL &&
	    c->store_conninfo[0] == '\0') {
		snprintf(err, errlen, "%s: 'store = postgresql' needs "
		    "'store_conninfo' (a libpq connection string or URI)",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if (c->store == STORE_SQLITE && c->store_conninfo[0] != '\0') {
		snprintf(err, errlen, "%s: 'store_conninfo' is set but 'store' "
		    "is sqlite: set 'store = postgresql' or remove it",
		    path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	/* Every audit record names its core (store.h). */
	if (!store_core_name_valid(c->core_name)) {
		snprintf(err, errlen, "%s: 'core_name' must be 1 to %d letters, "
		    "digits, '.', '_' or '-', starting with a letter or digit "
		    "(by default it is the host name)",
		    path != NULL ? path : "defaults", STORE_CORE_MAX);
		return KAGI_ERR_CONFIG;
	}
	/* Three files, three keys: none may stand for another. */
	if (strcmp(c->audit_key_file, c->key_file) == 0 ||
	    strcmp(c->audit_key_file, c->database) == 0 ||
	    strcmp(c->audit_checkpoint_log, c->database) == 0 ||
	    strcmp(c->audit_checkpoint_log, c->audit_key_file) == 0 ||
	    strcmp(c->audit_checkpoint_log, c->key_file) == 0) {
		snprintf(err, errlen, "%s: 'audit_key_file', "
		    "'audit_checkpoint_log', 'key_file' and 'database' must be "
		    "four different files", path != NULL ? path : "defaults");
		return KAGI_ERR_CONFIG;
	}
	if ((r = approval_parse(c, path != NULL ? path : "defaults", err,
	    errlen)) != 0 ||
	    (r = zones_check(c, path, err, errlen)) != 0 ||
	    (r = timezone_check(c, path, err, errlen)) != 0)
		return r;
	if (c->banner_file != NULL && c->banner_file[0] != '\0' &&
	    c->banner_file[0] != '/') {
		snprintf(err, errlen, "%s: 'banner_file' must be an absolute "
		    "path", path != NULL ? path : "defaults");
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
	return 0;
}

void
kagid_config_free(struct kagid_config *c)
{
	cfg_free(kagid_config_keys, c);
	free(c->path);
	c->path = NULL;
}

/*
 * kagid_config.h - kagid.conf: what it holds, its defaults, its checks.
 *
 * Read by kagid (at start and with -t) and by kagictl (for the socket
 * path).  Every key is in conf/kagid.conf and kagid.conf(5).
 */
#ifndef KAGI_KAGID_CONFIG_H
#define KAGI_KAGID_CONFIG_H

#include <stddef.h>
#include <time.h>

#include "cfg.h"

/* What this kagid is in a fleet (issue 15, hosts.h). */
enum kagid_role { KAGID_STANDALONE = 0, KAGID_CORE = 1,
	KAGID_EDGE = 2 };

/* The store's engine (kagid.conf store =). */
enum store_engine { STORE_SQLITE = 0, STORE_POSTGRESQL = 1 };

struct kagid_config {
	char *socket;			/* socket path */
	char *state_dir;		/* directory of the store */
	char *database;			/* default <state_dir>/kagi.db */
	int store;			/* enum store_engine */
	char *store_conninfo;		/* PostgreSQL: libpq string or URI */
	char *core_name;		/* named in audit records; host name */
	char *key_file;			/* default <state_dir>/seal.key */
	char *user;			/* run as; "" = do not change */
	char *admin_group;		/* members may administer */
	long long client_timeout;	/* seconds a client may stay silent */
	long long max_clients;
	long long max_clients_per_uid;	/* any uid but root */
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
	/* Under attack (issue 13): after a lock, failures that lock again
	 * (0: the full quota); the answer to a failure held failure_delay
	 * seconds at the second failure, doubling to failure_delay_max;
	 * unknown names' records kept at most. */
	long long lockout_relock_failures;
	long long failure_delay;
	long long failure_delay_max;
	long long unknown_names_max;
	int debug;
	/* Roles' lockouts (R-PRIV-5); lockout_* above is the staff role's. */
	long long lockout_privileged_failures;
	long long lockout_privileged_interval;
	long long lockout_privileged_duration;
	long long lockout_privileged_max_duration;
	int lockout_privileged_growth;
	int lockout_privileged_admin_unlock;
	long long lockout_vendor_failures;
	long long lockout_vendor_interval;
	long long lockout_vendor_duration;
	long long lockout_vendor_max_duration;
	int lockout_vendor_growth;
	int lockout_vendor_admin_unlock;
	/* Per source address (PAM_RHOST), across users. */
	long long throttle_failures;
	long long throttle_interval;
	/* Zones (R-MFA-1, R-MFA-4): the factors each allows, as text and
	 * as FACTOR_* bits (policy.h) filled in by kagid_config_load(). */
	char *zone_mynumber_factors;
	char *zone_lgwan_factors;
	char *zone_internet_factors;
	unsigned zone_factors[3];	/* mynumber, lgwan, internet */
	/* The time zone of vendors' windows and expiry dates (TZ name). */
	char *timezone;
	char *fido2_rp_id;		/* default "pam://<host name>" */
	int fido2_uv;			/* enum fido2_uv_policy */
	long long fido2_challenge_lifetime;
	/* How long an SSH security key's enrolment challenge lasts. */
	long long sshkey_challenge_lifetime;
	/* The user whose kagi-authkeys may ask for keys ("" = nobody). */
	char *authkeys_user;
	/* The fleet (issue 15): role, a core's TLS listener and the
	 * host's key and certificate ("" = none). */
	int role;			/* enum kagid_role */
	char *listen_tls;		/* ADDR:PORT, "" = none */
	char *tls_cert;
	char *tls_key;
	char *tls_ca;			/* an edge's: the cores' CA (PEM) */
	char *cores;			/* an edge's: HOST:PORT, ... */
	int fido2_attestation;		/* enum fido2_att_mode: staff */
	/* The same for the privileged and vendor roles' keys (R-PRIV-2). */
	int fido2_attestation_privileged;
	int fido2_attestation_vendor;
	char *fido2_attestation_roots;	/* PEM file, modes roots, trusted */
	char *fido2_aaguids;		/* allow-list, "" = any */
	/* two-person rule, enrollment codes, lifecycle, break-glass */
	char *approver_group;		/* members may approve requests */
	/* Per act (approval_group()); NULL or "" = approver_group. */
	char *approver_group_role_privileged;
	char *approver_group_token_privileged;
	char *approver_group_vendor_add;
	char *approver_group_user_delete;
	char *approver_group_unlock_privileged;
	char *approver_group_breakglass_issue;
	char *approver_group_breakglass_privileged;
	long long request_lifetime;	/* a pending request expires */
	char *approval_required;	/* acts needing approval (list) */
	unsigned approval_mask;		/* APPROVE_* bits, from the list */
	long long enroll_code_lifetime;
	long long dormant_disable_days;	/* 0 = off */
	int breakglass;			/* break-glass codes allowed */
	long long breakglass_codes;	/* codes per issue */
	long long breakglass_iterations;	/* PBKDF2 iterations */
	char *breakglass_file;		/* default <state_dir>/breakglass */
	/* Audit, alerts, time. */
	long long audit_anchor_interval;	/* seconds between anchor lines */
	/* Signed checkpoints of the audit chain (checkpoint.h). */
	char *audit_key_file;			/* <state_dir>/audit.key */
	char *audit_checkpoint_log;		/* <state_dir>/checkpoints */
	long long audit_checkpoint_interval;	/* seconds, at most 60 */
	char *audit_checkpoint_command;		/* "" = none */
	char *audit_verify_keys;		/* other kagid's keys; "" none */
	long long audit_retention_days;		/* records kept at least */
	char *alert_command;			/* "" = none */
	long long alert_timeout;		/* seconds, then killed */
	long long clock_check_interval;		/* seconds */
	int totp_when_unsynced;			/* enum unsynced_policy */
	long long dormant_days;			/* R-TOK-6 threshold */
	/* Sessions (R-PRIV-7, R-REM-4) and the log-in screen (R-MFA-5). */
	long long privileged_session_max;	/* seconds */
	long long session_warn;		/* warn this long before the end */
	long long session_grace;	/* SIGHUP to SIGKILL */
	/* Idle time-out per role, where logind sees idleness (R-MFA-5);
	 * seconds, 0 = none. */
	long long staff_session_idle;
	long long privileged_session_idle;
	long long vendor_session_idle;
	char *banner_file;		/* NULL or "": no banner */
	/* How long a second factor's success waits for the account phase
	 * to confirm it (login_confirm.c, R-MFA-5). */
	long long login_confirm_time;
	/* The limits of a vendor permit (R-REM-1, vendor_permit.c). */
	long long vendor_max_horizon;	/* expiry at most this far ahead */
	long long vendor_max_window;	/* open time within any 24 hours */
	long long vendor_widest_prefix_ipv4;	/* shortest prefix allowed */
	long long vendor_widest_prefix_ipv6;
	/* The compliance check (R-AUD-1). */
	char *compliance_pam_dir;	/* the PAM stacks it reads */
	long long access_review_days;	/* R-TOK-7: review at least so often */
	/* The file loaded (NULL: defaults only) and how it was then, so
	 * that a file changed since is told (compliance_log.c): its times
	 * in nanoseconds, since an edit within the second it was read
	 * leaves the seconds as they were. */
	char *path;
	long long file_mtime, file_ctime, file_size, file_ino;
};

/* Acts that need a second person's approval (approval_required). */
#define APPROVE_ROLE_PRIVILEGED (1u << 0)	/* grant or remove the role */
#define APPROVE_TOKEN_PRIVILEGED (1u << 1)	/* enroll/reset its tokens */
#define APPROVE_VENDOR_ADD (1u << 2)		/* create vendor access */
#define APPROVE_USER_DELETE (1u << 3)
#define APPROVE_UNLOCK_PRIVILEGED (1u << 4)
#define APPROVE_BREAKGLASS_ISSUE (1u << 5)	/* staff's and vendors' */
#define APPROVE_BREAKGLASS_PRIVILEGED (1u << 6)	/* a privileged user's */
#define APPROVE_ACTS 7				/* bits above */
/* Always required, whatever the configuration says (R-PRIV-3). */
#define APPROVE_MANDATORY (APPROVE_ROLE_PRIVILEGED | \
	APPROVE_TOKEN_PRIVILEGED | APPROVE_VENDOR_ADD | \
	APPROVE_BREAKGLASS_PRIVILEGED)
/* The name of one APPROVE_* bit, for messages and records. */
const char *approval_act_name(unsigned bit);
/*
 * The group whose members approve act (one APPROVE_* bit): its
 * approver_group_<act> when set, else approver_group (R-PRIV-3).
 */
const char *approval_group(const struct kagid_config *c, unsigned bit);
/* The kagid.conf key that names it ("approver_group_vendor_add"). */
const char *approval_group_key(unsigned bit);

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
/* A file time of struct stat in nanoseconds. */
long long kagid_config_stat_ns(const struct timespec *t);

#endif

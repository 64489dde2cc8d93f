/*
 * kagictl.c - the administrators' tool: command line, checks, dispatch.
 *
 *   kagictl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS]
 *           COMMAND ...
 *
 * kagictl decides nothing: it checks its arguments, sends one request per
 * step to kagid over its UNIX socket and shows the answer.  kagid decides
 * who may administer (root or the admin group, by SO_PEERCRED) and
 * refuses everyone else (R-TOK-5).  Every argument is checked before
 * kagid is contacted: names are 1 to 64 bytes without control
 * characters, token ids are positive decimal integers, options are known
 * and belong to the command.
 *
 * The socket is --socket, else $KAGI_SOCKET, else "socket" from the
 * configuration (--config FILE, or the default file when it exists),
 * else the compiled-in default.
 *
 * Exit codes:
 *   0  success
 *   1  kagid refused the request (not found, exists, denied, wrong code,
 *      wrong state), or a person declined a confirmation
 *   2  usage error: nothing was sent to kagid
 *   3  kagid unreachable, time-out, malformed reply or protocol mismatch;
 *      also a configuration that cannot be read, or output that cannot
 *      be written
 *   4  the act needs a second person: it was stored as a request that a
 *      member of the approver group must approve (R-PRIV-3)
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "names.h"
#include "proto.h"

#define TIMEOUT_DEFAULT 10	/* seconds */
#define TIMEOUT_MAX 3600

/* Options: global ones, then those of commands (bits in struct cmd). */
enum {
	O_SOCKET, O_CONFIG, O_JSON, O_TIMEOUT, O_HELP, O_VERSION,
	O_ROLE, O_LABEL, O_ALGORITHM, O_DIGITS, O_YES, O_NO_QR, O_ASCII,
	O_PENDING, O_ANCHOR, O_ARCHIVE, O_BEFORE, O_SINCE, O_UNTIL, O_USER,
	O_EVENT, O_DAYS, O_CSV, O_ENROLL_CODE, O_REASON, O_SET_PIN, O_COMPANY,
	O_EXPIRES, O_WINDOW, O_FROM, O_GRANT, O_WORKER, O_PLACE, O_WORK,
	O_CHECKPOINTS, O_ATTESTATION, O_SSHKEY, O_CHALLENGE, O_SSHD_CONFIG,
	O_FORCE, O_ZONE, O_CLASS, O_CSR, O_TO, O_COUNT_
};
#define BIT(o) (1ULL << (o))
#define GLOBAL_OPTS (BIT(O_SOCKET) | BIT(O_CONFIG) | BIT(O_JSON) | \
	BIT(O_TIMEOUT) | BIT(O_HELP) | BIT(O_VERSION))

struct opt {
	const char *name;	/* without "--" */
	int has_arg;
};

static const struct opt opts[O_COUNT_] = {
	[O_SOCKET] = { "socket", 1 },
	[O_CONFIG] = { "config", 1 },
	[O_JSON] = { "json", 0 },
	[O_TIMEOUT] = { "timeout", 1 },
	[O_HELP] = { "help", 0 },
	[O_VERSION] = { "version", 0 },
	[O_ROLE] = { "role", 1 },
	[O_LABEL] = { "label", 1 },
	[O_ALGORITHM] = { "algorithm", 1 },
	[O_DIGITS] = { "digits", 1 },
	[O_YES] = { "yes", 0 },
	[O_NO_QR] = { "no-qr", 0 },
	[O_ASCII] = { "ascii", 0 },
	[O_PENDING] = { "pending", 0 },
	[O_ANCHOR] = { "anchor", 1 },
	[O_ARCHIVE] = { "archive", 1 },
	[O_BEFORE] = { "before", 1 },
	[O_SINCE] = { "since", 1 },
	[O_UNTIL] = { "until", 1 },
	[O_USER] = { "user", 1 },
	[O_EVENT] = { "event", 1 },
	[O_DAYS] = { "days", 1 },
	[O_CSV] = { "csv", 0 },
	[O_ENROLL_CODE] = { "enroll-code", 0 },
	[O_REASON] = { "reason", 1 },
	[O_SET_PIN] = { "set-pin", 0 },
	[O_COMPANY] = { "company", 1 },
	[O_EXPIRES] = { "expires", 1 },
	[O_WINDOW] = { "window", 1 },
	[O_FROM] = { "from", 1 },
	[O_GRANT] = { "grant", 0 },
	[O_WORKER] = { "worker", 1 },
	[O_PLACE] = { "place", 1 },
	[O_WORK] = { "work", 1 },
	[O_CHECKPOINTS] = { "checkpoints", 1 },
	[O_ATTESTATION] = { "attestation", 1 },
	[O_SSHKEY] = { "sshkey", 1 },
	[O_CHALLENGE] = { "challenge", 1 },
	[O_SSHD_CONFIG] = { "sshd-config", 1 },
	[O_FORCE] = { "force", 0 },
	[O_ZONE] = { "zone", 1 },
	[O_CLASS] = { "class", 1 },
	[O_CSR] = { "csr", 1 },
	[O_TO] = { "to", 1 },
};
/* The one option that may be given more than once. */
#define ARCHIVES_MAX 64

/* OPT_USER_TOKEN: [USER] TOKEN, without USER the caller's own token. */
enum operands { NONE, USER, USER_TOKEN, FILE_ARG, USER_ARG, ID, USER_FILE,
    OPT_USER_TOKEN, FILES, HOST };

struct cmd {
	const char *word;
	const char *sub;	/* NULL for one-word commands */
	enum operands operands;
	unsigned long long opts;	/* command options it accepts */
	int (*run)(struct ctl *);
};

/* enroll: a FIDO2 key plugged in here, or an SSH security key's steps. */
static int
ctl_enroll_any(struct ctl *ctl)
{
	if (ctl->sshkey != NULL || ctl->challenge != NULL)
		return ctl_enroll_sshkey(ctl);
	if (ctl->attestation != NULL) {
		ctl_err(_("--attestation goes with --sshkey KEY.pub"));
		return CTL_EXIT_USAGE;
	}
	return ctl_enroll(ctl);
}

static const struct cmd cmds[] = {
	{ "user", "add", USER, BIT(O_ROLE) | BIT(O_ENROLL_CODE) | BIT(O_FROM),
	    ctl_user_add_code },
	{ "user", "list", NONE, 0, ctl_user_list },
	{ "user", "show", USER, 0, ctl_user_show },
	{ "user", "disable", USER, 0, ctl_user_disable },
	{ "user", "enable", USER, 0, ctl_user_enable },
	{ "user", "delete", USER, BIT(O_YES), ctl_user_delete },
	{ "token", "add-totp", USER, BIT(O_LABEL) | BIT(O_ALGORITHM) |
	    BIT(O_DIGITS) | BIT(O_NO_QR) | BIT(O_ASCII) | BIT(O_PENDING),
	    ctl_token_add_totp },
	{ "token", "confirm", USER_TOKEN, 0, ctl_token_confirm },
	{ "token", "list", USER, 0, ctl_token_list },
	{ "token", "revoke", USER_TOKEN, 0, ctl_token_revoke },
	{ "token", "add-fido2", USER, BIT(O_LABEL) | BIT(O_SET_PIN),
	    ctl_token_add_fido2 },
	{ "import", "pam-u2f", FILE_ARG, BIT(O_LABEL), ctl_import_pam_u2f },
	{ "token", "sshkey-challenge", USER_FILE, 0,
	    ctl_token_sshkey_challenge },
	{ "token", "add-sshkey", USER_FILE, BIT(O_LABEL) | BIT(O_ATTESTATION),
	    ctl_token_add_sshkey },
	{ "import", "google-authenticator", FILES, BIT(O_LABEL),
	    ctl_import_ga },
	{ "import", "pam-oath", FILE_ARG, BIT(O_LABEL), ctl_import_oath },
	{ "unlock", NULL, USER, 0, ctl_unlock },
	{ "status", NULL, NONE, 0, ctl_status },
	{ "audit", "verify", NONE, BIT(O_ANCHOR) | BIT(O_ARCHIVE) |
	    BIT(O_CHECKPOINTS), ctl_audit_verify },
	{ "audit", "key", NONE, 0, ctl_audit_key },
	{ "audit", "anchor", NONE, 0, ctl_audit_anchor },
	{ "audit", "archive", FILE_ARG, BIT(O_BEFORE), ctl_audit_archive },
	{ "audit", "export", NONE, BIT(O_SINCE) | BIT(O_UNTIL) | BIT(O_USER) |
	    BIT(O_EVENT), ctl_audit_export },
	{ "report", "dormant", NONE, BIT(O_DAYS) | BIT(O_CSV),
	    ctl_report_dormant },
	{ "report", "access", NONE, BIT(O_CSV), ctl_report_access },
	{ "report", "privileged", NONE, BIT(O_CSV), ctl_report_privileged },
	{ "report", "lockouts", NONE, BIT(O_SINCE) | BIT(O_CSV),
	    ctl_report_lockouts },
	{ "report", "vendors", NONE, BIT(O_SINCE) | BIT(O_CSV),
	    ctl_report_vendors },
	{ "report", "exceptions", NONE, BIT(O_CSV), ctl_report_exceptions },
	{ "compliance", NULL, NONE, 0, ctl_compliance },
	/* Two-person rule, enrollment, lifecycle, break-glass. */
	{ "user", "enroll-code", USER, 0, ctl_user_enroll_code },
	{ "user", "offboard", USER, 0, ctl_user_offboard },
	{ "token", "lost", OPT_USER_TOKEN, 0, ctl_token_lost },
	{ "backup", NULL, FILE_ARG, 0, ctl_backup },
	{ "restore", NULL, FILE_ARG, BIT(O_FORCE), ctl_restore },
	{ "store", "copy", NONE, BIT(O_TO), ctl_store_copy },
	{ "request", "list", NONE, 0, ctl_request_list },
	{ "request", "show", ID, 0, ctl_request_show },
	{ "request", "approve", ID, 0, ctl_request_approve },
	{ "request", "reject", ID, BIT(O_REASON), ctl_request_reject },
	{ "breakglass", "issue", USER, 0, ctl_breakglass_issue },
	{ "breakglass", "list", NONE, 0, ctl_breakglass_list },
	{ "breakglass", "report", ID, BIT(O_REASON), ctl_breakglass_report },
	{ "user", "role", USER_ARG, 0, ctl_user_role },
	{ "vendor", "add", USER, BIT(O_COMPANY) | BIT(O_EXPIRES) |
	    BIT(O_WINDOW) | BIT(O_FROM) | BIT(O_WORKER) | BIT(O_PLACE) |
	    BIT(O_WORK), ctl_vendor_add },
	{ "vendor", "show", USER, 0, ctl_vendor_show },
	{ "vendor", "list", NONE, 0, ctl_vendor_list },
	{ "session", "list", NONE, 0, ctl_session_list },
	{ "doctor", "gateway", NONE, BIT(O_SSHD_CONFIG) | BIT(O_FROM),
	    ctl_doctor_gateway },
	{ "enroll", NULL, NONE, BIT(O_USER) | BIT(O_LABEL) | BIT(O_SET_PIN) |
	    BIT(O_GRANT) | BIT(O_SSHKEY) | BIT(O_CHALLENGE) |
	    BIT(O_ATTESTATION), ctl_enroll_any },
	/* The fleet's CA and hosts (issue 15), on a core. */
	{ "host", "ca-init", NONE, 0, ctl_host_ca_init },
	{ "host", "add", HOST, BIT(O_ZONE) | BIT(O_CLASS) | BIT(O_CSR),
	    ctl_host_add },
	{ "host", "renew", HOST, BIT(O_CSR), ctl_host_renew },
	{ "host", "revoke", HOST, 0, ctl_host_revoke },
	{ "host", "list", NONE, 0, ctl_host_list },
	{ "host", "show", HOST, 0, ctl_host_show },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* What was given on the command line. */
struct args {
	const char *val[O_COUNT_];	/* option values ("" for flags) */
	const char *archives[ARCHIVES_MAX];	/* every --archive, in order */
	int narchives;
	const char **pos;		/* operands, in order */
	int npos;
};

static const char *
help_text(void)
{
	return _(
"Usage: kagictl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS]\n"
"               COMMAND ...\n"
"\n"
"Administer kagi's users and tokens through kagid.\n"
"\n"
"Commands:\n"
"  user add NAME [--role staff|privileged|vendor] [--enroll-code]\n"
"  user add --from FILE        users in bulk from CSV lines name[,role]\n"
"                              --enroll-code: print a single-use code the\n"
"                              user enrolls with at first log-in\n"
"  user enroll-code NAME       a new enrollment code (the old one stops)\n"
"  user offboard NAME          disable and revoke every token at once\n"
"  user list\n"
"  user show NAME              the user, its tokens and its lock\n"
"  user disable NAME\n"
"  user enable NAME\n"
"  user delete NAME [--yes]    asks first; --yes when there is no terminal\n"
"  token add-totp USER [--label LABEL] [--algorithm sha1|sha256|sha512]\n"
"                 [--digits 6|8] [--no-qr] [--ascii] [--pending]\n"
"                              enroll a TOTP token, then confirm it with a\n"
"                              code unless --pending\n"
"  token confirm USER TOKEN    activate a pending token with a code\n"
"  token list [USER]           a user's tokens; alone, your own (any user)\n"
"  token revoke USER TOKEN     stop a token\n"
"  token lost USER TOKEN       stop a lost token at once and record the loss\n"
"  token lost TOKEN            (any user) your own token, lost: stopped at once\n"
"  request list                requests awaiting a second person\n"
"  request show ID\n"
"  request approve ID          carry out another administrator's request\n"
"  request reject ID [--reason TEXT]\n"
"  breakglass issue USER       print new single-use emergency codes\n"
"  breakglass list             open break-glass exceptions\n"
"  breakglass report ID --reason TEXT\n"
"                              close an exception with its report\n"
"  token add-fido2 USER [--label LABEL] [--set-pin]\n"
"                              enroll the security key plugged in here;\n"
"                              --set-pin gives a key without a PIN its\n"
"                              first PIN\n"
"  enroll [--user NAME] [--label LABEL] [--set-pin] [--grant]\n"
"                              any user: enroll your own security key\n"
"                              with the enrollment code you were given;\n"
"                              --grant: a privileged user, with the\n"
"                              enrollment a second person approved\n"
"  token sshkey-challenge USER FILE\n"
"                              write kagid's single-use challenge for an\n"
"                              SSH security key to the new FILE\n"
"  token add-sshkey USER KEY.pub --attestation FILE [--label LABEL]\n"
"                              enroll the key ssh-keygen made with\n"
"                              -O verify-required -O challenge=FILE\n"
"                              -O write-attestation=FILE\n"
"  enroll --challenge FILE | --sshkey KEY.pub --attestation FILE\n"
"         [--user NAME] [--label LABEL] [--grant]\n"
"                              any user: the same for your own SSH\n"
"                              security key, with your enrollment code\n"
"                              or --grant\n"
"  import pam-u2f FILE [--label LABEL]\n"
"                              import the keys of a pam_u2f authfile\n"
"  import google-authenticator FILE... [--label LABEL]\n"
"  import pam-oath USERSFILE [--label LABEL]\n"
"                              import TOTP secrets of those PAM modules\n"
"  backup FILE                 an online copy of kagid's database (no keys)\n"
"  restore FILE [--force]      bring a copy back, kagid stopped\n"
"  store copy --to CONNINFO    move this SQLite state into an empty\n"
"                              PostgreSQL database, kagid stopped\n"
"  user role NAME ROLE         change the role; revokes the user's tokens\n"
"  vendor add NAME --company COMPANY --expires YYYY-MM-DD\n"
"             --window \"Mon-Fri 09:00-17:00\" --from CIDR[,CIDR]\n"
"             --worker PERSON --place PLACE --work TEXT\n"
"                              a vendor account and its permit\n"
"  vendor show NAME\n"
"  vendor list\n"
"  session list                open sessions and when kagid will end them\n"
"  doctor gateway [--sshd-config FILE] [--from ADDRESS]\n"
"                              sshd's effective settings for every vendor\n"
"                              and privileged account, each unsafe one named\n"
"  unlock USER                 end a lockout\n"
"  status                      kagid's state\n"
"  audit verify [--anchor SEQ:HASH] [--archive FILE]...\n"
"               [--checkpoints FILE]\n"
"                              check the audit chain against its signed\n"
"                              checkpoints (and archives, and a copy of\n"
"                              the checkpoints kept elsewhere)\n"
"  audit key                   print the keys that verify checkpoints\n"
"  audit anchor                print the chain head SEQ:HASH to keep\n"
"  audit archive --before DATE FILE\n"
"                              move older records to a new archive FILE\n"
"  audit export [--since DATE] [--until DATE] [--user USER]\n"
"               [--event EVENT]   records, --json as JSON lines\n"
"  report dormant [--days N] | access | privileged | lockouts [--since DATE]\n"
"         | vendors [--since DATE] | exceptions      [--csv]\n"
"  compliance                  requirement by requirement: PASS/WARN/FAIL\n"
"  host ca-init                on a core: create the cores' CA; prints its\n"
"                              certificate (the edges' tls_ca)\n"
"  host add NAME --zone mynumber|lgwan|internet\n"
"           --class terminal|gateway|core --csr FILE\n"
"                              sign the host's certificate request and\n"
"                              register it; prints its certificate\n"
"  host renew NAME --csr FILE  a new certificate for the host\n"
"  host revoke NAME            the host's certificate is refused\n"
"  host list | host show NAME  the registered hosts\n"
"  help                        this text\n"
"\n"
"Options:\n"
"  --socket PATH      kagid's socket (default: $KAGI_SOCKET, else the\n"
"                     configuration's socket)\n"
"  --config FILE      read the socket from FILE\n"
"  --json             print kagid's reply as JSON\n"
"  --timeout SECONDS  wait at most this long for kagid (default 10)\n"
"  --version          print the version\n"
"\n"
"Codes are read from the terminal, or as one line from standard input.\n"
"DATE is YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (local time) or @SECONDS.\n"
"\n"
"Exit status: 0 success; 1 kagid refused the request (or a confirmation\n"
"was declined, the audit chain does not verify, or a compliance check\n"
"failed); 2 usage error, nothing sent; 3 kagid unreachable, timed\n"
"out or answered something not understood; 4 the act was stored as a\n"
"request that another member of the approver group must approve.\n");
}

static void
help(void)
{
	printf("%s", help_text());
}

/*
 * kagictl WORD --help, kagictl help WORD: the lines of the help that
 * are WORD's commands (and the lines continuing them), then the
 * options.  0 when WORD is a command.
 */
static int
help_for(const char *word)
{
	const char *t = help_text(), *l, *e, *tail;
	size_t wl = strlen(word);
	int shown = 0, in = 0;

	for (l = t; *l != '\0'; l = *e == '\n' ? e + 1 : e) {
		if ((e = strchr(l, '\n')) == NULL)
			e = l + strlen(l);
		if (strncmp(l, "  ", 2) == 0 && l[2] != ' ') {
			in = strncmp(l + 2, word, wl) == 0 &&
			    (l[2 + wl] == ' ' || l[2 + wl] == '\n');
		} else if (strncmp(l, "     ", 5) != 0)
			in = 0;
		if (in) {
			if (!shown)
				printf("%s", _("Usage: kagictl [--socket PATH] "
				    "[--config FILE] [--json] [--timeout "
				    "SECONDS]\n"));
			printf("%.*s\n", (int)(e - l), l);
			shown = 1;
		}
	}
	if (shown && (tail = strstr(t, "\nOptions:")) != NULL)
		printf("%s", tail);
	return shown ? 0 : -1;
}

/*
 * A usage problem: say what (fmt holds one "%s" for what, shown cleaned)
 * and where help is; exit code 2.
 */
static int
usage(const char *fmt, const char *what)
{
	const char *at = strstr(fmt, "%s");
	char clean[128];

	fflush(stdout);
	fputs("kagictl: ", stderr);
	if (at == NULL) {
		fputs(fmt, stderr);
	} else {
		fwrite(fmt, 1, (size_t)(at - fmt), stderr);
		fputs(ctl_clean(what, clean, sizeof(clean)), stderr);
		fputs(at + 2, stderr);
	}
	fprintf(stderr, "\n%s\n", _("Usage: kagictl [OPTIONS] COMMAND ... "
	    "(see: kagictl help)"));
	return CTL_EXIT_USAGE;
}

/* Collect options and operands; options may come anywhere. */
static int
parse(int argc, char **argv, struct args *a)
{
	int i, o, only_pos = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		size_t nlen;

		if (only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0)
			arg = "--help";
		if (strncmp(arg, "--", 2) != 0)
			return usage(_("unknown option '%s'"), arg);
		eq = strchr(arg + 2, '=');
		nlen = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (o = 0; o < O_COUNT_; o++)
			if (strlen(opts[o].name) == nlen &&
			    strncmp(opts[o].name, arg + 2, nlen) == 0)
				break;
		if (o == O_COUNT_)
			return usage(_("unknown option '%s'"), arg);
		if (a->val[o] != NULL && o != O_ARCHIVE)
			return usage(_("option '%s' is given twice"), arg);
		if (!opts[o].has_arg) {
			if (eq != NULL)
				return usage(_("option '%s' takes no value"),
				    arg);
			val = "";
		} else if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return usage(_("option '%s' needs a value"), arg);
		}
		a->val[o] = val;
		if (o == O_ARCHIVE) {
			if (a->narchives == ARCHIVES_MAX)
				return usage(_("too many '%s' options"), arg);
			a->archives[a->narchives++] = val;
		}
	}
	return 0;
}

/* A user name or label: 1 to KAGI_NAME_MAX bytes, no control characters. */
static int
check_name(const char *s, int label)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > KAGI_NAME_MAX)
		return usage(label ? _("the label '%s' must be 1 to 64 bytes "
		    "long") : _("the user name '%s' must be 1 to 64 bytes "
		    "long"), s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return usage(label ? _("the label '%s' contains a "
			    "control character") : _("the user name '%s' "
			    "contains a control character"), s);
	return 0;
}

/* A positive decimal integer, all digits, no sign, no spaces. */
static int
parse_id(const char *s, long long max, long long *out)
{
	long long v;
	char *end;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 19)
		return KAGI_ERR_INVALID;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return KAGI_ERR_INVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return KAGI_ERR_INVALID;
	*out = v;
	return 0;
}

static int
one_of(const char *s, const char *const *choices)
{
	for (; *choices != NULL; choices++)
		if (strcmp(s, *choices) == 0)
			return 1;
	return 0;
}

/*
 * A date: YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM:SS (a 'T' may
 * stand for the space), local time; or @SECONDS since the epoch.
 */
static int
parse_date(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	int v[6] = { 0, 0, 0, 0, 0, 0 }, i, f = 0, n = (int)strlen(s);
	long long secs;
	struct tm tm;
	time_t t;

	if (s[0] == '@') {
		if (parse_id(s + 1, INT64_MAX, &secs) != 0)
			return KAGI_ERR_INVALID;
		*out = secs;
		return 0;
	}
	if (n != 10 && n != 16 && n != 19)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return KAGI_ERR_INVALID;
			v[f] = v[f] * 10 + (s[i] - '0');
		} else {
			if (s[i] != shape[i] && !(i == 10 && s[i] == 'T'))
				return KAGI_ERR_INVALID;
			f++;
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 60)
		return KAGI_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || tm.tm_mday != v[2])
		return KAGI_ERR_INVALID;
	*out = (int64_t)t;
	return 0;
}

/* The audit and report options. */
static int
check_audit_opts(const struct args *a, struct ctl *ctl)
{
	static const int dates[3] = { O_BEFORE, O_SINCE, O_UNTIL };
	int64_t *dst[3] = { &ctl->before, &ctl->since, &ctl->until };
	long long v;
	const char *c;
	int i, r;

	for (i = 0; i < 3; i++)
		if (a->val[dates[i]] != NULL &&
		    parse_date(a->val[dates[i]], dst[i]) != 0)
			return usage(_("a date is YYYY-MM-DD, YYYY-MM-DD HH:MM "
			    "or @SECONDS, not '%s'"), a->val[dates[i]]);
	if (a->val[O_DAYS] != NULL) {
		if (parse_id(a->val[O_DAYS], 36500, &v) != 0)
			return usage(_("--days needs a number of days from 1 "
			    "to 36500, not '%s'"), a->val[O_DAYS]);
		ctl->days = (int)v;
	}
	if ((ctl->anchor = a->val[O_ANCHOR]) != NULL) {
		c = strchr(ctl->anchor, ':');
		if (c == NULL || (size_t)(c - ctl->anchor) > 19 ||
		    strlen(c + 1) != 64)
			return usage(_("--anchor is SEQ:HASH as kagictl audit "
			    "anchor prints it, not '%s'"), ctl->anchor);
	}
	if ((ctl->filter_user = a->val[O_USER]) != NULL &&
	    (r = check_name(ctl->filter_user, 0)) != 0)
		return r;
	if ((ctl->event = a->val[O_EVENT]) != NULL &&
	    (r = check_name(ctl->event, 1)) != 0)
		return r;
	ctl->checkpoints = a->val[O_CHECKPOINTS];
	ctl->archives = a->archives;
	ctl->narchives = a->narchives;
	ctl->csv = a->val[O_CSV] != NULL;
	return 0;
}

/* Check options' values into ctl. */
static int
check_opts(const struct args *a, struct ctl *ctl)
{
	static const char *const algs[] = { "sha1", "sha256", "sha512", NULL };
	long long v;
	int r;

	if (a->val[O_TIMEOUT] != NULL) {
		if (parse_id(a->val[O_TIMEOUT], TIMEOUT_MAX, &v) != 0)
			return usage(_("--timeout needs a number of seconds "
			    "from 1 to 3600, not '%s'"), a->val[O_TIMEOUT]);
		ctl->timeout_ms = (int)v * 1000;
	}
	if ((ctl->role = a->val[O_ROLE]) != NULL &&
	    !one_of(ctl->role, kagi_role_names))
		return usage(_("--role must be staff, privileged or vendor, "
		    "not '%s'"), ctl->role);
	if ((ctl->algorithm = a->val[O_ALGORITHM]) != NULL &&
	    !one_of(ctl->algorithm, algs))
		return usage(_("--algorithm must be sha1, sha256 or sha512, "
		    "not '%s'"), ctl->algorithm);
	if (a->val[O_DIGITS] != NULL) {
		if (strcmp(a->val[O_DIGITS], "6") != 0 &&
		    strcmp(a->val[O_DIGITS], "8") != 0)
			return usage(_("--digits must be 6 or 8, not '%s'"),
			    a->val[O_DIGITS]);
		ctl->digits = a->val[O_DIGITS][0] - '0';
	}
	if ((ctl->label = a->val[O_LABEL]) != NULL &&
	    (r = check_name(ctl->label, 1)) != 0)
		return r;
	if ((r = check_audit_opts(a, ctl)) != 0)
		return r;
	ctl->json = a->val[O_JSON] != NULL;
	ctl->yes = a->val[O_YES] != NULL;
	ctl->no_qr = a->val[O_NO_QR] != NULL;
	ctl->ascii = a->val[O_ASCII] != NULL;
	ctl->pending = a->val[O_PENDING] != NULL;
	ctl->enroll_code = a->val[O_ENROLL_CODE] != NULL;
	if ((ctl->reason = a->val[O_REASON]) != NULL) {
		size_t i, n = strlen(ctl->reason);

		if (n == 0 || n > 256)
			return usage(_("--reason must be 1 to 256 bytes long, "
			    "not '%s'"), ctl->reason);
		for (i = 0; i < n; i++)
			if ((unsigned char)ctl->reason[i] < 0x20 ||
			    ctl->reason[i] == 0x7f)
				return usage(_("--reason '%s' contains a "
				    "control character"), ctl->reason);
	}
	ctl->set_pin = a->val[O_SET_PIN] != NULL;
	ctl->company = a->val[O_COMPANY];
	ctl->expires = a->val[O_EXPIRES];
	ctl->window = a->val[O_WINDOW];
	ctl->from = a->val[O_FROM];
	ctl->grant = a->val[O_GRANT] != NULL;
	ctl->worker = a->val[O_WORKER];
	ctl->place = a->val[O_PLACE];
	ctl->work = a->val[O_WORK];
	ctl->attestation = a->val[O_ATTESTATION];
	ctl->sshkey = a->val[O_SSHKEY];
	ctl->challenge = a->val[O_CHALLENGE];
	ctl->sshd_config = a->val[O_SSHD_CONFIG];
	if (ctl->sshkey != NULL && ctl->challenge != NULL)
		return usage(_("--sshkey and --challenge are two steps: give "
		    "one of them, not '%s' too"), ctl->challenge);
	ctl->force = a->val[O_FORCE] != NULL;
	if ((ctl->zone = a->val[O_ZONE]) != NULL &&
	    !one_of(ctl->zone, kagi_zone_names))
		return usage(_("--zone must be mynumber, lgwan or internet, "
		    "not '%s'"), ctl->zone);
	if ((ctl->host_class = a->val[O_CLASS]) != NULL &&
	    strcmp(ctl->host_class, "terminal") != 0 &&
	    strcmp(ctl->host_class, "gateway") != 0 &&
	    strcmp(ctl->host_class, "core") != 0)
		return usage(_("--class must be terminal, gateway or core, "
		    "not '%s'"), ctl->host_class);
	ctl->csr = a->val[O_CSR];
	ctl->to = a->val[O_TO];
	return 0;
}

/*
 * The command named by the operands, *used its word count; NULL with *ex
 * set after a usage message when there is none.
 */
static const struct cmd *
find_cmd(const struct args *a, int *used, int *ex)
{
	const char *w = a->pos[0], *sub = a->npos > 1 ? a->pos[1] : NULL;
	int known = 0;
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].word, w) != 0)
			continue;
		known = 1;
		if (cmds[i].sub == NULL) {
			*used = 1;
			return &cmds[i];
		}
		if (sub != NULL && strcmp(cmds[i].sub, sub) == 0) {
			*used = 2;
			return &cmds[i];
		}
	}
	if (!known)
		*ex = usage(_("unknown command '%s'"), w);
	else if (sub == NULL)
		*ex = usage(_("'%s' needs a subcommand"), w);
	else
		*ex = usage(_("unknown subcommand '%s'"), sub);
	return NULL;
}

/* Check the command's operands and options into ctl. */
static int
check_cmd(const struct args *a, const struct cmd *cmd, int used,
    struct ctl *ctl)
{
	int need = cmd->operands == NONE ? 0 : cmd->operands == USER ||
	    cmd->operands == FILE_ARG || cmd->operands == ID ||
	    cmd->operands == HOST ? 1 : 2;
	long long id;
	int o, r;


	for (o = 0; o < O_COUNT_; o++)
		if (a->val[o] != NULL && (BIT(o) & GLOBAL_OPTS) == 0 &&
		    (BIT(o) & cmd->opts) == 0)
			return usage(_("option '--%s' does not apply to this "
			    "command"), opts[o].name);
	/* import google-authenticator FILE...: one or more files. */
	if (cmd->operands == FILES) {
		if (a->npos - used < 1)
			return usage(_("missing argument: a file after '%s'"),
			    a->pos[a->npos - 1]);
		ctl->files = a->pos + used;
		ctl->nfiles = a->npos - used;
		ctl->file = a->pos[used];
		return 0;
	}
	/* user add --from FILE: users in bulk, no name operand. */
	if (cmd->opts & BIT(O_ENROLL_CODE) && a->val[O_FROM] != NULL) {
		if (a->npos - used != 0 || a->val[O_ENROLL_CODE] != NULL ||
		    a->val[O_ROLE] != NULL)
			return usage(_("%s: user add --from FILE takes no name, "
			    "--role or --enroll-code (roles are in the file)"),
			    a->pos[used - 1]);
		return 0;
	}
	/* token list alone: the caller's own tokens (R-TOK-2). */
	if (cmd->run == ctl_token_list && a->npos - used == 0) {
		ctl->own = 1;
		return 0;
	}
	/* token lost TOKEN: the caller's own token (R-TOK-2). */
	if (cmd->operands == OPT_USER_TOKEN && a->npos - used == 1 &&
	    parse_id(a->pos[used], INT64_MAX, &id) == 0) {
		ctl->token = id;
		ctl->own = 1;
		return 0;
	}
	/* host ... NAME: a host name, checked by kagid (hosts.c). */
	if (cmd->operands == HOST) {
		if (a->npos - used < 1)
			return usage(_("missing argument: a host name after "
			    "'%s'"), a->pos[a->npos - 1]);
		if (a->npos - used > 1)
			return usage(_("unexpected argument '%s'"),
			    a->pos[used + 1]);
		ctl->arg = a->pos[used];
		return 0;
	}
	if (a->npos - used < need && cmd->operands == ID)
		return usage(_("missing argument: a number after '%s'"),
		    a->pos[a->npos - 1]);
	if ((cmd->operands == FILE_ARG && a->npos - used < 1) ||
	    (cmd->operands == USER_FILE && a->npos - used == 1))
		return usage(_("missing argument: a file after '%s'"),
		    a->pos[a->npos - 1]);
	if (a->npos - used < need)
		return usage(cmd->operands == USER_ARG &&
		    a->npos - used == 1 ?
		    _("missing argument: a role after '%s'") :
		    need == 2 && a->npos - used == 1 ?
		    _("missing argument: a token id after '%s'") :
		    _("missing argument: a user name after '%s'"),
		    a->pos[a->npos - 1]);
	if (a->npos - used > need)
		return usage(_("unexpected argument '%s'"),
		    a->pos[used + need]);
	if (cmd->operands == ID) {
		if (parse_id(a->pos[used], INT64_MAX, &id) != 0)
			return usage(_("an id is a positive number, not '%s'"),
			    a->pos[used]);
		ctl->id = id;
		return 0;
	}
	if (cmd->operands == FILE_ARG) {
		ctl->file = a->pos[used];
	} else if (need >= 1) {
		ctl->user = a->pos[used];
		if ((r = check_name(ctl->user, 0)) != 0)
			return r;
	}
	if (cmd->operands == USER_FILE) {
		ctl->file = a->pos[used + 1];
	} else if (cmd->operands == USER_ARG) {
		ctl->arg = a->pos[used + 1];
		if (!one_of(ctl->arg, kagi_role_names))
			return usage(_("a role is staff, privileged or vendor, "
			    "not '%s'"), ctl->arg);
	} else if (need == 2) {
		if (parse_id(a->pos[used + 1], INT64_MAX, &id) != 0)
			return usage(_("a token id is a positive number, not "
			    "'%s' (see: kagictl token list USER)"),
			    a->pos[used + 1]);
		ctl->token = id;
	}
	return 0;
}

/*
 * Where kagid listens: --socket, $KAGI_SOCKET, the configuration, the
 * compiled default.  The configuration also names the admin group shown
 * in messages.  *cfg_loaded tells whether cfg must be freed.
 */
static int
find_socket(const struct args *a, struct ctl *ctl, struct kagid_config *cfg,
    int *cfg_loaded)
{
	const char *path = a->val[O_CONFIG], *env = getenv("KAGI_SOCKET");
	char err[CFG_ERRLEN];
	struct stat st;
	int r, absent = 0;

	if (path == NULL) {
		path = KAGI_CONF_FILE;
		absent = stat(path, &st) != 0 && errno == ENOENT;
	}
	kagid_config_defaults(cfg);
	r = kagid_config_load(cfg, absent ? NULL : path, (unsigned)getuid(),
	    err, sizeof(err));
	*cfg_loaded = 1;
	if (r == 0) {
		ctl->admin_group = cfg->admin_group;
		ctl->cfg = cfg;		/* restore: the database and its log */
	} else
		snprintf(ctl->cfg_err, sizeof(ctl->cfg_err), "%s: %s", path,
		    err);
	if (a->val[O_SOCKET] != NULL)
		ctl->sockpath = a->val[O_SOCKET];
	else if (env != NULL && env[0] != '\0')
		ctl->sockpath = env;
	else if (r != 0) {
		ctl_err(_("cannot use the configuration %s: %s; fix it, or "
		    "name kagid's socket with --socket PATH"), path, err);
		return CTL_EXIT_UNREACHABLE;
	} else
		ctl->sockpath = cfg->socket;
	if (ctl->sockpath[0] == '\0' ||
	    strlen(ctl->sockpath) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return usage(_("the socket path '%s' is empty or too long"),
		    ctl->sockpath);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl ctl = { .admin_group = "kagi-admin",
	    .timeout_ms = TIMEOUT_DEFAULT * 1000 };
	struct args a = { .npos = 0 };
	struct kagid_config cfg;
	const struct cmd *cmd = NULL;
	int ex, used = 0, cfg_loaded = 0;

	kagi_i18n_init();
	if (argc < 1 || (a.pos = calloc((size_t)argc, sizeof(*a.pos))) ==
	    NULL) {
		ctl_err(_("out of memory"));
		return CTL_EXIT_UNREACHABLE;
	}
	if ((ex = parse(argc, argv, &a)) != 0)
		goto out;
	if (a.val[O_HELP] != NULL ||
	    (a.npos > 0 && strcmp(a.pos[0], "help") == 0)) {
		/* kagictl user --help, kagictl help user: that command. */
		const char *w = a.npos == 0 ? NULL :
		    strcmp(a.pos[0], "help") != 0 ? a.pos[0] :
		    a.npos > 1 ? a.pos[1] : NULL;

		if (w == NULL)
			help();
		else if (help_for(w) != 0)
			ex = usage(_("unknown command '%s'"), w);
		goto out;
	}
	if (a.val[O_VERSION] != NULL) {
		printf("kagictl %s\n", PACKAGE_VERSION);
		goto out;
	}
	if (a.npos == 0) {
		ex = usage(_("no command given"), "");
		goto out;
	}
	if ((cmd = find_cmd(&a, &used, &ex)) == NULL ||
	    (ex = check_cmd(&a, cmd, used, &ctl)) != 0 ||
	    (ex = check_opts(&a, &ctl)) != 0 ||
	    (ex = find_socket(&a, &ctl, &cfg, &cfg_loaded)) != 0)
		goto out;
	ex = cmd->run(&ctl);
 out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_err(_("cannot write the output: %s"), strerror(errno));
		if (ex == CTL_EXIT_OK)
			ex = CTL_EXIT_UNREACHABLE;
	}
	if (cfg_loaded)
		kagid_config_free(&cfg);
	free(a.pos);
	return ex;
}

/*
 * ctl_import.c - `kagictl import google-authenticator FILE...` and
 * `kagictl import pam-oath USERSFILE`: keep the TOTP secrets of a site
 * moving from those PAM modules, so nobody enrolls again.
 *
 * google-authenticator: each FILE is one user's .google_authenticator
 * (its owner's account is the kagi user; a file of root's is named for
 * the user, as pam_google_authenticator's secret=/DIR/${USER} keeps
 * them): the base32 secret on the first line, option lines beginning
 * '" ' (TOTP_AUTH required; STEP_SIZE must be kagid's totp_period;
 * WINDOW_SIZE, DISALLOW_REUSE and RATE_LIMIT give way to kagid's own
 * window, replay refusal and lockouts; HOTP_COUNTER refused: a counter
 * secret is not a time-based one), then scratch codes, which are not
 * imported: kagi has no recovery codes, its emergency path is
 * break-glass (kagictl breakglass issue).
 * pam-oath: a users file of "TYPE USER PIN HEXSECRET [COUNTER [TIME]]"
 * lines; only time-based types "HOTP/T30[/6|/8]" are taken (HOTP lines
 * refused: counter-based), with no PIN ("-": kagi has no OTP PIN; the
 * password module is the knowledge factor, R-MFA-2).
 *
 * Every file is checked whole before anything is sent (a line that
 * cannot be taken is named, "FILE:LINE: why", and nothing is imported);
 * files are read like an attacker placed them (safefile.c).  Then each
 * secret goes to kagid (token_import_totp), which seals it like any
 * other (totp_factor.c), records "token_import" and refuses privileged
 * users (R-PRIV-2).  Secrets are wiped after use.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "safefile.h"
#include "totp.h"
#include "wipe.h"

#define IMPORT_FILE_MAX (16 * 1024 * 1024)
#define IMPORT_LINE_MAX 1024

struct secret {
	char user[KAGI_NAME_MAX + 1];
	uint8_t *key;
	size_t len;
	int digits, period;
	const char *file;
	size_t line;
};

struct imports {
	struct secret *v;
	size_t n, cap;
	const char *source;
	long scratch;
};

static void
imports_free(struct imports *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		kagi_free_secret(im->v[i].key, im->v[i].len);
	free(im->v);
	memset(im, 0, sizeof(*im));
}

static struct secret *
imports_add(struct imports *im)
{
	struct secret *g;
	size_t cap;

	if (im->n == im->cap) {
		cap = im->cap == 0 ? 16 : im->cap * 2;
		if ((g = reallocarray(im->v, cap, sizeof(*g))) == NULL)
			return NULL;
		im->v = g;
		im->cap = cap;
	}
	memset(&im->v[im->n], 0, sizeof(im->v[im->n]));
	return &im->v[im->n++];
}

static int
bad(const char *file, size_t line, const char *why)
{
	char clean[512];

	ctl_err(_("%s:%zu: %s; nothing was imported"),
	    ctl_clean(file, clean, sizeof(clean)), line, why);
	return KAGI_ERR_INVALID;
}

/* The next line of buf (NUL-terminated in place), or NULL at the end. */
static char *
next_line(char **p)
{
	char *l = *p, *e;

	if (l == NULL || *l == '\0')
		return NULL;
	if ((e = strchr(l, '\n')) != NULL) {
		*e = '\0';
		*p = e + 1;
	} else
		*p = l + strlen(l);
	if ((e = strchr(l, '\r')) != NULL && e[1] == '\0')
		*e = '\0';
	return l;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Read a file as kagictl's caller or root (pam-oath), or as its owner. */
static int
read_whole(const char *name, uid_t *owner, int by_owner, char **buf,
    size_t *len, char *abspath, size_t abslen)
{
	char err[512];
	struct stat st;

	if (ctl_abspath(name, abspath, abslen) != 0) {
		ctl_err(_("cannot read %s: %s"), name,
		    _("the path is too long"));
		return KAGI_ERR_TOO_LARGE;
	}
	if (lstat(abspath, &st) != 0) {
		ctl_err(_("cannot read %s: %s"), name, strerror(errno));
		return KAGI_ERR_IO;
	}
	*owner = by_owner ? st.st_uid : getuid();
	if (safefile_read(abspath, *owner, IMPORT_FILE_MAX, buf, len, err,
	    sizeof(err)) != 0) {
		ctl_err(_("cannot read %s: %s"), name, err);
		return KAGI_ERR_UNSAFE_FILE;
	}
	return 0;
}

/* One .google_authenticator file. */
static int
read_ga(struct imports *im, const char *name)
{
	char abspath[PATH_MAX], *buf = NULL, *p, *l, *base;
	struct passwd *pw;
	struct secret *s = NULL;
	size_t len = 0, line = 0;
	long step = 30;
	int totp = 0, r;
	uid_t owner;

	if ((r = read_whole(name, &owner, 1, &buf, &len, abspath,
	    sizeof(abspath))) != 0)
		return r;
	if ((s = imports_add(im)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	s->file = name;
	s->line = 1;
	s->digits = 6;
	base = strrchr(abspath, '/') + 1;
	if (owner != 0 && (pw = getpwuid(owner)) != NULL)
		snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	else if (owner == 0 && strcmp(base, ".google_authenticator") != 0)
		snprintf(s->user, sizeof(s->user), "%s", base);
	else if (owner == 0)
		snprintf(s->user, sizeof(s->user), "root");
	else {
		r = bad(name, 1, _("its owner has no account name"));
		goto out;
	}
	p = buf;
	while ((l = next_line(&p)) != NULL) {
		line++;
		if (line == 1) {
			if (totp_secret_decode(l, 0, &s->key, &s->len) != 0) {
				r = bad(name, line, _("the first line is not a "
				    "base32 secret of 80 to 512 bits"));
				goto out;
			}
			continue;
		}
		if (strncmp(l, "\" ", 2) == 0) {
			const char *o = l + 2;

			if (strcmp(o, "TOTP_AUTH") == 0)
				totp = 1;
			else if (strncmp(o, "HOTP_COUNTER", 12) == 0) {
				r = bad(name, line, _("HOTP_COUNTER: a "
				    "counter-based (HOTP) secret, not a "
				    "time-based one; kagi takes TOTP only: "
				    "enroll this user afresh (kagictl user add "
				    "--enroll-code)"));
				goto out;
			} else if (strncmp(o, "STEP_SIZE ", 10) == 0) {
				char *end = NULL;

				step = strtol(o + 10, &end, 10);
				if (end == o + 10 || *end != '\0' || step < 1 ||
				    step > 3600) {
					r = bad(name, line, _("STEP_SIZE is "
					    "not a number of seconds"));
					goto out;
				}
			} else if (strncmp(o, "WINDOW_SIZE", 11) != 0 &&
			    strncmp(o, "DISALLOW_REUSE", 14) != 0 &&
			    strncmp(o, "RATE_LIMIT", 10) != 0) {
				r = bad(name, line, _("unknown option; "
				    "google-authenticator writes TOTP_AUTH, "
				    "STEP_SIZE, WINDOW_SIZE, DISALLOW_REUSE, "
				    "RATE_LIMIT and HOTP_COUNTER"));
				goto out;
			}
			continue;
		}
		if (all_digits(l, 8)) {
			im->scratch++;
			continue;
		}
		if (l[0] != '\0') {
			r = bad(name, line, _("neither an option line nor an "
			    "8-digit scratch code"));
			goto out;
		}
	}
	if (s->key == NULL) {
		r = bad(name, 1, _("the file is empty"));
		goto out;
	}
	if (!totp) {
		r = bad(name, 1, _("no \" TOTP_AUTH line: not a time-based "
		    "secret; kagi takes TOTP only"));
		goto out;
	}
	s->period = (int)step;
	r = 0;
 out:
	kagi_free_secret(buf, len);
	return r;
}

/* A pam_oath users file. */
static int
read_oath(struct imports *im, const char *name)
{
	char abspath[PATH_MAX], *buf = NULL, *p, *l, *save = NULL;
	char *type, *user, *pin, *hex;
	struct secret *s;
	size_t len = 0, line = 0;
	int r = 0, period, digits;
	uid_t owner;

	if ((r = read_whole(name, &owner, 0, &buf, &len, abspath,
	    sizeof(abspath))) != 0)
		return r;
	p = buf;
	while ((l = next_line(&p)) != NULL) {
		char tail[8];

		line++;
		if (strlen(l) > IMPORT_LINE_MAX) {
			r = bad(name, line, _("the line is too long"));
			goto out;
		}
		type = strtok_r(l, " \t", &save);
		if (type == NULL || type[0] == '#')
			continue;
		user = strtok_r(NULL, " \t", &save);
		pin = strtok_r(NULL, " \t", &save);
		hex = strtok_r(NULL, " \t", &save);
		if (user == NULL || pin == NULL || hex == NULL) {
			r = bad(name, line, _("a line is TYPE USER PIN "
			    "SECRET"));
			goto out;
		}
		tail[0] = '\0';
		digits = 6;
		if (sscanf(type, "HOTP/T%d%7s", &period, tail) < 1) {
			r = bad(name, line, _("a counter-based (HOTP) line: "
			    "kagi takes time-based (HOTP/T30) lines only: "
			    "enroll this user afresh"));
			goto out;
		}
		if (strcmp(tail, "/8") == 0)
			digits = 8;
		else if (tail[0] != '\0' && strcmp(tail, "/6") != 0) {
			r = bad(name, line, _("the type must be HOTP/T30, "
			    "HOTP/T30/6 or HOTP/T30/8"));
			goto out;
		}
		if (strcmp(pin, "-") != 0) {
			r = bad(name, line, _("a PIN: kagi has no one-time "
			    "password PIN, the password module is the "
			    "knowledge factor (R-MFA-2); give - or enroll this "
			    "user afresh"));
			goto out;
		}
		if (strlen(user) > KAGI_NAME_MAX) {
			r = bad(name, line, _("the user name is too long"));
			goto out;
		}
		if ((s = imports_add(im)) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		snprintf(s->user, sizeof(s->user), "%s", user);
		s->file = name;
		s->line = line;
		s->digits = digits;
		s->period = period;
		if (totp_secret_decode(hex, 1, &s->key, &s->len) != 0) {
			r = bad(name, line, _("the secret is not hex of 80 to "
			    "512 bits"));
			goto out;
		}
	}
	if (im->n == 0) {
		ctl_err(_("%s holds no TOTP secret; nothing was imported"),
		    name);
		r = KAGI_ERR_INVALID;
	}
 out:
	kagi_free_secret(buf, len);
	return r;
}

/* Send every secret; the exit code. */
static int
send_all(struct ctl *ctl, struct imports *im)
{
	struct json_object *req, *reply, *token;
	size_t i, done = 0;
	char *b64 = NULL, clean[512];
	int ex = CTL_EXIT_OK, e, r;

	for (i = 0; i < im->n; i++) {
		struct secret *s = &im->v[i];
		struct ctl one = *ctl;

		one.user = s->user;
		reply = NULL;
		r = KAGI_ERR_NOMEM;
		if ((req = ctl_request(&one, OP_TOKEN_IMPORT_TOTP)) != NULL &&
		    b64_encode(s->key, s->len, &b64) == 0 &&
		    proto_set_str(req, "secret", b64) == 0 &&
		    proto_set_str(req, "source", im->source) == 0 &&
		    proto_set_int(req, "digits", s->digits) == 0 &&
		    proto_set_int(req, "period", s->period) == 0 &&
		    (ctl->label == NULL ||
		    proto_set_str(req, "label", ctl->label) == 0))
			r = ctl_call(&one, req, &reply);
		if (b64 != NULL)
			kagi_free_str(b64);
		b64 = NULL;
		proto_wipe_put(req);
		ctl_clean(s->file, clean, sizeof(clean));
		if (r != 0) {
			e = ctl_fail(&one, r, reply);
			fprintf(stderr, _("kagictl: %s:%zu: user '%s' not "
			    "imported\n"), clean, s->line, s->user);
			json_object_put(reply);
			ex = e;
			if (e != CTL_EXIT_REFUSED)
				break;
			continue;
		}
		if (json_object_object_get_ex(reply, "token", &token)) {
			printf(_("Imported a TOTP token for user '%s' (token "
			    "%lld).\n"), s->user,
			    (long long)ctl_jint(token, "id"));
			done++;
		}
		json_object_put(reply);
	}
	printf(_("%zu of %zu secrets imported.\n"), done, im->n);
	if (im->scratch > 0)
		printf(_("%ld scratch code(s) not imported: kagi has no "
		    "recovery codes; its emergency path is break-glass "
		    "(kagictl breakglass issue USER).\n"), im->scratch);
	return ex;
}

int
ctl_import_ga(struct ctl *ctl)
{
	struct imports im;
	int i, ex;

	memset(&im, 0, sizeof(im));
	im.source = "google-authenticator";
	for (i = 0; i < ctl->nfiles; i++)
		if (read_ga(&im, ctl->files[i]) != 0) {
			imports_free(&im);
			return CTL_EXIT_REFUSED;
		}
	ex = send_all(ctl, &im);
	imports_free(&im);
	return ex;
}

int
ctl_import_oath(struct ctl *ctl)
{
	struct imports im;
	int ex;

	memset(&im, 0, sizeof(im));
	im.source = "pam_oath";
	if (read_oath(&im, ctl->file) != 0) {
		imports_free(&im);
		return CTL_EXIT_REFUSED;
	}
	ex = send_all(ctl, &im);
	imports_free(&im);
	return ex;
}

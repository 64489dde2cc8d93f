/*
 * ctl_u2f.c - `kagictl import pam-u2f FILE`: keep the keys of a site
 * moving from pam_u2f.
 *
 * FILE holds pam_u2f authfile lines as pamu2fcfg prints them:
 *
 *   user:keyHandle,publicKey,coseType,options[:keyHandle,...]
 *
 * keyHandle and publicKey in standard base64 (the public key as
 * libfido2 holds it: x|y for es256, the point for eddsa, n|e for
 * rs256), coseType es256, eddsa or rs256, options made of "+presence",
 * "+verification" and "+pin".  The older two-field form (URL-safe key
 * handle, hex uncompressed P-256 point) is read too.  The whole file is
 * checked before anything is sent: a line that cannot be read is
 * refused with a message naming the file and the line, and nothing is
 * imported.  Then each credential goes to kagid, which refuses one that
 * any user already has (R-TOK-1).  Resident credentials ("*") carry no
 * key to import and are refused.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "rbuf.h"
#include "safefile.h"

#define U2F_FILE_MAX (1024 * 1024)
#define U2F_LINE_MAX 16384
#define U2F_MAX_CREDS 1024

struct u2f_cred {
	size_t line;
	char user[KAGI_NAME_MAX + 1];
	char *cred;		/* standard base64 */
	char *pk;		/* standard base64 */
	const char *alg;
	const char *uv;
};

struct u2f_file {
	const char *name;
	struct u2f_cred c[U2F_MAX_CREDS];
	size_t n;
};

static void
u2f_free(struct u2f_file *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->c[i].cred);
		free(f->c[i].pk);
	}
	f->n = 0;
}

static int
bad(const struct u2f_file *f, size_t line, const char *what)
{
	char clean[256];

	ctl_err(_("%s:%zu: %s; nothing was imported"),
	    ctl_clean(f->name, clean, sizeof(clean)), line, what);
	return KAGI_ERR_INVALID;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The old form's public key: hex of 04|x|y, into base64 of x|y. */
static int
old_pk(const char *hex, char **out)
{
	uint8_t raw[65];
	size_t i;
	int hi, lo;

	if (strlen(hex) != 130)
		return KAGI_ERR_INVALID;
	for (i = 0; i < 65; i++) {
		if ((hi = hexval(hex[2 * i])) < 0 ||
		    (lo = hexval(hex[2 * i + 1])) < 0)
			return KAGI_ERR_INVALID;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	if (raw[0] != 0x04)
		return KAGI_ERR_INVALID;
	return b64_encode(raw + 1, 64, out);
}

/* Re-encode base64 after a strict decode (or a URL-safe one). */
static int
canon_b64(const char *s, int websafe, size_t max, char **out)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	r = websafe ? b64_decode_websafe(s, 1, max, &p, &n) :
	    b64_decode(s, 1, max, &p, &n);
	if (r != 0)
		return r;
	r = b64_encode(p, n, out);
	free(p);
	return r;
}

/* One credential "kh,pk,type,options" (or "kh,pk") of a line. */
static int
parse_cred(struct u2f_file *f, size_t line, const char *user, char *s)
{
	struct u2f_cred *c;
	char *field[5], *save = NULL, *p;
	int nf = 0;

	if (f->n == U2F_MAX_CREDS)
		return bad(f, line, _("too many credentials in the file"));
	for (p = strtok_r(s, ",", &save); p != NULL && nf < 5;
	    p = strtok_r(NULL, ",", &save))
		field[nf++] = p;
	if (nf != 2 && nf != 3 && nf != 4)
		return bad(f, line, _("a credential is keyHandle,publicKey,"
		    "coseType,options"));
	if (strcmp(field[0], "*") == 0)
		return bad(f, line, _("a resident credential (\"*\") has no "
		    "public key to import"));
	c = &f->c[f->n];
	memset(c, 0, sizeof(*c));
	c->line = line;
	snprintf(c->user, sizeof(c->user), "%s", user);
	if (nf == 2) {
		c->alg = "es256";
		c->uv = "none";
		if (canon_b64(field[0], 1, 1024, &c->cred) != 0)
			return bad(f, line, _("the key handle is not URL-safe "
			    "base64"));
		if (old_pk(field[1], &c->pk) != 0) {
			free(c->cred);
			return bad(f, line, _("the public key is not a hex "
			    "P-256 point"));
		}
		f->n++;
		return 0;
	}
	if (strcmp(field[2], "es256") == 0 || strcmp(field[2], "eddsa") == 0 ||
	    strcmp(field[2], "rs256") == 0)
		c->alg = strcmp(field[2], "es256") == 0 ? "es256" :
		    strcmp(field[2], "eddsa") == 0 ? "eddsa" : "rs256";
	else
		return bad(f, line, _("the key type must be es256, eddsa or "
		    "rs256"));
	c->uv = "none";
	if (nf == 4) {
		const char *o = field[3];

		while (*o != '\0') {
			if (strncmp(o, "+presence", 9) == 0)
				o += 9;
			else if (strncmp(o, "+verification", 13) == 0) {
				o += 13;
				c->uv = "pin";
			} else if (strncmp(o, "+pin", 4) == 0) {
				o += 4;
				c->uv = "pin";
			} else
				return bad(f, line, _("unknown option; "
				    "pam_u2f writes +presence, +verification "
				    "and +pin"));
		}
	}
	if (canon_b64(field[0], 0, 1024, &c->cred) != 0)
		return bad(f, line, _("the key handle is not base64"));
	if (canon_b64(field[1], 0, 512, &c->pk) != 0) {
		free(c->cred);
		return bad(f, line, _("the public key is not base64"));
	}
	f->n++;
	return 0;
}

static int
parse_line(struct u2f_file *f, size_t line, const char *l, size_t len)
{
	char buf[U2F_LINE_MAX + 1], *user, *rest, *save = NULL, *cred;
	size_t i;

	memcpy(buf, l, len);
	buf[len] = '\0';
	if ((rest = strchr(buf, ':')) == NULL)
		return bad(f, line, _("a line is user:credential[:credential"
		    "...]"));
	*rest++ = '\0';
	user = buf;
	if (user[0] == '\0' || strlen(user) > KAGI_NAME_MAX)
		return bad(f, line, _("the user name must be 1 to 64 bytes"));
	for (i = 0; user[i] != '\0'; i++)
		if ((unsigned char)user[i] < 0x21 || user[i] == 0x7f)
			return bad(f, line, _("the user name contains a space "
			    "or a control character"));
	if (*rest == '\0')
		return bad(f, line, _("no credential after the user name"));
	for (cred = strtok_r(rest, ":", &save); cred != NULL;
	    cred = strtok_r(NULL, ":", &save))
		if (parse_cred(f, line, user, cred) != 0)
			return KAGI_ERR_INVALID;
	return 0;
}

static int
read_file(struct u2f_file *f, const char *path)
{
	char abspath[PATH_MAX], err[256], *buf = NULL;
	const char *l;
	size_t len = 0, ll, line = 0;
	struct rbuf b;
	int r;

	if (path[0] == '/')
		snprintf(abspath, sizeof(abspath), "%s", path);
	else {
		if (getcwd(abspath, sizeof(abspath) - strlen(path) - 2) ==
		    NULL) {
			ctl_err(_("cannot read %s: %s"), path, "getcwd");
			return KAGI_ERR_IO;
		}
		strcat(abspath, "/");
		strcat(abspath, path);
	}
	if ((r = safefile_read(abspath, getuid(), U2F_FILE_MAX, &buf, &len,
	    err, sizeof(err))) != 0) {
		ctl_err(_("cannot read %s: %s"), path, err);
		return r;
	}
	rbuf_init(&b, buf, len);
	while (rbuf_remaining(&b) > 0) {
		line++;
		if ((r = rbuf_get_line(&b, U2F_LINE_MAX, &l, &ll)) != 0) {
			r = bad(f, line, _("the line is too long or holds a "
			    "NUL byte"));
			goto out;
		}
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			continue;
		if ((r = parse_line(f, line, l, ll)) != 0)
			goto out;
	}
	if (f->n == 0) {
		ctl_err(_("%s holds no credential; nothing was imported"),
		    path);
		r = KAGI_ERR_INVALID;
	}
 out:
	free(buf);
	return r;
}

int
ctl_import_pam_u2f(struct ctl *ctl)
{
	static struct u2f_file f;
	struct json_object *req, *reply = NULL, *token;
	const char *why;
	size_t i, done = 0;
	int ex = CTL_EXIT_OK, e, r;

	memset(&f, 0, sizeof(f));
	f.name = ctl->file;
	if (read_file(&f, ctl->file) != 0) {
		u2f_free(&f);
		return CTL_EXIT_REFUSED;
	}
	for (i = 0; i < f.n; i++) {
		struct u2f_cred *c = &f.c[i];
		struct ctl one = *ctl;
		char clean[256];

		one.user = c->user;
		if ((req = ctl_request(&one, OP_TOKEN_FIDO2_IMPORT)) == NULL ||
		    (r = proto_set_str(req, "credential", c->cred)) != 0 ||
		    (r = proto_set_str(req, "public_key", c->pk)) != 0 ||
		    (r = proto_set_str(req, "alg", c->alg)) != 0 ||
		    (r = proto_set_str(req, "uv", c->uv)) != 0 ||
		    (r = proto_set_str(req, "label", ctl->label != NULL ?
		    ctl->label : "pam_u2f")) != 0) {
			json_object_put(req);
			req = NULL;
		}
		ctl_clean(f.name, clean, sizeof(clean));
		if ((e = ctl_run(&one, req, &reply)) != 0) {
			fprintf(stderr, _("kagictl: %s:%zu: user '%s' not "
			    "imported\n"), clean, c->line, c->user);
			ex = e;
			if (e != CTL_EXIT_REFUSED)
				break;
			continue;
		}
		if (ctl_pending(&one, reply) == CTL_EXIT_PENDING) {
			/* A privileged user's key: after approval (R-PRIV-3). */
			ex = CTL_EXIT_PENDING;
		} else if ((why = ctl_jstr(reply, "refused")) != NULL) {
			if (strcmp(why, "duplicate") == 0)
				ctl_err(_("%s:%zu: this credential is already "
				    "enrolled (R-TOK-1); not imported"), clean,
				    c->line);
			else
				ctl_err(_("%s:%zu: kagid refused the "
				    "credential: %s"), clean, c->line, why);
			ex = CTL_EXIT_REFUSED;
		} else if (json_object_object_get_ex(reply, "token", &token)) {
			printf(_("Imported a security key for user '%s' "
			    "(token %lld).\n"), c->user,
			    (long long)ctl_jint(token, "id"));
			done++;
		}
		json_object_put(reply);
		reply = NULL;
	}
	printf(_("%zu of %zu credentials imported.\n"), done, f.n);
	u2f_free(&f);
	return ex;
}

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
 * key to import and are refused.  A line is read by ctl_u2f_line.c.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_u2f_line.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "rbuf.h"
#include "safefile.h"

#define U2F_FILE_MAX (1024 * 1024)

static int
bad(const struct u2f_file *f, size_t line, const char *what)
{
	char clean[256];

	ctl_err(_("%s:%zu: %s; nothing was imported"),
	    ctl_clean(f->name, clean, sizeof(clean)), line, what);
	return KAGI_ERR_INVALID;
}

static int
read_file(struct u2f_file *f, const char *path)
{
	char abspath[PATH_MAX], err[256], *buf = NULL;
	const char *l, *why = NULL;
	size_t len = 0, ll, line = 0;
	struct rbuf b;
	int r;

	/* A relative path made absolute; one too long for PATH_MAX is
	 * refused (it once wrapped the getcwd() size round and overflowed
	 * abspath). */
	if ((r = ctl_abspath(path, abspath, sizeof(abspath))) != 0) {
		ctl_err(_("cannot read %s: %s"), path, r == KAGI_ERR_IO ?
		    "getcwd" : _("the path is too long"));
		return r;
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
		if (u2f_line_parse(f, line, l, ll, &why) != 0) {
			r = bad(f, line, why);
			goto out;
		}
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

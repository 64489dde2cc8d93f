/*
 * ctl_u2f_line.c - the parser of one pam_u2f authfile line
 * (ctl_u2f_line.h), for `kagictl import pam-u2f` (ctl_u2f.c) and
 * fuzz/fuzz_u2f.c.
 *
 * Guarantees: a credential is added only whole (user name of 1 to
 * KAGI_NAME_MAX bytes without blanks or control characters, key handle
 * and public key re-encoded in standard base64 after a strict decode,
 * a known key type, user verification (+verification or +pin); a
 * refusal always comes with its reason; nothing is printed here.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "ctl_u2f_line.h"
#include "i18n.h"
#include "kagi_err.h"

void
u2f_free(struct u2f_file *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->c[i].cred);
		free(f->c[i].pk);
	}
	f->n = 0;
}

/*
 * A key that does no user verification (pamu2fcfg's default +presence,
 * or the old form): whoever holds it logs in with a touch.  kagi asks
 * the key for a PIN or built-in verification (fido2_uv = required,
 * R-MFA-2, R-PRIV-2), so such a key would fail at every log-in.
 */
#define NO_UV _("the key does no user verification (+presence without " \
    "+verification or +pin, pamu2fcfg's default): a touch would be the " \
    "whole factor, and kagi requires a PIN or built-in verification; " \
    "register the key again with pamu2fcfg -N (PIN) or -V")

static int
bad(const char **why, const char *what)
{
	*why = what;
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
parse_cred(struct u2f_file *f, size_t line, const char *user, char *s,
    const char **why)
{
	struct u2f_cred *c;
	char *field[5], *save = NULL, *p;
	int nf = 0;

	if (f->n == U2F_MAX_CREDS)
		return bad(why, _("too many credentials in the file"));
	for (p = strtok_r(s, ",", &save); p != NULL && nf < 5;
	    p = strtok_r(NULL, ",", &save))
		field[nf++] = p;
	if (nf != 2 && nf != 3 && nf != 4)
		return bad(why, _("a credential is keyHandle,publicKey,"
		    "coseType,options"));
	if (strcmp(field[0], "*") == 0)
		return bad(why, _("a resident credential (\"*\") has no "
		    "public key to import"));
	c = &f->c[f->n];
	memset(c, 0, sizeof(*c));
	c->line = line;
	snprintf(c->user, sizeof(c->user), "%s", user);
	if (nf == 2) {
		c->alg = "es256";
		c->uv = "none";
		if (canon_b64(field[0], 1, 1024, &c->cred) != 0)
			return bad(why, _("the key handle is not URL-safe "
			    "base64"));
		if (old_pk(field[1], &c->pk) != 0) {
			free(c->cred);
			return bad(why, _("the public key is not a hex "
			    "P-256 point"));
		}
		/* The old form knew no user verification. */
		free(c->cred);
		free(c->pk);
		return bad(why, NO_UV);
	}
	if (strcmp(field[2], "es256") == 0 || strcmp(field[2], "eddsa") == 0 ||
	    strcmp(field[2], "rs256") == 0)
		c->alg = strcmp(field[2], "es256") == 0 ? "es256" :
		    strcmp(field[2], "eddsa") == 0 ? "eddsa" : "rs256";
	else
		return bad(why, _("the key type must be es256, eddsa or "
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
				return bad(why, _("unknown option; "
				    "pam_u2f writes +presence, +verification "
				    "and +pin"));
		}
	}
	if (canon_b64(field[0], 0, 1024, &c->cred) != 0)
		return bad(why, _("the key handle is not base64"));
	if (canon_b64(field[1], 0, 512, &c->pk) != 0) {
		free(c->cred);
		return bad(why, _("the public key is not base64"));
	}
	if (strcmp(c->uv, "none") == 0) {
		free(c->cred);
		free(c->pk);
		return bad(why, NO_UV);
	}
	f->n++;
	return 0;
}

int
u2f_line_parse(struct u2f_file *f, size_t line, const char *l, size_t len,
    const char **why)
{
	char buf[U2F_LINE_MAX + 1], *user, *rest, *save = NULL, *cred;
	size_t i;

	*why = NULL;
	if (len > U2F_LINE_MAX)
		return bad(why, _("the line is too long or holds a NUL byte"));
	memcpy(buf, l, len);
	buf[len] = '\0';
	if ((rest = strchr(buf, ':')) == NULL)
		return bad(why, _("a line is user:credential[:credential"
		    "...]"));
	*rest++ = '\0';
	user = buf;
	if (user[0] == '\0' || strlen(user) > KAGI_NAME_MAX)
		return bad(why, _("the user name must be 1 to 64 bytes"));
	for (i = 0; user[i] != '\0'; i++)
		if ((unsigned char)user[i] < 0x21 || user[i] == 0x7f)
			return bad(why, _("the user name contains a space "
			    "or a control character"));
	if (*rest == '\0')
		return bad(why, _("no credential after the user name"));
	for (cred = strtok_r(rest, ":", &save); cred != NULL;
	    cred = strtok_r(NULL, ":", &save))
		if (parse_cred(f, line, user, cred, why) != 0)
			return KAGI_ERR_INVALID;
	return 0;
}

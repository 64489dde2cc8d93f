/*
 * ctl_fido2.c - `kagictl token add-fido2 USER [--label L] [--set-pin]`
 * and `kagictl enroll [--user NAME] [--label L] [--set-pin]`: enroll the
 * FIDO2 security key plugged into this machine, for a user (an
 * administrator) or for oneself with an enrollment code (any user).
 *
 * For a privileged user kagid may answer the begin with a request
 * awaiting a second person (exit 4) instead of a challenge; the key is
 * looked for only after kagid issued one.
 *
 * kagid issues the registration challenge (token_fido2_begin); the key
 * makes the credential through libfido2 (asking the key's PIN when it
 * has one; setting a first PIN with --set-pin when kagid requires user
 * verification and the key has none); kagid verifies the attestation,
 * applies its policy and stores the credential (token_fido2_finish).
 * PINs are read without echo from the terminal, or as lines from
 * standard input, and wiped as soon as libfido2 has used them.
 */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <fido.h>
#include <openssl/evp.h>

#include "b64.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "wipe.h"

#define PIN_MAX 64
#define MAX_DEVS 16

/* A secret line: no echo on a terminal; from stdin otherwise. */
static int
read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int fd, r;

	if (!ctl_interactive())
		return ctl_read_line(prompt, buf, len);
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    tcgetattr(fd, &old) != 0) {
		if (fd >= 0)
			close(fd);
		return ctl_read_line(prompt, buf, len);
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	r = ctl_read_line(prompt, buf, len);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) != 1) {
		/* Only the look of the terminal suffers. */
	}
	close(fd);
	return r;
}

/* Open the first security key found; *path for messages. */
static int
open_key(fido_dev_t **devp)
{
	fido_dev_info_t *list = NULL;
	fido_dev_t *dev = NULL;
	size_t n = 0, i;
	int r = KAGI_ERR_NOT_FOUND;

	*devp = NULL;
	if ((list = fido_dev_info_new(MAX_DEVS)) == NULL)
		return KAGI_ERR_NOMEM;
	if (fido_dev_info_manifest(list, MAX_DEVS, &n) != FIDO_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		const char *path = fido_dev_info_path(fido_dev_info_ptr(list,
		    i));

		if ((dev = fido_dev_new()) == NULL) {
			r = KAGI_ERR_NOMEM;
			break;
		}
		if (path != NULL && fido_dev_open(dev, path) == FIDO_OK) {
			*devp = dev;
			r = 0;
			break;
		}
		fido_dev_free(&dev);
		r = KAGI_ERR_IO;
	}
	fido_dev_info_free(&list, MAX_DEVS);
	return r;
}

/* A first PIN for a key that has none (--set-pin). */
static int
set_pin(fido_dev_t *dev, char *pin, size_t len)
{
	char again[PIN_MAX + 2];
	int r;

	if ((r = read_secret(_("New PIN for the security key: "), pin,
	    len)) != 0)
		return r;
	if (ctl_interactive()) {
		r = read_secret(_("The same PIN again: "), again,
		    sizeof(again));
		if (r == 0 && strcmp(again, pin) != 0) {
			ctl_err(_("the two PINs differ; nothing was changed"));
			r = KAGI_ERR_INVALID;
		}
		kagi_wipe(again, sizeof(again));
		if (r != 0)
			return r;
	}
	if (strlen(pin) < 4) {
		ctl_err(_("a PIN has at least 4 characters"));
		return KAGI_ERR_INVALID;
	}
	if (fido_dev_set_pin(dev, pin, NULL) != FIDO_OK) {
		ctl_err(_("the security key did not accept the new PIN"));
		return KAGI_ERR_IO;
	}
	return 0;
}

/* Say why a key refused, in words; an exit code. */
static int
key_failed(int fr)
{
	switch (fr) {
	case FIDO_ERR_PIN_INVALID:
	case FIDO_ERR_PIN_AUTH_INVALID:
		ctl_err(_("the PIN of the security key is wrong"));
		break;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		ctl_err(_("the PIN of the security key is blocked; reset the "
		    "key with its maker's tool"));
		break;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		ctl_err(_("this security key is already enrolled for this "
		    "user"));
		break;
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_RX:
		ctl_err(_("the security key was not touched in time"));
		break;
	default:
		ctl_err(_("the security key failed: %s"), fido_strerr(fr));
		break;
	}
	return CTL_EXIT_REFUSED;
}

/* Add a base64 member decoded into the credential request. */
static int
b64_member(struct json_object *o, const char *key, uint8_t **out,
    size_t *len, size_t max)
{
	const char *s = ctl_jstr(o, key);

	if (s == NULL)
		return KAGI_ERR_INVALID;
	return b64_decode(s, 1, max, out, len);
}

static int
set_b64(struct json_object *o, const char *key, const unsigned char *p,
    size_t n)
{
	char *s = NULL;
	int r;

	if ((r = b64_encode(p, n, &s)) != 0)
		return r;
	r = proto_set_str(o, key, s);
	free(s);
	return r;
}

/* Build the credential from token_fido2_begin's reply. */
static int
cred_prepare(struct json_object *begin, fido_cred_t *cred)
{
	struct json_object *ex = NULL;
	uint8_t *chal = NULL, *uid = NULL, *id = NULL, cdh[32];
	size_t chal_len = 0, uid_len = 0, id_len = 0, i;
	unsigned int hl = 0;
	const char *rp = ctl_jstr(begin, "rp_id");
	const char *user = ctl_jstr(begin, "user");
	int r;

	if (rp == NULL || user == NULL)
		return KAGI_ERR_INVALID;
	if ((r = b64_member(begin, "challenge", &chal, &chal_len, 64)) != 0 ||
	    (r = b64_member(begin, "user_id", &uid, &uid_len, 64)) != 0)
		goto out;
	if (EVP_Digest(chal, chal_len, cdh, &hl, EVP_sha256(), NULL) != 1) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	if (fido_cred_set_type(cred, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(cred, rp, "kagi") != FIDO_OK ||
	    fido_cred_set_user(cred, uid, uid_len, user, user, NULL) !=
	    FIDO_OK) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (json_object_object_get_ex(begin, "exclude", &ex) &&
	    json_object_is_type(ex, json_type_array))
		for (i = 0; i < json_object_array_length(ex); i++) {
			struct json_object *v = json_object_array_get_idx(ex,
			    i);

			if (!json_object_is_type(v, json_type_string) ||
			    b64_decode(json_object_get_string(v), 1, 1024, &id,
			    &id_len) != 0 ||
			    fido_cred_exclude(cred, id, id_len) != FIDO_OK) {
				r = KAGI_ERR_INVALID;
				goto out;
			}
			free(id);
			id = NULL;
		}
	r = 0;
 out:
	free(chal);
	free(uid);
	free(id);
	return r;
}

/* The finish request (op) with what the key made, and the code if any. */
static struct json_object *
finish_request(const struct ctl *ctl, const char *op, const char *code,
    int64_t request, const fido_cred_t *c, const char *uv)
{
	struct json_object *req;

	if ((req = ctl_request(ctl, op)) == NULL)
		return NULL;
	if ((code != NULL && proto_set_str(req, "code", code) != 0) ||
	    (code == NULL && ctl->grant &&
	    proto_set_bool(req, "grant", 1) != 0) ||
	    (ctl->filter_user != NULL &&
	    proto_set_str(req, "user", ctl->filter_user) != 0) ||
	    proto_set_int(req, "request", request) != 0 ||
	    proto_set_str(req, "alg", "es256") != 0 ||
	    proto_set_str(req, "fmt", fido_cred_fmt(c) != NULL ?
	    fido_cred_fmt(c) : "none") != 0 ||
	    proto_set_str(req, "uv", uv) != 0 ||
	    set_b64(req, "authdata", fido_cred_authdata_ptr(c),
	    fido_cred_authdata_len(c)) != 0 ||
	    (fido_cred_x5c_len(c) > 0 && set_b64(req, "x5c",
	    fido_cred_x5c_ptr(c), fido_cred_x5c_len(c)) != 0) ||
	    (fido_cred_sig_len(c) > 0 && set_b64(req, "sig",
	    fido_cred_sig_ptr(c), fido_cred_sig_len(c)) != 0) ||
	    (ctl->label != NULL &&
	    proto_set_str(req, "label", ctl->label) != 0)) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* Print the refusal kagid explained; exit 1. */
int
ctl_fido2_refused(const char *why)
{
	if (strcmp(why, "duplicate") == 0)
		ctl_err(_("this security key is already enrolled (for this "
		    "user or another one)"));
	else if (strcmp(why, "attestation_missing") == 0)
		ctl_err(_("kagid requires an attestation this security key "
		    "does not give"));
	else if (strcmp(why, "attestation_untrusted") == 0)
		ctl_err(_("the maker of this security key is not among the "
		    "trusted ones (fido2_attestation_roots, fido2_aaguids)"));
	else if (strcmp(why, "aaguid_not_allowed") == 0)
		ctl_err(_("this model of security key is not allowed "
		    "(fido2_aaguids)"));
	else if (strcmp(why, "enrolled_by_user") == 0)
		ctl_err(_("a privileged user's key is enrolled by that user: "
		    "once a second person approves, the user runs kagictl "
		    "enroll --grant with the key in hand (R-PRIV-3)"));
	else if (strcmp(why, "no_grant") == 0)
		ctl_err(_("no approved enrollment waits for your account: an "
		    "administrator asks (kagictl token add-fido2), a second "
		    "person approves, then you enroll within the hour "
		    "(R-PRIV-3)"));
	else if (strcmp(why, "not_in_person") == 0)
		ctl_err(_("an approved enrollment is spent only by its user, "
		    "logged in as themselves: log in as that user, do not "
		    "use su, sudo or a service (R-PRIV-3)"));
	else if (strcmp(why, "bad_code") == 0)
		ctl_err(_("that is not your enrollment code: check it, or ask "
		    "your administrator for a new one"));
	else if (strcmp(why, "used") == 0)
		ctl_err(_("this enrollment code was already used: ask your "
		    "administrator for a new one"));
	else if (strcmp(why, "expired") == 0)
		ctl_err(_("this enrollment code has expired: ask your "
		    "administrator for a new one"));
	else if (strcmp(why, "privileged") == 0)
		ctl_err(_("a privileged account does not enroll with a code: "
		    "an administrator enrolls its key, with a second "
		    "person's approval"));
	else if (strcmp(why, "disabled") == 0)
		ctl_err(_("your account is disabled: contact your "
		    "administrator"));
	else if (strcmp(why, "locked") == 0)
		ctl_err(_("your account is locked: contact your "
		    "administrator"));
	else
		ctl_err(_("kagid refused the security key: %s"), why);
	return CTL_EXIT_REFUSED;
}

/*
 * Enroll the key plugged in here: begin (already answered: begin), the
 * key makes the credential, finish_op with code (or NULL).  An exit code.
 */
static int
enroll_key(struct ctl *ctl, struct json_object *begin, const char *finish_op,
    const char *code)
{
	struct json_object *reply = NULL, *token;
	fido_dev_t *dev = NULL;
	fido_cred_t *cred = NULL;
	const char *policy, *uv, *why;
	char pin[PIN_MAX + 2], user[2 * KAGI_NAME_MAX + 8];
	int have_pin = 0, ex, fr;
	int64_t request;

	memset(pin, 0, sizeof(pin));
	if ((ex = ctl_pending(ctl, begin)) != 0)
		goto out;
	if ((why = ctl_jstr(begin, "refused")) != NULL) {
		ex = ctl_fido2_refused(why);
		goto out;
	}
	policy = ctl_jstr(begin, "uv");
	request = ctl_jint(begin, "request");
	if (policy == NULL || request <= 0 || ctl_jstr(begin, "user") == NULL ||
	    (cred = fido_cred_new()) == NULL ||
	    cred_prepare(begin, cred) != 0) {
		ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
		goto out;
	}
	ctl_clean(ctl_jstr(begin, "user"), user, sizeof(user));
	fido_init(0);
	if (open_key(&dev) != 0) {
		ctl_err(_("no security key found: insert one and try again"));
		ex = CTL_EXIT_REFUSED;
		goto out;
	}
	uv = fido_dev_has_uv(dev) ? "builtin" : fido_dev_has_pin(dev) ?
	    "pin" : "none";
	if (strcmp(uv, "none") == 0 && strcmp(policy, "required") == 0) {
		if (!ctl->set_pin) {
			ctl_err(_("this security key has no PIN and kagid "
			    "requires user verification: set one with "
			    "--set-pin"));
			ex = CTL_EXIT_REFUSED;
			goto out;
		}
		if (set_pin(dev, pin, sizeof(pin)) != 0) {
			ex = CTL_EXIT_REFUSED;
			goto out;
		}
		have_pin = 1;
		uv = "pin";
	} else if (fido_dev_has_pin(dev)) {
		if (read_secret(_("PIN of the security key: "), pin,
		    sizeof(pin)) != 0) {
			ctl_err(_("no PIN was given"));
			ex = CTL_EXIT_REFUSED;
			goto out;
		}
		have_pin = 1;
	}
	fprintf(stderr, "%s\n", _("Touch your security key."));
	fr = fido_dev_make_cred(dev, cred, have_pin ? pin : NULL);
	kagi_wipe(pin, sizeof(pin));
	if (fr != FIDO_OK) {
		ex = key_failed(fr);
		goto out;
	}
	if ((ex = ctl_run(ctl, finish_request(ctl, finish_op, code, request,
	    cred, uv), &reply)) != 0)
		goto out;
	if ((why = ctl_jstr(reply, "refused")) != NULL) {
		ex = ctl_fido2_refused(why);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "token", &token) ||
	    ctl_jint(token, "id") <= 0) {
		ex = ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
		goto out;
	}
	if (ctl->json)
		ex = ctl_print_json(reply) != 0 ? CTL_EXIT_UNREACHABLE :
		    CTL_EXIT_OK;
	else {
		/* For scripts too: never translated. */
		printf("token: %lld\n", (long long)ctl_jint(token, "id"));
		printf(_("Security key enrolled for user '%s' (token %lld).\n"),
		    user, (long long)ctl_jint(token, "id"));
		ex = CTL_EXIT_OK;
	}
 out:
	kagi_wipe(pin, sizeof(pin));
	fido_cred_free(&cred);
	if (dev != NULL)
		fido_dev_close(dev);
	fido_dev_free(&dev);
	json_object_put(reply);
	return ex;
}

int
ctl_token_add_fido2(struct ctl *ctl)
{
	struct json_object *begin = NULL, *req;
	int ex;

	/* kagid first: a privileged user's enrollment may only become a
	 * request (exit 4), which needs no key here yet. */
	if ((req = ctl_request(ctl, OP_TOKEN_FIDO2_BEGIN)) != NULL &&
	    ctl->label != NULL && proto_set_str(req, "label", ctl->label) != 0) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &begin)) == 0)
		ex = enroll_key(ctl, begin, OP_TOKEN_FIDO2_FINISH, NULL);
	json_object_put(begin);
	return ex;
}

/* enroll_fido2_begin refused by kagid itself: in the user's words. */
static int
enroll_failed(const struct ctl *ctl, int r, struct json_object *reply)
{
	char name[2 * KAGI_NAME_MAX + 8];
	const struct passwd *pw;
	const char *who = ctl->filter_user;

	if (reply == NULL || (r != KAGI_ERR_DENIED && r != KAGI_ERR_NOT_FOUND))
		return ctl_fail(ctl, r, reply);
	if (who == NULL && (pw = getpwuid(getuid())) != NULL)
		who = pw->pw_name;
	if (r == KAGI_ERR_DENIED)
		ctl_err(_("you may enroll a key only for your own account"));
	else
		ctl_err(_("your account %s is not known to kagi: ask your "
		    "administrator"), ctl_clean(who != NULL ? who : "?", name,
		    sizeof(name)));
	return CTL_EXIT_REFUSED;
}

int
ctl_enroll(struct ctl *ctl)
{
	struct json_object *begin = NULL, *req;
	char code[CTL_ENROLL_CODE_MAX + 2];
	int ex, r;

	code[0] = '\0';
	/* A privileged user spends an approved grant: no code (R-PRIV-3). */
	if (!ctl->grant && ctl_read_line(_("Enrollment code: "), code,
	    sizeof(code)) != 0) {
		ctl_err(_("no enrollment code was given"));
		return CTL_EXIT_REFUSED;
	}
	if ((req = ctl_request(ctl, OP_ENROLL_FIDO2_BEGIN)) != NULL &&
	    ((ctl->grant ? proto_set_bool(req, "grant", 1) :
	    proto_set_str(req, "code", code)) != 0 ||
	    (ctl->filter_user != NULL &&
	    proto_set_str(req, "user", ctl->filter_user) != 0) ||
	    (ctl->label != NULL &&
	    proto_set_str(req, "label", ctl->label) != 0))) {
		json_object_put(req);
		req = NULL;
	}
	if (req == NULL) {
		ex = ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
		goto out;
	}
	r = ctl_call(ctl, req, &begin);
	json_object_put(req);
	if (r != 0) {
		ex = enroll_failed(ctl, r, begin);
		goto out;
	}
	ex = enroll_key(ctl, begin, OP_ENROLL_FIDO2_FINISH,
	    ctl->grant ? NULL : code);
 out:
	kagi_wipe(code, sizeof(code));
	json_object_put(begin);
	return ex;
}

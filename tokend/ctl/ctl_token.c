/*
 * ctl_token.c - kagictl's token commands: enrolling a TOTP token and
 * confirming it, listing and revoking tokens (R-TOK-2).
 *
 * A new token stays pending until a code from the authenticator proves
 * the secret arrived; kagid decides whether a code is right.  The
 * otpauth URI carries the secret: it is printed once (with its QR code),
 * then wiped where kagictl holds it, and it is never logged.  Codes read
 * from a person are wiped as soon as they are sent.
 */
#include "config.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "qr.h"
#include "wipe.h"

#define URI_MAX 1024

/*
 * Keep the digits of a typed code (people copy "123 456" with its space);
 * it must then be digits long (6 to 8 when digits is 0).
 */
static int
code_normalise(char *code, int digits)
{
	size_t i, n = 0;

	for (i = 0; code[i] != '\0'; i++) {
		if (code[i] == ' ')
			continue;
		if (code[i] < '0' || code[i] > '9')
			return KAGI_ERR_BAD_CODE;
		code[n++] = code[i];
	}
	kagi_wipe(code + n, i - n);
	if (digits != 0 ? n != (size_t)digits : n < 6 || n > CTL_CODE_MAX)
		return KAGI_ERR_BAD_CODE;
	return 0;
}

/* Send one code for ctl->token; the request's copy is wiped. */
static int
send_code(const struct ctl *ctl, const char *code, struct json_object **reply)
{
	struct json_object *req;
	int r;

	*reply = NULL;
	if ((req = ctl_request(ctl, OP_TOKEN_CONFIRM)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(req, "code", code)) == 0)
		r = ctl_call(ctl, req, reply);
	proto_wipe_put(req);
	return r;
}

/*
 * Read codes and confirm ctl->token: up to CTL_TRIES on a terminal, one
 * line otherwise.  Out of tries, the token stays pending and the way to
 * confirm it later is shown.
 */
static int
confirm(const struct ctl *ctl, int digits, FILE *note)
{
	struct json_object *reply = NULL;
	char code[64];
	int tries = ctl_interactive() ? CTL_TRIES : 1, ex = CTL_EXIT_REFUSED;
	int r, i;

	for (i = 0; i < tries; i++) {
		r = ctl_read_line(_("Enter the code shown by the "
		    "authenticator app: "), code, sizeof(code));
		if (r == KAGI_ERR_TRUNCATED) {
			ctl_err(_("no code was given"));
			break;
		}
		if (r != 0 || code_normalise(code, digits) != 0) {
			kagi_wipe(code, sizeof(code));
			if (digits != 0)
				ctl_err(_("a code is %d digits, as the "
				    "authenticator app shows it"), digits);
			else
				ctl_err(_("a code is 6 or 8 digits, as the "
				    "authenticator app shows it"));
			continue;
		}
		r = send_code(ctl, code, &reply);
		kagi_wipe(code, sizeof(code));
		if (r == 0) {
			if (ctl->json && note == stdout)
				r = ctl_print_json(reply);
			else
				fprintf(note, _("Token %lld is active.\n"),
				    (long long)ctl->token);
			json_object_put(reply);
			return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
		}
		ex = ctl_fail(ctl, r, reply);
		json_object_put(reply);
		reply = NULL;
		if ((r != KAGI_ERR_BAD_CODE && r != KAGI_ERR_REPLAY) ||
		    ex != CTL_EXIT_REFUSED)
			return ex;
	}
	ctl_err(_("token %lld stays pending; confirm it later with: kagictl "
	    "token confirm %s %lld"), (long long)ctl->token, ctl->user,
	    (long long)ctl->token);
	return ex;
}

/* Build the token_add_totp request from the command's options. */
static struct json_object *
add_request(const struct ctl *ctl)
{
	struct json_object *req;

	if ((req = ctl_request(ctl, OP_TOKEN_ADD_TOTP)) == NULL)
		return NULL;
	if ((ctl->label != NULL &&
	    proto_set_str(req, "label", ctl->label) != 0) ||
	    (ctl->algorithm != NULL &&
	    proto_set_str(req, "algorithm", ctl->algorithm) != 0) ||
	    (ctl->digits != 0 && proto_set_int(req, "digits", ctl->digits) !=
	    0)) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* Show the new token: "token: ID", "uri: ..." and the QR code. */
static int
show_new(const struct ctl *ctl, struct json_object *reply, const char *uri)
{
	char clean[URI_MAX];
	int r;

	if (ctl->json)
		return ctl_print_json(reply);
	/* Both lines are for scripts too: never translated. */
	printf("token: %lld\n", (long long)ctl->token);
	printf("uri: %s\n", ctl_clean(uri, clean, sizeof(clean)));
	kagi_wipe(clean, sizeof(clean));
	if (!ctl->no_qr) {
		fflush(stdout);
		if ((r = qr_print(uri, stdout, ctl->ascii)) != 0)
			ctl_err(_("cannot draw the QR code (%s): type the "
			    "secret from the URI into the authenticator app"),
			    kagi_strerror(r));
	}
	fflush(stdout);
	return 0;
}

int
ctl_token_add_totp(struct ctl *ctl)
{
	struct json_object *reply = NULL, *token;
	const char *uri;
	int64_t id, digits;
	int ex, r;

	if ((ex = ctl_run(ctl, add_request(ctl), &reply)) != 0)
		return ex;
	uri = ctl_jstr(reply, "uri");
	if (!json_object_object_get_ex(reply, "token", &token) ||
	    (id = ctl_jint(token, "id")) <= 0 || uri == NULL ||
	    strncmp(uri, "otpauth://", 10) != 0 || strlen(uri) >= URI_MAX) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	digits = ctl_jint(token, "digits");
	ctl->token = id;
	r = show_new(ctl, reply, uri);
 out:
	proto_wipe_put(reply);
	if (r != 0)
		return ctl_fail(ctl, r, NULL);
	if (ctl->pending) {
		fprintf(ctl->json ? stderr : stdout, _("Token %lld is pending; "
		    "confirm it with: kagictl token confirm %s %lld\n"),
		    (long long)id, ctl->user, (long long)id);
		return CTL_EXIT_OK;
	}
	return confirm(ctl, digits == 6 || digits == 8 ? (int)digits : 0,
	    ctl->json ? stderr : stdout);
}

int
ctl_token_confirm(struct ctl *ctl)
{
	return confirm(ctl, 0, stdout);
}

int
ctl_token_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *tokens;
	struct passwd *pw;
	int ex, r, missing;

	if (ctl->own) {
		if ((ex = ctl_run_own(ctl, OP_TOKEN_LIST_OWN, &reply,
		    &missing)) != 0) {
			if (missing) {
				pw = getpwuid(getuid());
				ctl_err(_("kagi has no account '%s' (yours), so "
				    "you have no tokens; an administrator lists "
				    "a user's with: kagictl token list USER"),
				    pw != NULL ? pw->pw_name : "?");
			}
			return ex;
		}
	} else if ((ex = ctl_run(ctl, ctl_request(ctl, OP_TOKEN_LIST),
	    &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "tokens", &tokens) ||
	    !json_object_is_type(tokens, json_type_array))
		r = KAGI_ERR_INVALID;
	else if (ctl->json)
		r = ctl_print_json(reply);
	else if (json_object_array_length(tokens) == 0 && ctl->own) {
		printf(_("You have no tokens; ask an administrator to enroll "
		    "one.\n"));
		r = 0;
	} else if (json_object_array_length(tokens) == 0) {
		printf(_("User '%s' has no tokens; enroll one with: kagictl "
		    "token add-totp %s\n"), ctl->user, ctl->user);
		r = 0;
	} else
		r = ctl_print_tokens(tokens);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_token_revoke(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_TOKEN_REVOKE), &reply)) !=
	    0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else
		printf(_("Token %lld of user '%s' is revoked: it can no longer "
		    "be used to log in.\n"), (long long)ctl->token, ctl->user);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/*
 * ctl_sshkey.c - enrolling an OpenSSH security key for the SSH gateway
 * (issue 16): the challenge kagid issues, written to a file for
 * `ssh-keygen -O challenge=FILE`, then the key line and the attestation
 * ssh-keygen wrote, handed to kagid, which decides (sshkey_reg.c).
 *
 *   token sshkey-challenge USER FILE      (administrator)
 *   token add-sshkey USER KEY.pub --attestation FILE [--label LABEL]
 *   enroll --challenge FILE [--user NAME] [--grant]          (the user)
 *   enroll --sshkey KEY.pub --attestation FILE [--user NAME] [--grant]
 *
 * Files are read as their owner left them (safefile.h: the caller's or
 * root's, not writable by others, bounded); the challenge file is made
 * new (never an existing file or a link), mode 0600.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "safefile.h"
#include "wipe.h"

#define KEY_FILE_MAX 4096
#define ATT_FILE_MAX (16 * 1024)
#define CHAL_BYTES 32

/* path made absolute (safefile.h wants one) into out. */
static int
abs_path(const char *path, char out[PATH_MAX])
{
	size_t n;

	if (path[0] == '/') {
		if (strlen(path) >= PATH_MAX)
			return KAGI_ERR_TOO_LARGE;
		snprintf(out, PATH_MAX, "%s", path);
		return 0;
	}
	if (getcwd(out, PATH_MAX) == NULL)
		return KAGI_ERR_IO;
	n = strlen(out);
	if (n + 1 + strlen(path) >= PATH_MAX)
		return KAGI_ERR_TOO_LARGE;
	snprintf(out + n, PATH_MAX - n, "/%s", path);
	return 0;
}

int
ctl_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	char full[PATH_MAX], err[256], clean[256];
	int r;

	if ((r = abs_path(path, full)) != 0 ||
	    (r = safefile_read(full, getuid(), max, buf, len, err,
	    sizeof(err))) != 0) {
		ctl_err(_("cannot read %s: %s"), ctl_clean(path, clean,
		    sizeof(clean)), r == 0 ? "" : err[0] != '\0' ? err :
		    kagi_strerror(r));
		return r != 0 ? r : KAGI_ERR_IO;
	}
	return 0;
}

/* The key line of KEY.pub (its first line) and the attestation's base64
 * into req. */
static int
key_fields(const char *keyfile, const char *attfile, struct json_object *req)
{
	char *key = NULL, *att = NULL, *att64 = NULL, *nl;
	size_t klen = 0, alen = 0;
	int r;

	if ((r = ctl_read_file(keyfile, KEY_FILE_MAX, &key, &klen)) != 0 ||
	    (r = ctl_read_file(attfile, ATT_FILE_MAX, &att, &alen)) != 0)
		goto out;
	if (memchr(key, '\0', klen) != NULL) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((nl = strchr(key, '\n')) != NULL)
		*nl = '\0';
	if (alen == 0 ||
	    (r = b64_encode((const uint8_t *)att, alen, &att64)) != 0) {
		r = r != 0 ? r : KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = proto_set_str(req, "key", key)) != 0 ||
	    (r = proto_set_str(req, "attestation", att64)) != 0)
		goto out;
 out:
	free(key);
	free(att);
	free(att64);
	return r;
}

/* kagid's challenge, written to a new file path. */
static int
write_challenge(const struct ctl *ctl, struct json_object *reply,
    const char *path)
{
	uint8_t *chal = NULL;
	size_t len = 0;
	char clean[256], when[32];
	const char *c = ctl_jstr(reply, "challenge");
	int fd = -1, ex = CTL_EXIT_UNREACHABLE;

	if (c == NULL || b64_decode(c, CHAL_BYTES, CHAL_BYTES, &chal,
	    &len) != 0)
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	ctl_clean(path, clean, sizeof(clean));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || write(fd, chal, len) != (ssize_t)len || fsync(fd) != 0) {
		ctl_err(_("cannot write the challenge to %s: %s"), clean,
		    strerror(errno));
		if (fd >= 0)
			(void)unlink(path);
		ex = CTL_EXIT_REFUSED;
		goto out;
	}
	if (ctl->json)
		ex = ctl_print_json(reply) != 0 ? CTL_EXIT_UNREACHABLE :
		    CTL_EXIT_OK;
	else {
		printf(_("Challenge written to %s; valid until %s. Make the "
		    "key with:\n  ssh-keygen -t ed25519-sk -O verify-required "
		    "-O challenge=%s -O write-attestation=KEY.att -f KEY\n"),
		    clean, ctl_time(ctl_jint(reply, "expires"), when,
		    sizeof(when)), clean);
		ex = CTL_EXIT_OK;
	}
 out:
	if (fd >= 0)
		(void)close(fd);
	kagi_free_secret(chal, len);
	return ex;
}

/* The finish's reply: the token, or why kagid refused the key. */
static int
finished(const struct ctl *ctl, struct json_object *reply, const char *user)
{
	struct json_object *token;
	const char *why;
	char clean[2 * 64 + 8], fp[128];

	if ((why = ctl_jstr(reply, "refused")) != NULL)
		return ctl_sshkey_refused(why);
	if (!json_object_object_get_ex(reply, "token", &token) ||
	    ctl_jint(token, "id") <= 0)
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	if (ctl->json)
		return ctl_print_json(reply) != 0 ? CTL_EXIT_UNREACHABLE :
		    CTL_EXIT_OK;
	/* For scripts too: never translated. */
	printf("token: %lld\n", (long long)ctl_jint(token, "id"));
	printf(_("SSH security key %s enrolled for user '%s' (token %lld).\n"),
	    ctl_clean(ctl_jstr(token, "fingerprint") != NULL ?
	    ctl_jstr(token, "fingerprint") : "?", fp, sizeof(fp)),
	    ctl_clean(user != NULL ? user : ctl_jstr(token, "user") != NULL ?
	    ctl_jstr(token, "user") : "?", clean, sizeof(clean)),
	    (long long)ctl_jint(token, "id"));
	return CTL_EXIT_OK;
}

int
ctl_sshkey_refused(const char *why)
{
	if (strcmp(why, "no_challenge") == 0)
		ctl_err(_("no challenge of kagid's waits for this enrolment "
		    "(used already, expired, or never asked for): ask for a "
		    "new one and make the key again"));
	else if (strcmp(why, "signature") == 0)
		ctl_err(_("the attestation was not made over kagid's "
		    "challenge: make the key again with the challenge file"));
	else if (strcmp(why, "public_key") == 0)
		ctl_err(_("the attestation is not of this key, or the key "
		    "file is not an OpenSSH security key"));
	else if (strcmp(why, "user_verification") == 0 ||
	    strcmp(why, "verify_required") == 0)
		ctl_err(_("the key was made without user verification: make "
		    "it with ssh-keygen -O verify-required"));
	else if (strcmp(why, "relying_party") == 0 ||
	    strcmp(why, "application") == 0)
		ctl_err(_("the key is not for the application \"ssh:\""));
	else
		return ctl_fido2_refused(why);
	return CTL_EXIT_REFUSED;
}

int
ctl_token_sshkey_challenge(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_TOKEN_SSHKEY_BEGIN),
	    &reply)) == 0)
		ex = write_challenge(ctl, reply, ctl->file);
	json_object_put(reply);
	return ex;
}

int
ctl_token_add_sshkey(struct ctl *ctl)
{
	struct json_object *req, *reply = NULL;
	int ex;

	if (ctl->attestation == NULL) {
		ctl_err(_("--attestation FILE is needed (ssh-keygen -O "
		    "write-attestation=FILE)"));
		return CTL_EXIT_USAGE;
	}
	if ((req = ctl_request(ctl, OP_TOKEN_SSHKEY_FINISH)) == NULL)
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	if (key_fields(ctl->file, ctl->attestation, req) != 0 ||
	    (ctl->label != NULL &&
	    proto_set_str(req, "label", ctl->label) != 0)) {
		json_object_put(req);
		return CTL_EXIT_REFUSED;
	}
	if ((ex = ctl_run(ctl, req, &reply)) == 0)
		ex = finished(ctl, reply, ctl->user);
	json_object_put(reply);
	return ex;
}

int
ctl_enroll_sshkey(struct ctl *ctl)
{
	struct json_object *req = NULL, *reply = NULL;
	char code[CTL_ENROLL_CODE_MAX + 2];
	int finish = ctl->sshkey != NULL, ex;

	code[0] = '\0';
	if (finish && ctl->attestation == NULL) {
		ctl_err(_("--attestation FILE is needed (ssh-keygen -O "
		    "write-attestation=FILE)"));
		return CTL_EXIT_USAGE;
	}
	if (!ctl->grant && ctl_read_line(_("Enrollment code: "), code,
	    sizeof(code)) != 0) {
		ctl_err(_("no enrollment code was given"));
		return CTL_EXIT_REFUSED;
	}
	if ((req = ctl_request(ctl, finish ? OP_ENROLL_SSHKEY_FINISH :
	    OP_ENROLL_SSHKEY_BEGIN)) == NULL ||
	    (ctl->grant ? proto_set_bool(req, "grant", 1) :
	    proto_set_str(req, "code", code)) != 0 ||
	    (ctl->filter_user != NULL &&
	    proto_set_str(req, "user", ctl->filter_user) != 0) ||
	    (finish && ctl->label != NULL &&
	    proto_set_str(req, "label", ctl->label) != 0)) {
		ex = ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
		goto out;
	}
	if (finish && key_fields(ctl->sshkey, ctl->attestation, req) != 0) {
		ex = CTL_EXIT_REFUSED;
		goto out;
	}
	ex = ctl_run(ctl, req, &reply);
	req = NULL;
	if (ex != 0)
		goto out;
	if (ctl_jstr(reply, "refused") != NULL)
		ex = ctl_sshkey_refused(ctl_jstr(reply, "refused"));
	else
		ex = finish ? finished(ctl, reply, ctl->filter_user) :
		    write_challenge(ctl, reply, ctl->challenge);
 out:
	kagi_wipe(code, sizeof(code));
	proto_wipe_put(req);
	json_object_put(reply);
	return ex;
}

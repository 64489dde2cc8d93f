/*
 * fido2client.c - plays the module's part of a FIDO2 log-in against a
 * real kagid, with the attacks a module never makes, for fido2.sh.
 *
 *   fido2client SOCKET USER SERVICE TTY MODE [PIN [OTHER]]
 *
 * It asks kagid (auth_begin), asks the key through libfido2 (the test
 * preloads the software key's shim) with pam_kagi's own code
 * (pam_module/pk_fido2.c), and sends auth_fido2.  MODE:
 *   once     one honest attempt
 *   replay   the same assertion sent twice (a captured answer replayed)
 *   stale    two auth_begin, then an answer over the first challenge
 *   nouv     an assertion without user verification, claimed as "pin"
 *   foreign  USER's credential answering OTHER's challenge, sent as OTHER
 *   cores    OTHER is a second kagid's socket on the same database (issue
 *            14): the challenge asked of SOCKET, the answer sent to
 *            OTHER, then twice to SOCKET
 *   makecred a new credential for relying party SERVICE, printed as a
 *            pam_u2f authfile line (SOCKET and TTY are ignored)
 * Prints each verdict on one line ("success", "denied"), or "error CODE".
 * Exit 0 unless the tool itself failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "b64.h"
#include "client.h"
#include "kagi_err.h"
#include "pk_fido2.h"
#include "proto.h"
#include "proto_ops.h"

static const char *sockpath, *service, *tty, *pin;

static void
touch(void *arg)
{
	(void)arg;
}

static int
ask_pin(void *arg, char **out)
{
	(void)arg;
	*out = pin != NULL ? strdup(pin) : NULL;
	return *out == NULL;
}

static struct json_object *
request(const char *op, const char *user)
{
	struct json_object *req = proto_request_new(op);

	if (req == NULL || proto_set_str(req, "user", user) != 0 ||
	    proto_set_str(req, "service", service) != 0 ||
	    proto_set_str(req, "tty", tty) != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* One request on its own connection. */
static int
call(struct json_object *req, struct json_object **reply)
{
	struct kagi_client *c = NULL;
	int r;

	*reply = NULL;
	if (req == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = client_connect(sockpath, 5000, &c)) == 0)
		r = client_call(c, req, reply);
	client_free(&c);
	return r;
}

static int
begin(const char *user, struct pkf_request *fr)
{
	struct json_object *req = request(OP_AUTH_BEGIN, user), *reply = NULL;
	struct json_object *fo = NULL;
	int r;

	if ((r = call(req, &reply)) == 0) {
		if (!json_object_object_get_ex(reply, "fido2", &fo))
			r = KAGI_ERR_NOT_FOUND;
		else
			r = pkf_request_parse(fo, fr);
	}
	json_object_put(req);
	json_object_put(reply);
	return r;
}

static void
send_answer(const char *user, const struct pkf_answer *a, const char *uvm)
{
	struct json_object *req = request(OP_AUTH_FIDO2, user), *reply = NULL;
	const char *v = NULL;
	int r = KAGI_ERR_NOMEM;

	if (req != NULL &&
	    proto_set_str(req, "credential", a->credential) == 0 &&
	    proto_set_str(req, "authdata", a->authdata) == 0 &&
	    proto_set_str(req, "sig", a->sig) == 0 &&
	    proto_set_str(req, "uv_method", uvm) == 0)
		r = call(req, &reply);
	if (r == 0 && proto_get_str(reply, "verdict", 32, &v) == 0)
		printf("%s\n", v);
	else
		printf("error %s\n", kagi_err_wire(r));
	json_object_put(req);
	json_object_put(reply);
}

/* What pamu2fcfg would print for a new credential on the first key. */
static int
makecred(const char *user, const char *rp)
{
	static const unsigned char cdh[32] = "kagi fido2client makecred....";
	fido_dev_info_t *list = fido_dev_info_new(4);
	fido_dev_t *dev = fido_dev_new();
	fido_cred_t *c = fido_cred_new();
	char *kh = NULL, *pk = NULL;
	size_t n = 0;
	int fr;

	if (list == NULL || dev == NULL || c == NULL ||
	    fido_dev_info_manifest(list, 4, &n) != FIDO_OK || n == 0 ||
	    fido_dev_open(dev, fido_dev_info_path(fido_dev_info_ptr(list,
	    0))) != FIDO_OK)
		return 1;
	if (fido_cred_set_type(c, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(c, rp, rp) != FIDO_OK ||
	    fido_cred_set_user(c, (const unsigned char *)user, strlen(user),
	    user, user, NULL) != FIDO_OK)
		return 1;
	if ((fr = fido_dev_make_cred(dev, c, pin)) != FIDO_OK) {
		printf("key %s\n", fido_strerr(fr));
		return 1;
	}
	if (b64_encode(fido_cred_id_ptr(c), fido_cred_id_len(c), &kh) != 0 ||
	    b64_encode(fido_cred_pubkey_ptr(c), fido_cred_pubkey_len(c),
	    &pk) != 0)
		return 1;
	printf("%s:%s,%s,es256,+presence%s\n", user, kh, pk,
	    pin != NULL ? "+pin" : "");
	free(kh);
	free(pk);
	fido_cred_free(&c);
	fido_dev_close(dev);
	fido_dev_free(&dev);
	fido_dev_info_free(&list, 4);
	return 0;
}

int
main(int argc, char **argv)
{
	struct pkf_ui ui = { NULL, touch, ask_pin };
	struct pkf_request a, b;
	struct pkf_answer ans;
	const char *user, *mode, *other = NULL;
	enum pkf_result res;
	struct pkf_lib *lib = NULL;
	char err[256];
	int r;

	if (argc < 6 || argc > 8) {
		fprintf(stderr, "usage: fido2client SOCKET USER SERVICE TTY "
		    "MODE [PIN [OTHER]]\n");
		return 2;
	}
	sockpath = argv[1];
	user = argv[2];
	service = argv[3];
	tty = argv[4];
	mode = argv[5];
	pin = argc > 6 && argv[6][0] != '\0' ? argv[6] : NULL;
	other = argc > 7 ? argv[7] : NULL;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&ans, 0, sizeof(ans));
	if (strcmp(mode, "makecred") == 0)
		return makecred(user, service);
	if ((r = begin(user, &a)) != 0) {
		printf("error %s\n", kagi_err_wire(r));
		return 1;
	}
	if (strcmp(mode, "stale") == 0 && (r = begin(user, &b)) != 0) {
		printf("error %s\n", kagi_err_wire(r));
		return 1;
	}
	if (strcmp(mode, "foreign") == 0) {
		if (other == NULL || (r = begin(other, &b)) != 0) {
			printf("error %s\n", kagi_err_wire(r));
			return 1;
		}
		/* Sign the other user's challenge with our credential. */
		memcpy(a.chal, b.chal, sizeof(a.chal));
	}
	if (strcmp(mode, "nouv") == 0)
		a.uv = PKF_UV_DISCOURAGED;
	if ((r = pkf_lib_open(&lib, err, sizeof(err))) != 0) {
		printf("error %s: %s\n", kagi_err_wire(r), err);
		return 1;
	}
	res = pkf_get_assertion(lib, &a, 5000, &ui, &ans);
	pkf_lib_close(&lib);
	if (res != PKF_OK) {
		printf("key %s\n", pkf_failure_name(res));
		return 1;
	}
	if (strcmp(mode, "cores") == 0 && other != NULL) {
		const char *own = sockpath;

		sockpath = other;
		send_answer(user, &ans, ans.uv_method);
		sockpath = own;
	}
	if (strcmp(mode, "foreign") == 0)
		send_answer(other, &ans, ans.uv_method);
	else if (strcmp(mode, "nouv") == 0)
		send_answer(user, &ans, "pin");
	else
		send_answer(user, &ans, ans.uv_method);
	if (strcmp(mode, "replay") == 0 || strcmp(mode, "cores") == 0)
		send_answer(user, &ans, ans.uv_method);
	pkf_answer_clear(&ans);
	pkf_request_clear(&a);
	pkf_request_clear(&b);
	return 0;
}

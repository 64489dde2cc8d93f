/*
 * kagi-authkeys - sshd's AuthorizedKeysCommand for the kagi gateway
 * (issue 16, R-REM-1, R-REM-2, R-REM-3, R-PRIV-2).
 *
 *   kagi-authkeys [-s SOCKET] [-t MS] USER [CONNECTION]
 *
 * sshd runs it as AuthorizedKeysCommandUser (an unprivileged user of its
 * own, kagid's authkeys_user) for every key a client offers:
 * AuthorizedKeysCommand /usr/sbin/kagi-authkeys %u %C.  It asks kagid,
 * read-only (request "authkeys" with the user and the client's address,
 * the first word of %C), and prints the lines kagid answers: the user's
 * active security keys, each with verify-required, expiry-time, from=,
 * restrict and pty (gateway.c decides which and until when).
 *
 * Guarantees:
 *  - it prints nothing, and exits 1, on any error: kagid unreachable or
 *    slow (-t, default 2000 ms), a refusal, a malformed reply, a line
 *    with a control character or that is not a security key's; sshd then
 *    takes no key;
 *  - it prints nothing until the whole answer has been checked;
 *  - it writes no log-in record (kagid's request only reads) and no log
 *    of its own: sshd logs the outcome.
 * Only libkagi (lib/): no state, no configuration file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

#define LINE_MAX_LEN 4096
#define LINES_MAX 32
#define TIMEOUT_DEFAULT_MS 2000
#define TIMEOUT_MAX_MS 30000
#define ADDR_MAX 64

/* A line as sshd should see it: printable ASCII, the options kagid
 * writes first, then a security key's type. */
static int
line_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > LINE_MAX_LEN ||
	    strncmp(s, "verify-required,", 16) != 0 ||
	    (strstr(s, " sk-ssh-ed25519@openssh.com ") == NULL &&
	    strstr(s, " sk-ecdsa-sha2-nistp256@openssh.com ") == NULL))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* The client's address: the first word of sshd's %C. */
static int
first_word(const char *conn, char out[ADDR_MAX])
{
	size_t n = strcspn(conn, " ");

	if (n == 0 || n >= ADDR_MAX)
		return KAGI_ERR_INVALID;
	memcpy(out, conn, n);
	out[n] = '\0';
	return 0;
}

static int
ask(const char *sock, int timeout_ms, const char *user, const char *rhost,
    struct json_object **lines, struct json_object **reply)
{
	struct kagi_client *c = NULL;
	struct json_object *req = NULL;
	int r;

	*lines = NULL;
	if ((req = proto_request_new(OP_AUTHKEYS)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(req, "user", user)) != 0 ||
	    (rhost != NULL && (r = proto_set_str(req, "rhost", rhost)) != 0) ||
	    (r = client_connect(sock, timeout_ms, &c)) != 0 ||
	    (r = client_call(c, req, reply)) != 0)
		goto out;
	if (!json_object_object_get_ex(*reply, "lines", lines) ||
	    !json_object_is_type(*lines, json_type_array) ||
	    json_object_array_length(*lines) > LINES_MAX)
		r = KAGI_ERR_INVALID;
 out:
	client_free(&c);
	json_object_put(req);
	return r;
}

int
main(int argc, char **argv)
{
	struct json_object *reply = NULL, *lines = NULL, *l;
	const char *sock = KAGI_DEFAULT_SOCKET, *user, *s;
	char addr[ADDR_MAX], *end;
	long t = TIMEOUT_DEFAULT_MS;
	size_t i, n;
	int o, r;

	while ((o = getopt(argc, argv, "s:t:")) != -1) {
		switch (o) {
		case 's':
			sock = optarg;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*end != '\0' || t < 1 || t > TIMEOUT_MAX_MS)
				return 2;
			break;
		default:
			fprintf(stderr, "usage: kagi-authkeys [-s SOCKET] "
			    "[-t MS] USER [CONNECTION]\n");
			return 2;
		}
	}
	if (argc - optind < 1 || argc - optind > 2 || argv[optind][0] == '\0')
		return 2;
	user = argv[optind];
	if (argc - optind == 2 && first_word(argv[optind + 1], addr) != 0)
		return 1;
	r = ask(sock, (int)t, user, argc - optind == 2 ? addr : NULL, &lines,
	    &reply);
	if (r != 0)
		goto out;
	n = json_object_array_length(lines);
	/* Checked whole before a byte goes out. */
	for (i = 0; i < n; i++) {
		l = json_object_array_get_idx(lines, i);
		if (!json_object_is_type(l, json_type_string) ||
		    (s = json_object_get_string(l)) == NULL || !line_ok(s)) {
			r = KAGI_ERR_INVALID;
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		printf("%s\n", json_object_get_string(
		    json_object_array_get_idx(lines, i)));
	if (fflush(stdout) != 0 || ferror(stdout))
		r = KAGI_ERR_IO;
 out:
	json_object_put(reply);
	return r == 0 ? 0 : 1;
}

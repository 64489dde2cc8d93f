/*
 * pgrace.c - the same request sent at once to two kagid on one
 * PostgreSQL database (issue 14, "Exact across cores"), for
 * tests/integration/pgexact.sh.
 *
 *   pgrace clock FILE
 *       make FILE a clock file (bench/benchclock.h) at the real time:
 *       kagid run with bench/fakeclock.c preloaded (tests/libfakeclock)
 *       and KAGI_BENCH_CLOCK=FILE sees that time until it is moved.
 *   pgrace code FILE SECRET
 *       print the TOTP code (SHA1, 6 digits, 30 s) of base32 SECRET at
 *       FILE's time.
 *   pgrace totp FILE SOCK1 SOCK2 USER SECRET ROUNDS
 *       ROUNDS times: move the clock one step (30 s) on, then two
 *       processes, one connected to each kagid, send auth_totp for USER
 *       with that step's code at the same moment (a barrier releases
 *       both); a success is confirmed at once with the account request
 *       pam_kagi sends after the whole stack passed.  Prints "rounds R
 *       once O never N twice T errors E": how many rounds saw exactly
 *       one success, none, two, or an error.
 *   pgrace same SOCK1 SOCK2 USER CODE...
 *       for each CODE, one round: both processes send auth_totp for USER
 *       with that code (a break-glass code, an enrollment code) at the
 *       same moment, without confirming; a "success" or an "enroll"
 *       verdict wins.  Prints the same line as totp.
 *   pgrace wrong SOCK1 SOCK2 USERS CODE PROCS N
 *       PROCS processes, process w talking to SOCK1 when w is even and
 *       SOCK2 when odd, each sending N auth_totp with CODE (a wrong one)
 *       as fast as kagid answers.  USERS is one name or several
 *       separated by commas: process w's i-th request is for user
 *       (w + i) mod their number, so the batches of the two cores name
 *       the same users in different orders.  Prints "sent S granted G
 *       refused F errors E".
 *
 * Requests go through kagi's own client (lib/client.c), as root: kagid
 * takes root's requests as a verifier's.  Exit 0 unless the tool itself
 * failed; the counts are the test's to judge.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "benchclock.h"
#include "client.h"
#include "proto.h"
#include "proto_ops.h"

#define MAX_PROCS 16
#define MAX_ROUNDS 100000
#define PERIOD 30

struct shared {
	pthread_barrier_t bar;
	int64_t sent[MAX_PROCS];
	int64_t granted[MAX_PROCS];
	int64_t refused[MAX_PROCS];
	int64_t errors[MAX_PROCS];
	/* totp: per round and side, 1 success, 0 refused, -1 error */
	signed char verdict[MAX_ROUNDS][2];
};

static struct shared *sh;

static void
usage(void)
{
	fprintf(stderr, "usage: pgrace clock FILE | code FILE SECRET | "
	    "totp FILE SOCK1 SOCK2 USER SECRET ROUNDS | "
	    "same SOCK1 SOCK2 USER CODE... | "
	    "wrong SOCK1 SOCK2 USERS CODE PROCS N\n");
	exit(2);
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static struct bench_clock *
clock_map(const char *path, int create)
{
	struct bench_clock c = { BENCH_CLOCK_MAGIC, 0, 0 };
	void *p;
	int fd;

	fd = create ? open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644) : open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return NULL;
	}
	if (create) {
		c.base = (int64_t)time(NULL);
		if (write(fd, &c, sizeof(c)) != (ssize_t)sizeof(c)) {
			perror(path);
			close(fd);
			return NULL;
		}
	}
	p = mmap(NULL, sizeof(c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED ||
	    ((struct bench_clock *)p)->magic != BENCH_CLOCK_MAGIC) {
		fprintf(stderr, "pgrace: %s is not a clock file\n", path);
		return NULL;
	}
	return p;
}

/* The code of base32 secret b32 at time t; 0 or -1. */
static int
code_at(const char *b32, int64_t t, char code[7])
{
	char norm[128];
	char *raw = NULL;
	size_t n = strlen(b32), rawlen = 0;
	int r = -1;

	if (n + 8 >= sizeof(norm))
		return -1;
	memcpy(norm, b32, n);
	while (n % 8 != 0)
		norm[n++] = '=';
	norm[n] = '\0';
	if (oath_base32_decode(norm, n, &raw, &rawlen) == OATH_OK &&
	    oath_totp_generate2(raw, rawlen, (time_t)t, PERIOD, 0, 6, 0,
	    code) == OATH_OK)
		r = 0;
	free(raw);
	return r;
}

/* A request of op for user, as pam_kagi sends it. */
static struct json_object *
request(const char *op, const char *user)
{
	struct json_object *req = proto_request_new(op);

	if (req == NULL || proto_set_str(req, "user", user) != 0 ||
	    proto_set_str(req, "service", "pgrace") != 0 ||
	    proto_set_str(req, "zone", "mynumber") != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/*
 * One auth_totp on c: 1 granted, 0 refused, -1 an error.  A success is
 * provisional (login_confirm.c): it is confirmed at once by the account
 * request pam_kagi would send, which must answer "ok".
 */
static int
ask(struct kagi_client *c, const char *user, const char *code, int confirm_it)
{
	struct json_object *req = request(OP_AUTH_TOTP, user);
	struct json_object *acct = NULL, *reply = NULL, *reply2 = NULL;
	const char *verdict = NULL, *confirm = NULL;
	int r = -1;

	if (req == NULL || proto_set_str(req, "code", code) != 0)
		goto out;
	if (client_call(c, req, &reply) != 0 ||
	    proto_get_str(reply, "verdict", 32, &verdict) != 0)
		goto out;
	if (!confirm_it) {
		r = strcmp(verdict, VERDICT_SUCCESS) == 0 ||
		    strcmp(verdict, VERDICT_ENROLL) == 0;
		goto out;
	}
	if (strcmp(verdict, VERDICT_SUCCESS) != 0) {
		r = 0;
		goto out;
	}
	if (proto_get_str(reply, "confirm", 128, &confirm) != 0 ||
	    (acct = request(OP_ACCOUNT, user)) == NULL ||
	    proto_set_str(acct, "confirm", confirm) != 0 ||
	    client_call(c, acct, &reply2) != 0 ||
	    proto_get_str(reply2, "verdict", 32, &verdict) != 0 ||
	    strcmp(verdict, VERDICT_OK) != 0)
		goto out;
	r = 1;
 out:
	json_object_put(reply2);
	json_object_put(acct);
	json_object_put(reply);
	json_object_put(req);
	return r;
}

static int
start(int procs)
{
	pthread_barrierattr_t ba;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	if (pthread_barrierattr_init(&ba) != 0 ||
	    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_barrier_init(&sh->bar, &ba, (unsigned)procs) != 0)
		return -1;
	return 0;
}

/* Fork procs workers running fn(w) and wait for them all. */
static int
run(int procs, void (*fn)(int))
{
	pid_t pids[MAX_PROCS];
	int w, st, bad = 0;

	fflush(NULL);
	for (w = 0; w < procs; w++) {
		if ((pids[w] = fork()) < 0)
			return -1;
		if (pids[w] == 0) {
			fn(w);
			_exit(0);
		}
	}
	for (w = 0; w < procs; w++)
		if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad = 1;
	return bad ? -1 : 0;
}

static const char *g_sock[2], *g_user, *g_secret, *g_code;
static struct bench_clock *g_clk;
static long g_n;

static void
totp_worker(int w)
{
	struct kagi_client *c = NULL;
	char code[7];
	long i;

	if (client_connect(g_sock[w], 10000, &c) != 0)
		_exit(1);
	for (i = 0; i < g_n; i++) {
		(void)pthread_barrier_wait(&sh->bar);
		if (w == 0)
			(void)bench_clock_advance(g_clk, PERIOD);
		(void)pthread_barrier_wait(&sh->bar);
		if (code_at(g_secret, bench_clock_now(g_clk), code) != 0)
			_exit(1);
		sh->verdict[i][w] = (signed char)ask(c, g_user, code, 1);
		/* A connection kagid closed: the next round on a new one. */
		if (sh->verdict[i][w] < 0) {
			client_free(&c);
			if (client_connect(g_sock[w], 10000, &c) != 0)
				_exit(1);
		}
	}
	client_free(&c);
}

static char **g_codes;
#define MAX_USERS 16
static char *g_users[MAX_USERS];
static long g_nusers;

static void
same_worker(int w)
{
	struct kagi_client *c = NULL;
	long i;

	for (i = 0; i < g_n; i++) {
		if (c == NULL && client_connect(g_sock[w], 10000, &c) != 0)
			_exit(1);
		(void)pthread_barrier_wait(&sh->bar);
		sh->verdict[i][w] = (signed char)ask(c, g_user, g_codes[i], 0);
		if (sh->verdict[i][w] < 0)
			client_free(&c);
	}
	client_free(&c);
}

static void
wrong_worker(int w)
{
	struct kagi_client *c = NULL;
	long i;
	int v;

	(void)pthread_barrier_wait(&sh->bar);
	for (i = 0; i < g_n; i++) {
		if (c == NULL && client_connect(g_sock[w % 2], 10000, &c) != 0) {
			sh->errors[w]++;
			continue;
		}
		v = ask(c, g_users[((long)w + i) % g_nusers], g_code, 1);
		sh->sent[w]++;
		if (v > 0)
			sh->granted[w]++;
		else if (v == 0)
			sh->refused[w]++;
		else {
			sh->errors[w]++;
			client_free(&c);
		}
	}
	client_free(&c);
}

/* The rounds' verdicts, one line. */
static int
print_rounds(void)
{
	int64_t t[4] = { 0, 0, 0, 0 };
	long i;

	for (i = 0; i < g_n; i++) {
		if (sh->verdict[i][0] < 0 || sh->verdict[i][1] < 0)
			t[3]++;
		else
			t[sh->verdict[i][0] + sh->verdict[i][1]]++;
	}
	printf("rounds %ld once %" PRId64 " never %" PRId64 " twice %" PRId64
	    " errors %" PRId64 "\n", g_n, t[1], t[0], t[2], t[3]);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t t[4] = { 0, 0, 0, 0 };
	char code[7], *tok;
	int procs, w;

	if (argc < 3)
		usage();
	if (oath_init() != OATH_OK)
		return 1;
	if (strcmp(argv[1], "clock") == 0 && argc == 3)
		return clock_map(argv[2], 1) != NULL ? 0 : 1;
	if (strcmp(argv[1], "code") == 0 && argc == 4) {
		if ((g_clk = clock_map(argv[2], 0)) == NULL ||
		    code_at(argv[3], bench_clock_now(g_clk), code) != 0)
			return 1;
		printf("%s\n", code);
		return 0;
	}
	if (strcmp(argv[1], "totp") == 0 && argc == 8) {
		if ((g_clk = clock_map(argv[2], 0)) == NULL)
			return 1;
		g_sock[0] = argv[3];
		g_sock[1] = argv[4];
		g_user = argv[5];
		g_secret = argv[6];
		g_n = num(argv[7], 1, MAX_ROUNDS);
		if (start(2) != 0 || run(2, totp_worker) != 0)
			return 1;
		return print_rounds();
	}
	if (strcmp(argv[1], "same") == 0 && argc >= 6 && argc - 5 <=
	    MAX_ROUNDS) {
		g_sock[0] = argv[2];
		g_sock[1] = argv[3];
		g_user = argv[4];
		g_codes = argv + 5;
		g_n = argc - 5;
		if (start(2) != 0 || run(2, same_worker) != 0)
			return 1;
		return print_rounds();
	}
	if (strcmp(argv[1], "wrong") == 0 && argc == 8) {
		g_sock[0] = argv[2];
		g_sock[1] = argv[3];
		for (tok = strtok(argv[4], ","); tok != NULL &&
		    g_nusers < MAX_USERS; tok = strtok(NULL, ","))
			g_users[g_nusers++] = tok;
		if (g_nusers == 0 || tok != NULL)
			usage();
		g_code = argv[5];
		procs = (int)num(argv[6], 1, MAX_PROCS);
		g_n = num(argv[7], 1, 1000000);
		if (start(procs) != 0 || run(procs, wrong_worker) != 0)
			return 1;
		for (w = 0; w < procs; w++) {
			t[0] += sh->sent[w];
			t[1] += sh->granted[w];
			t[2] += sh->refused[w];
			t[3] += sh->errors[w];
		}
		printf("sent %" PRId64 " granted %" PRId64 " refused %" PRId64
		    " errors %" PRId64 "\n", t[0], t[1], t[2], t[3]);
		return 0;
	}
	usage();
	return 2;
}

/*
 * kagiload.c - kagid alone, without PAM: what the daemon can serve.
 *
 *   kagiload -k CLOCK -S SOCKET[,SOCKET...] -n N [-P CLIENTS]
 *            [-d SECONDS] [-i MAX] [-m begin|totp|both|persistent]
 *            [-L LABEL]
 *
 * Bench only, a diagnostic for run.sh.  -P client processes send
 * requests to kagid through kagi's own client code (lib/client.c):
 *   begin       auth_begin only, a connection each (what the first
 *               request of a log-in costs kagid);
 *   totp        auth_totp only, with a valid code, a connection each
 *               (the second, as sent after a person typed the code);
 *   both        auth_begin then auth_totp on one connection: one log-in
 *               as pam_kagi makes it when the code is in hand at once,
 *               without PAM and the module;
 *   persistent  auth_totp, all on one connection per client (what
 *               kagid costs when it does not accept a connection per
 *               request).
 * Users and clock follow pambench's rule for several clients: the clock
 * moves 30 s once, client w asks for users bu_walk(w + K*j, N), each user
 * once.  With several sockets (several kagid cores on one database),
 * client w talks to the (w mod count)-th.  Prints one JSON line: requests
 * and log-ins per second, refusals, and the granted log-ins per second
 * (kagid answers success only after its commit returned: durable ones)
 * with the median and p99 of their time, from before the connection to
 * the answer to the last request (both, totp, persistent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "benchusers.h"
#include "client.h"
#include "proto.h"
#include "proto_ops.h"

#define MAX_PROCS 64
#define MAX_SOCKS 8
/* Latencies kept per client (the first ones of a longer run). */
#define LAT_PER_PROC 20000

enum lmode { L_BEGIN, L_TOTP, L_BOTH, L_PERSISTENT };

struct lres {
	int64_t requests;
	int64_t granted;
	int64_t refused;
	int64_t errors;
	int64_t start_ns;
	int64_t end_ns;
};

struct lshared {
	pthread_barrier_t bar;
	struct lres res[MAX_PROCS];
	int64_t nlat[MAX_PROCS];
	uint64_t lat[MAX_PROCS][LAT_PER_PROC];
};

static const char *sock;
static const char *socks[MAX_SOCKS];
static int nsocks;
static const char *label = "kagid";
static struct bench_clock *clk;
static struct lshared *sh;
static uint64_t nusers = 1;
static int procs = 1;
static long maxreq = 1000000;
static double seconds = 2;
static enum lmode mode = L_BOTH;

static struct json_object *
request(const char *op, const char *user, const char *code)
{
	struct json_object *req = proto_request_new(op);

	if (req == NULL ||
	    proto_set_str(req, "user", user) != 0 ||
	    proto_set_str(req, "service", "kagiload") != 0 ||
	    proto_set_str(req, "zone", "mynumber") != 0 ||
	    (code != NULL && proto_set_str(req, "code", code) != 0)) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* One request on c (or on a connection of its own when c is NULL). */
static int
ask(struct kagi_client *c, const char *op, const char *user,
    const char *code, struct lres *res)
{
	struct kagi_client *own = NULL;
	struct json_object *req, *reply = NULL;
	const char *verdict = NULL;
	int r;

	if ((req = request(op, user, code)) == NULL)
		return -1;
	if (c == NULL && (r = client_connect(sock, 10000, &own)) != 0)
		goto out;
	r = client_call(c != NULL ? c : own, req, &reply);
	res->requests++;
	if (r == 0 && strcmp(op, OP_AUTH_TOTP) == 0) {
		if (proto_get_str(reply, "verdict", 32, &verdict) == 0 &&
		    strcmp(verdict, VERDICT_SUCCESS) == 0)
			res->granted++;
		else
			res->refused++;
	}
out:
	if (r != 0)
		res->errors++;
	json_object_put(reply);
	json_object_put(req);
	client_free(&own);
	return r;
}

static void
worker(int w)
{
	struct lres *res = &sh->res[w];
	struct kagi_client *c = NULL;
	char name[BU_NAME_MAX], code[BU_DIGITS + 1];
	uint8_t secret[BU_SECRET_LEN];
	uint64_t cap = (nusers - (uint64_t)w + (uint64_t)procs - 1) /
	    (uint64_t)procs, j;
	int64_t deadline;

	sock = socks[w % nsocks];
	(void)pthread_barrier_wait(&sh->bar);
	res->start_ns = bench_mono_ns();
	deadline = res->start_ns + (int64_t)(seconds * 1e9);
	if (mode == L_PERSISTENT && client_connect(sock, 10000, &c) != 0)
		res->errors++;
	for (j = 0; j < cap && (long)j < maxreq; j++) {
		uint64_t u = bu_walk((uint64_t)w + (uint64_t)procs * j, nusers);
		int64_t granted = res->granted, t0;

		if (j > 0 && bench_mono_ns() >= deadline)
			break;
		bu_name(u, name);
		if (mode != L_BEGIN) {
			bu_secret(u, secret);
			if (oath_totp_generate2((const char *)secret,
			    sizeof(secret), (time_t)bench_clock_now(clk),
			    BU_PERIOD, 0, BU_DIGITS, 0, code) != OATH_OK) {
				res->errors++;
				break;
			}
		}
		t0 = bench_mono_ns();
		switch (mode) {
		case L_BEGIN:
			(void)ask(NULL, OP_AUTH_BEGIN, name, NULL, res);
			break;
		case L_TOTP:
			(void)ask(NULL, OP_AUTH_TOTP, name, code, res);
			break;
		case L_BOTH:
			if (client_connect(sock, 10000, &c) != 0) {
				res->errors++;
				break;
			}
			if (ask(c, OP_AUTH_BEGIN, name, NULL, res) == 0)
				(void)ask(c, OP_AUTH_TOTP, name, code, res);
			client_free(&c);
			break;
		case L_PERSISTENT:
			if (c != NULL)
				(void)ask(c, OP_AUTH_TOTP, name, code, res);
			break;
		}
		if (res->granted > granted && sh->nlat[w] < LAT_PER_PROC)
			sh->lat[w][sh->nlat[w]++] =
			    (uint64_t)(bench_mono_ns() - t0);
	}
	client_free(&c);
	res->end_ns = bench_mono_ns();
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *clock_path = NULL, *mname = "both";
	char *dend = NULL, *sock_arg = NULL, *tok, *save = NULL;
	uint64_t *all;
	size_t nall = 0;
	pthread_barrierattr_t ba;
	struct lres t;
	pid_t pids[MAX_PROCS];
	int64_t start = INT64_MAX, end = 0;
	double secs;
	int c, w, st;

	while ((c = getopt(argc, argv, "d:i:k:L:m:n:P:S:")) != -1) {
		switch (c) {
		case 'd':
			errno = 0;
			seconds = strtod(optarg, &dend);
			if (errno != 0 || dend == optarg || *dend != '\0' ||
			    !(seconds > 0) || seconds > 600)
				goto usage;
			break;
		case 'i': maxreq = bench_num(optarg, 1, 100000000); break;
		case 'k': clock_path = optarg; break;
		case 'L': label = optarg; break;
		case 'n': nusers = (uint64_t)bench_num(optarg, 1, 100000000); break;
		case 'P': procs = (int)bench_num(optarg, 1, MAX_PROCS); break;
		case 'S': sock_arg = optarg; break;
		case 'm':
			mname = optarg;
			if (strcmp(optarg, "begin") == 0) mode = L_BEGIN;
			else if (strcmp(optarg, "totp") == 0) mode = L_TOTP;
			else if (strcmp(optarg, "both") == 0) mode = L_BOTH;
			else if (strcmp(optarg, "persistent") == 0)
				mode = L_PERSISTENT;
			else goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || sock_arg == NULL || clock_path == NULL)
		goto usage;
	/* -S A,B,...: client w talks to the (w mod count)-th socket. */
	for (tok = strtok_r(sock_arg, ",", &save); tok != NULL &&
	    nsocks < MAX_SOCKS; tok = strtok_r(NULL, ",", &save))
		socks[nsocks++] = tok;
	if (nsocks == 0)
		goto usage;
	if ((clk = bench_clock_map(clock_path)) == NULL ||
	    oath_init() != OATH_OK)
		return 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(&sh->bar, &ba, (unsigned)procs) != 0)
		return 1;
	bench_clock_advance(clk, BU_PERIOD);
	fflush(NULL);
	for (w = 0; w < procs; w++) {
		if ((pids[w] = fork()) < 0)
			return 1;
		if (pids[w] == 0)
			worker(w);
	}
	for (w = 0; w < procs; w++)
		(void)waitpid(pids[w], &st, 0);
	memset(&t, 0, sizeof(t));
	for (w = 0; w < procs; w++) {
		t.requests += sh->res[w].requests;
		t.granted += sh->res[w].granted;
		t.refused += sh->res[w].refused;
		t.errors += sh->res[w].errors;
		if (sh->res[w].start_ns < start)
			start = sh->res[w].start_ns;
		if (sh->res[w].end_ns > end)
			end = sh->res[w].end_ns;
	}
	secs = end > start ? (double)(end - start) / 1e9 : 0;
	if ((all = calloc((size_t)procs * LAT_PER_PROC, sizeof(*all))) == NULL)
		return 1;
	for (w = 0; w < procs; w++) {
		memcpy(all + nall, sh->lat[w],
		    (size_t)sh->nlat[w] * sizeof(*all));
		nall += (size_t)sh->nlat[w];
	}
	qsort(all, nall, sizeof(*all), bench_cmp_u64);
	printf("{\"system\":\"%s\",\"mode\":\"kagid_alone\",\"requests_mode\":"
	    "\"%s\",\"users\":%" PRIu64 ",\"clients\":%d,\"requests\":%" PRId64
	    ",\"granted\":%" PRId64 ",\"refused\":%" PRId64 ",\"errors\":%"
	    PRId64 ",\"seconds\":%.3f,\"requests_per_s\":%.0f,"
	    "\"logins\":%" PRId64 ",\"logins_per_s\":%.0f,\"cores\":%d,"
	    "\"granted_per_s\":%.0f,\"p50_us\":%.0f,\"p99_us\":%.0f}\n",
	    label, mname,
	    nusers, procs, t.requests, t.granted, t.refused, t.errors, secs,
	    secs > 0 ? (double)t.requests / secs : 0,
	    mode == L_BEGIN ? t.requests : t.granted + t.refused,
	    secs > 0 ? (double)(mode == L_BEGIN ? t.requests :
	    t.granted + t.refused) / secs : 0, nsocks,
	    secs > 0 ? (double)t.granted / secs : 0, bench_pct(all, nall, 50),
	    bench_pct(all, nall, 99));
	free(all);
	oath_done();
	return 0;
usage:
	fprintf(stderr, "usage: kagiload -k CLOCK -S SOCKET[,...] -n N [-P CLIENTS] "
	    "[-d SECONDS] [-i MAX] [-m begin|totp|both|persistent] [-L LABEL]\n");
	return 2;
}

/*
 * fido2load.c - FIDO2 log-ins verified by kagid, and the limit of
 * libfido2's verification alone (bench only, a diagnostic for run.sh).
 *
 *   fido2load -m kagid -k CLOCK -S SOCKET -n N [-P CLIENTS] [-d SECONDS]
 *             [-i MAX] [-L LABEL]
 *   fido2load -m verify [-P PROCS] [-d SECONDS] [-i MAX]
 *
 * kagid: -P client processes, each looping over its own users (the users
 * of `mkusers fido2`, benchfido2.h): auth_begin for the user (kagid
 * issues a challenge and names the relying party and the credential),
 * then a fresh assertion built as an authenticator builds it
 * (authenticator data with SHA-256 of the relying-party ID kagid sent,
 * flags UP|UV, the signature counter; ES256 over authenticator data and
 * SHA-256 of the challenge, signed in the loop), sent in auth_fido2 as
 * pam_kagi sends it (base64 credential ID, CBOR authenticator data, DER
 * signature, uv_method "pin").  Each request on a connection of its own,
 * as the module makes them.  The users' keys are loaded before the run,
 * as an authenticator holds its key; nothing of an assertion is.  Users
 * follow kagiload's rule: client w takes users bu_walk(w + K*j, N), each
 * once per run.  The signature counter of a run is the shared bench
 * clock after this run moved it by one TOTP step (30 s, as kagiload
 * does): larger than any earlier run's, so every assertion is one kagid
 * must accept.  Counts "success" verdicts (assertions verified), other
 * verdicts (refused) and failed requests (errors); reports the client's
 * own CPU per assertion in the run (getrusage), the signing included.
 *
 * verify: the limit, no kagid: -P processes (1 = one core) each loop
 * over 256 assertions made beforehand for different users, verifying each
 * as kagid's fido2.c does, with libfido2 only: fido_assert_new, count,
 * rp, client data hash, authenticator data, signature, UP and UV
 * required, the es256_pk loaded from the raw key, fido_assert_verify.
 * Every verification must succeed (a failure is counted, never skipped).
 *
 * Prints one JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fido.h>
#include <fido/es256.h>
#include <json-c/json.h>

#include "b64.h"
#include "benchutil.h"
#include "benchfido2.h"
#include "benchusers.h"
#include "client.h"
#include "proto.h"
#include "proto_ops.h"

#define MAX_PROCS 64
#define VERIFY_SET 256
#define SIG_MAX 80

enum fmode { F_KAGID, F_VERIFY };

struct fres {
	int64_t assertions;	/* tried: auth_fido2 sent, or verified */
	int64_t verified;
	int64_t refused;
	int64_t errors;
	int64_t start_ns;
	int64_t end_ns;
	int64_t cpu_ns;
};

struct fshared {
	pthread_barrier_t bar;
	struct fres res[MAX_PROCS];
};

static const char *sock;
static const char *label;
static struct bench_clock *clk;
static struct fshared *sh;
static uint64_t nusers = 1;
static int procs = 1;
static long maxreq = 1000000;
static double seconds = 2;
static enum fmode mode = F_KAGID;
static uint32_t run_counter;

static struct json_object *
request(const char *op, const char *user)
{
	struct json_object *req = proto_request_new(op);

	if (req == NULL ||
	    proto_set_str(req, "user", user) != 0 ||
	    proto_set_str(req, "service", "fido2load") != 0 ||
	    proto_set_str(req, "zone", "mynumber") != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* One request on a connection of its own; 0 and *reply, or -1. */
static int
call(struct json_object *req, struct json_object **reply)
{
	struct kagi_client *c = NULL;
	int r;

	*reply = NULL;
	if ((r = client_connect(sock, 10000, &c)) == 0)
		r = client_call(c, req, reply);
	client_free(&c);
	return r == 0 ? 0 : -1;
}

/* base64 of p into the request under key. */
static int
set_b64(struct json_object *req, const char *key, const uint8_t *p,
    size_t n)
{
	char *s = NULL;
	int r;

	if (b64_encode(p, n, &s) != 0)
		return -1;
	r = proto_set_str(req, key, s);
	free(s);
	return r == 0 ? 0 : -1;
}

/*
 * What auth_begin said for a FIDO2 user: the challenge's SHA-256 (the
 * client data hash) and the relying party's.  -1 when it offered no
 * FIDO2 log-in.
 */
static int
begin_reply(struct json_object *reply, uint8_t cdh[32], uint8_t rph[32])
{
	struct json_object *fo;
	const char *chal = NULL, *rp = NULL;
	uint8_t *c = NULL;
	size_t n = 0;
	int r = -1;

	if (proto_reply_status(reply) != 0 ||
	    !json_object_object_get_ex(reply, "fido2", &fo) ||
	    proto_get_str(fo, "challenge", 64, &chal) != 0 ||
	    proto_get_str(fo, "rp_id", 256, &rp) != 0 ||
	    b64_decode(chal, 32, 32, &c, &n) != 0)
		return -1;
	if (bf_sha256(c, n, cdh) == 0 && bf_sha256(rp, strlen(rp), rph) == 0)
		r = 0;
	free(c);
	return r;
}

/*
 * One log-in of user u, whose key is k: auth_begin, a fresh assertion,
 * auth_fido2.
 */
static void
login(uint64_t u, EVP_PKEY *k, struct fres *res)
{
	struct json_object *req = NULL, *reply = NULL;
	char name[BU_NAME_MAX];
	uint8_t cdh[32], rph[32], ad[BF_AUTHDATA_CBOR_LEN], id[BF_CRED_LEN];
	uint8_t sig[SIG_MAX];
	size_t siglen = sizeof(sig);
	const char *verdict = NULL;

	bu_name(u, name);
	if ((req = request(OP_AUTH_BEGIN, name)) == NULL ||
	    call(req, &reply) != 0 || begin_reply(reply, cdh, rph) != 0)
		goto err;
	json_object_put(req);
	json_object_put(reply);
	req = reply = NULL;
	/* The authenticator's part. */
	bf_cred_id(u, id);
	bf_authdata(rph, BF_FLAG_UP | BF_FLAG_UV, run_counter, ad);
	if (bf_sign(k, ad, cdh, sig, &siglen) != 0)
		goto err;
	res->assertions++;
	if ((req = request(OP_AUTH_FIDO2, name)) == NULL ||
	    set_b64(req, "credential", id, sizeof(id)) != 0 ||
	    set_b64(req, "authdata", ad, sizeof(ad)) != 0 ||
	    set_b64(req, "sig", sig, siglen) != 0 ||
	    proto_set_str(req, "uv_method", "pin") != 0 ||
	    call(req, &reply) != 0 || proto_reply_status(reply) != 0)
		goto err;
	if (proto_get_str(reply, "verdict", 32, &verdict) == 0 &&
	    strcmp(verdict, VERDICT_SUCCESS) == 0)
		res->verified++;
	else
		res->refused++;
	goto out;
err:
	res->errors++;
out:
	json_object_put(req);
	json_object_put(reply);
}

/* One assertion made beforehand for the verify loop. */
struct vcase {
	uint8_t pk[BF_PK_LEN];
	uint8_t cdh[32];
	uint8_t ad[BF_AUTHDATA_CBOR_LEN];
	uint8_t sig[SIG_MAX];
	size_t siglen;
};

static const char verify_rp[] = "pam://kagi-bench";

static int
vcase_make(uint64_t u, struct vcase *v)
{
	uint8_t priv[32], rph[32], chal[32];
	EVP_PKEY *k = NULL;
	uint64_t s = u + 77, x = 0;
	size_t i;
	int r = -1;

	for (i = 0; i < sizeof(chal); i++) {
		if (i % 8 == 0)
			x = bu_mix(&s);
		chal[i] = (uint8_t)(x >> (8 * (i % 8)));
	}
	v->siglen = sizeof(v->sig);
	if (bf_keypair(u, priv, v->pk) == 0 && (k = bf_pkey(u)) != NULL &&
	    bf_sha256(verify_rp, strlen(verify_rp), rph) == 0 &&
	    bf_sha256(chal, sizeof(chal), v->cdh) == 0) {
		bf_authdata(rph, BF_FLAG_UP | BF_FLAG_UV, (uint32_t)u + 1, v->ad);
		r = bf_sign(k, v->ad, v->cdh, v->sig, &v->siglen);
	}
	memset(priv, 0, sizeof(priv));
	EVP_PKEY_free(k);
	return r;
}

/* What kagid's fido2_verify_assertion() asks of libfido2, alone. */
static int
vcase_verify(const struct vcase *v)
{
	fido_assert_t *a = NULL;
	es256_pk_t *pk = NULL;
	int r = -1;

	if ((a = fido_assert_new()) != NULL && (pk = es256_pk_new()) != NULL &&
	    es256_pk_from_ptr(pk, v->pk, sizeof(v->pk)) == FIDO_OK &&
	    fido_assert_set_count(a, 1) == FIDO_OK &&
	    fido_assert_set_rp(a, verify_rp) == FIDO_OK &&
	    fido_assert_set_clientdata_hash(a, v->cdh, sizeof(v->cdh)) ==
	    FIDO_OK &&
	    fido_assert_set_authdata(a, 0, v->ad, sizeof(v->ad)) == FIDO_OK &&
	    fido_assert_set_sig(a, 0, v->sig, v->siglen) == FIDO_OK &&
	    fido_assert_set_up(a, FIDO_OPT_TRUE) == FIDO_OK &&
	    fido_assert_set_uv(a, FIDO_OPT_TRUE) == FIDO_OK &&
	    fido_assert_verify(a, 0, COSE_ES256, pk) == FIDO_OK)
		r = 0;
	es256_pk_free(&pk);
	fido_assert_free(&a);
	return r;
}

static void
worker(int w, const struct vcase *set, size_t nset)
{
	struct fres *res = &sh->res[w];
	uint64_t cap = (nusers - (uint64_t)w + (uint64_t)procs - 1) /
	    (uint64_t)procs, j;
	int64_t deadline, c0;
	EVP_PKEY **keys = NULL;
	uint64_t nkeys = 0;

	if (mode == F_VERIFY)
		cap = UINT64_MAX;
	if ((uint64_t)maxreq < cap)
		cap = (uint64_t)maxreq;
	/*
	 * The keys this client's authenticators hold, loaded before the
	 * run as a key holds its own: the assertions are all made in it.
	 */
	if (mode == F_KAGID) {
		if ((keys = calloc(cap, sizeof(*keys))) == NULL)
			cap = 0;
		nkeys = cap;
		for (j = 0; j < cap; j++)
			if ((keys[j] = bf_pkey(bu_walk((uint64_t)w +
			    (uint64_t)procs * j, nusers))) == NULL) {
				res->errors++;
				cap = j;
			}
	}
	(void)pthread_barrier_wait(&sh->bar);
	c0 = bench_cpu_ns();
	res->start_ns = bench_mono_ns();
	deadline = res->start_ns + (int64_t)(seconds * 1e9);
	for (j = 0; j < cap; j++) {
		if (j > 0 && bench_mono_ns() >= deadline)
			break;
		if (mode == F_KAGID) {
			login(bu_walk((uint64_t)w + (uint64_t)procs * j, nusers),
			    keys[j], res);
			continue;
		}
		res->assertions++;
		if (vcase_verify(&set[(j * (uint64_t)procs + (uint64_t)w) %
		    nset]) == 0)
			res->verified++;
		else
			res->errors++;
	}
	res->end_ns = bench_mono_ns();
	res->cpu_ns = bench_cpu_ns() - c0;
	for (j = 0; j < nkeys; j++)
		EVP_PKEY_free(keys[j]);
	free(keys);
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *clock_path = NULL;
	char *dend = NULL;
	pthread_barrierattr_t ba;
	struct vcase *set = NULL;
	struct fres t;
	pid_t pids[MAX_PROCS];
	int64_t start = INT64_MAX, end = 0, now;
	double secs;
	size_t nset = 0, i;
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
		case 'S': sock = optarg; break;
		case 'm':
			if (strcmp(optarg, "kagid") == 0) mode = F_KAGID;
			else if (strcmp(optarg, "verify") == 0) mode = F_VERIFY;
			else goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc ||
	    (mode == F_KAGID && (sock == NULL || clock_path == NULL)))
		goto usage;
	if (label == NULL)
		label = mode == F_KAGID ? "kagid" : "libfido2";
	fido_init(0);
	if (mode == F_KAGID) {
		if ((clk = bench_clock_map(clock_path)) == NULL)
			return 1;
		/* This run's counter: above every earlier run's. */
		bench_clock_advance(clk, BU_PERIOD);
		now = bench_clock_now(clk);
		if (now <= 0 || now > (int64_t)UINT32_MAX) {
			fprintf(stderr, "fido2load: the clock does not fit a "
			    "signature counter\n");
			return 1;
		}
		run_counter = (uint32_t)now;
	} else {
		nset = VERIFY_SET;
		if ((set = calloc(nset, sizeof(*set))) == NULL)
			return 1;
		for (i = 0; i < nset; i++)
			if (vcase_make(i, &set[i]) != 0 ||
			    vcase_verify(&set[i]) != 0) {
				fprintf(stderr, "fido2load: assertion %zu does "
				    "not verify\n", i);
				return 1;
			}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(&sh->bar, &ba, (unsigned)procs) != 0)
		return 1;
	fflush(NULL);
	for (w = 0; w < procs; w++) {
		if ((pids[w] = fork()) < 0)
			return 1;
		if (pids[w] == 0)
			worker(w, set, nset);
	}
	for (w = 0; w < procs; w++)
		(void)waitpid(pids[w], &st, 0);
	memset(&t, 0, sizeof(t));
	for (w = 0; w < procs; w++) {
		t.assertions += sh->res[w].assertions;
		t.verified += sh->res[w].verified;
		t.refused += sh->res[w].refused;
		t.errors += sh->res[w].errors;
		t.cpu_ns += sh->res[w].cpu_ns;
		if (sh->res[w].start_ns < start)
			start = sh->res[w].start_ns;
		if (sh->res[w].end_ns > end)
			end = sh->res[w].end_ns;
	}
	secs = end > start ? (double)(end - start) / 1e9 : 0;
	printf("{\"system\":\"%s\",\"mode\":\"%s\",\"users\":%" PRIu64
	    ",\"clients\":%d,\"assertions\":%" PRId64 ",\"verified\":%" PRId64
	    ",\"refused\":%" PRId64 ",\"errors\":%" PRId64 ",\"seconds\":%.3f,"
	    "\"verified_per_s\":%.0f,\"client_cpu_us_per_assertion\":%.1f}\n",
	    label, mode == F_KAGID ? "fido2" : "fido2_verify_limit",
	    mode == F_KAGID ? nusers : (uint64_t)nset, procs, t.assertions,
	    t.verified, t.refused, t.errors, secs,
	    secs > 0 ? (double)t.verified / secs : 0,
	    t.assertions > 0 ? (double)t.cpu_ns / 1000 / (double)t.assertions :
	    0);
	free(set);
	return 0;
usage:
	fprintf(stderr, "usage: fido2load -m kagid -k CLOCK -S SOCKET -n N "
	    "[-P CLIENTS] [-d SECONDS] [-i MAX] [-L LABEL]\n"
	    "       fido2load -m verify [-P PROCS] [-d SECONDS] [-i MAX]\n");
	return 2;
}

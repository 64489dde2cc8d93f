/*
 * pambench.c - the one PAM driver of the benchmark (bench only).
 *
 *   pambench -k CLOCK -c CONFDIR -s SERVICE[,SERVICE...] -n N [options]
 *
 * Every log-in is pam_start_confdir() + pam_authenticate() + pam_end() on
 * CONFDIR/SERVICE, in this process (with several services, client w uses
 * the (w mod count)-th: two kagid cores on one database, each one's
 * stack naming its socket), with a conversation that answers a
 * "Password: " prompt with -p's password and every other prompt with the
 * TOTP code computed (liboath, SHA1, 6 digits, 30 s) for the user's secret
 * (benchusers.h) at the benchmark clock's current time, before the log-in
 * starts.  The same driver runs pam_permit, pam_oath,
 * pam_google_authenticator and pam_kagi: only the service file changes.
 *
 * The clock (-k, benchclock.h) is the file fakeclock.so maps in this
 * process and in kagid.  The rule, the same for every system:
 *  - one client (-P 1): the clock moves 30 s before every log-in, so every
 *    log-in is in a step of its own; log-in j is by user bu_walk(j, N);
 *  - several clients: the clock moves 30 s once before the run and stays;
 *    client w logs in users bu_walk(w + K*j, N), each user at most once per
 *    run (so a run stops after N/K log-ins per client at the latest).
 *    With N < K this is impossible: the run is refused.
 *
 * Modes (-m):
 *  bench  latency and throughput: -P clients, -i log-ins at most (in all
 *         with one client, per client with several), -d seconds at most,
 *         -w untimed warm-up log-ins per client first.
 *  race   -r rounds: the clock moves 30 s, then all -P clients log in
 *         user -u with the same valid code at once (a barrier); counts the
 *         rounds with more than one acceptance and with none.
 *  users  -r rounds: the clock moves 30 s, then client w logs in user
 *         -u + w with its own valid code, all at once; counts correct
 *         codes refused.
 *         With -R, round k of both takes the next users (race: -u + k,
 *         users: -u + w + K*k, modulo N), so that the replays a race
 *         makes never add up to one user's lock (kagid counts a replay
 *         as a failure and moves a running interval with each clock step
 *         it sees, which the bench's 30 s moves are).
 *  wrong  every client sends -a wrong codes at user -u (codes matching no
 *         step within 3 of now), all at once; counts attempts and refusals.
 *         Whether the system recorded them is read by run.sh.
 *  clock  create the clock file -k (base: now, put in the middle of a
 *         30 s step) and exit.
 *  fsync  the cost of a durable write in directory -c: -i times 4 KiB
 *         written and fdatasync()ed; median and p99.
 *
 * Output: a human summary on stderr and one JSON object on stdout (or
 * appended to -j FILE), with -S's system name, N and the client count:
 * success latency median and p99 (µs), log-ins per second, successes,
 * failures by PAM code, peak RSS of a client (getrusage ru_maxrss, KiB),
 * what the log-ins added to it (VmHWM at the end less VmRSS at the start,
 * KiB), the most VmRSS grew between pam_start() and pam_end() in a warm-up
 * log-in (KiB: what the loaded stack holds), and the client CPU time
 * (user + system) per log-in.
 * Exit status 0 when the run could be made (whatever it measured), 1 on a
 * set-up error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "benchusers.h"

#define MAX_PROCS 64
#define MAX_ROUNDS 100000
#define MAX_ITER 1000000

enum mode { M_BENCH, M_RACE, M_USERS, M_WRONG, M_CLOCK, M_FSYNC };

struct opts {
	const char *clock;
	const char *confdir;
	const char *service;
	const char *system;
	const char *password;
	const char *json;
	const char *secret_b32;	/* -x: every user has this secret */
	const char *user_name;	/* -U: log in this name instead */
	uint64_t n;
	int procs;
	long iter;
	double seconds;
	long warmup;
	long rounds;
	long attempts;
	uint64_t user;
	int rotate;		/* -R: race and users take new users each round */
	enum mode mode;
};

/* What one client reports, in shared memory. */
struct worker_res {
	int64_t ok;
	int64_t auth_err;	/* PAM_AUTH_ERR */
	int64_t other_err;	/* any other failure */
	int64_t other_code;	/* the last such code */
	int64_t nlat;
	int64_t start_ns;
	int64_t end_ns;
	int64_t maxrss_kb;
	int64_t rss_start_kb;	/* VmRSS before the first log-in */
	int64_t hwm_end_kb;	/* VmHWM after the last */
	int64_t cpu_ns;		/* user + system time of the timed part */
	int64_t stack_kb;	/* most VmRSS grew from pam_start to pam_end */
	int failed_setup;
};

struct shared {
	pthread_barrier_t bar;
	struct worker_res res[MAX_PROCS];
	int accepted[MAX_ROUNDS];
	/* then: latencies, lat_cap per client, in ns */
};

struct conv_data {
	const char *code;
	const char *password;
};

static struct opts o;
static struct shared *sh;
static uint64_t *lat;
#define MAX_SVC 8
static const char *svc[MAX_SVC];
static int nsvc;
static size_t lat_cap;
static struct bench_clock *clk;
static uint8_t fixed_secret[64];
static size_t fixed_secret_len;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pambench -k CLOCK -m clock\n"
	    "       pambench -m fsync -c DIR [-i WRITES] [-S NAME]\n"
	    "       pambench -k CLOCK -c CONFDIR -s SERVICE[,...] -n N [-S SYSTEM]\n"
	    "           [-m bench|race|users|wrong] [-P CLIENTS] [-i LOGINS]\n"
	    "           [-d SECONDS] [-w WARMUP] [-r ROUNDS] [-a ATTEMPTS]\n"
	    "           [-u USER] [-R] [-U NAME -x BASE32] [-p PASSWORD] [-j FILE]\n");
	exit(2);
}

static double
dnum(const char *s)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 3600) {
		fprintf(stderr, "pambench: bad duration '%s'\n", s);
		exit(2);
	}
	return v;
}

/* A "Name:   123 kB" line of /proc/self/status, in KiB; -1 if absent. */
static int64_t
status_kb(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	int64_t v = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			char *end = NULL;
			long long x;

			errno = 0;
			x = strtoll(line + len + 1, &end, 10);
			if (errno == 0 && end != line + len + 1 && x >= 0)
				v = x;
			break;
		}
	}
	fclose(f);
	return v;
}

/* --- the clock file ---------------------------------------------------- */

static int
clock_create(const char *path)
{
	struct bench_clock c;
	struct timespec ts;
	int fd;

	/* The real clock, not fakeclock's: straight from the kernel. */
	if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) != 0)
		return 1;
	memset(&c, 0, sizeof(c));
	c.magic = BENCH_CLOCK_MAGIC;
	c.base = (int64_t)ts.tv_sec - (int64_t)ts.tv_sec % BU_PERIOD +
	    BU_PERIOD / 2;
	c.offset = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0 || write(fd, &c, sizeof(c)) != (ssize_t)sizeof(c)) {
		fprintf(stderr, "pambench: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/* --- codes --------------------------------------------------------------- */

static void
user_secret(uint64_t u, uint8_t *secret, size_t *len)
{
	if (fixed_secret_len > 0) {
		memcpy(secret, fixed_secret, fixed_secret_len);
		*len = fixed_secret_len;
		return;
	}
	bu_secret(u, secret);
	*len = BU_SECRET_LEN;
}

static int
code_at(uint64_t u, int64_t t, char code[BU_DIGITS + 1])
{
	uint8_t secret[64];
	size_t len;

	user_secret(u, secret, &len);
	return oath_totp_generate2((const char *)secret, len, (time_t)t,
	    BU_PERIOD, 0, BU_DIGITS, 0, code) == OATH_OK ? 0 : -1;
}

/* A code that matches no step within 3 of now. */
static int
wrong_code(uint64_t u, int64_t t, unsigned salt, char code[BU_DIGITS + 1])
{
	char near[7][BU_DIGITS + 1];
	unsigned v = salt * 7919u;
	int i, clash;

	for (i = 0; i < 7; i++)
		if (code_at(u, t + (int64_t)(i - 3) * BU_PERIOD, near[i]) != 0)
			return -1;
	do {
		v = (v * 1103515245u + 12345u) % 1000000u;
		snprintf(code, BU_DIGITS + 1, "%06u", v);
		for (clash = 0, i = 0; i < 7; i++)
			clash |= strcmp(code, near[i]) == 0;
	} while (clash);
	return 0;
}

/* --- one log-in ------------------------------------------------------------ */

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	const struct conv_data *d = appdata;
	struct pam_response *r;
	int i;

	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		const char *ans = NULL;

		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (d->password != NULL &&
			    strcmp(msg[i]->msg, "Password: ") == 0)
				ans = d->password;
			else
				ans = d->code;
			if ((r[i].resp = strdup(ans)) == NULL)
				goto fail;
			break;
		default:
			break;		/* messages: nothing to answer */
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/*
 * One log-in of user u with code; its PAM code, and its time in *ns.
 * With stack_kb, also how much VmRSS grew from before pam_start() to
 * before pam_end() (the stack loaded and used), kept when larger: the
 * memory a module and what it loads add to the process that hosts it.
 */
static int
login_mem(uint64_t u, const char *code, int64_t *ns, int64_t *stack_kb)
{
	struct conv_data d = { code, o.password };
	struct pam_conv pc = { conv, &d };
	pam_handle_t *ph = NULL;
	char name[BU_NAME_MAX];
	const char *user = name;
	int64_t t0;
	int r;

	int64_t rss0 = 0, rss1;

	if (o.user_name != NULL)
		user = o.user_name;
	else
		bu_name(u, name);
	if (stack_kb != NULL)
		rss0 = status_kb("VmRSS");
	t0 = bench_mono_ns();
	r = pam_start_confdir(o.service, user, &pc, o.confdir, &ph);
	if (r == PAM_SUCCESS) {
		r = pam_authenticate(ph, 0);
		if (stack_kb != NULL && (rss1 = status_kb("VmRSS")) - rss0 >
		    *stack_kb && rss0 >= 0)
			*stack_kb = rss1 - rss0;
		pam_end(ph, r);
	}
	*ns = bench_mono_ns() - t0;
	return r;
}

static int
login(uint64_t u, const char *code, int64_t *ns)
{
	return login_mem(u, code, ns, NULL);
}

static void
count(struct worker_res *res, int r)
{
	if (r == PAM_SUCCESS)
		res->ok++;
	else if (r == PAM_AUTH_ERR)
		res->auth_err++;
	else {
		res->other_err++;
		res->other_code = r;
	}
}

/* --- the clients ------------------------------------------------------------ */

static void
bar(void)
{
	(void)pthread_barrier_wait(&sh->bar);
}

/* User and clock for log-in j of client w (the rule in the header). */
static uint64_t
bench_user(int w, long j)
{
	if (o.procs == 1) {
		bench_clock_advance(clk, BU_PERIOD);
		return bu_walk((uint64_t)j, o.n);
	}
	return bu_walk((uint64_t)w + (uint64_t)o.procs * (uint64_t)j, o.n);
}

static void
run_bench(int w, struct worker_res *res)
{
	uint64_t *mylat = lat + (size_t)w * lat_cap;
	long per = o.iter, j;
	int64_t deadline, ns;
	char code[BU_DIGITS + 1];
	uint64_t u;
	int r;

	if (o.procs > 1) {
		long cap = (long)((o.n - (uint64_t)w + (uint64_t)o.procs - 1) /
		    (uint64_t)o.procs);
		if (per > cap - o.warmup)
			per = cap - o.warmup;
	}
	/* Warm-up, untimed: also where the memory of the stack is read. */
	for (j = 0; j < o.warmup; j++) {
		u = bench_user(w, j);
		if (code_at(u, bench_clock_now(clk), code) == 0)
			(void)login_mem(u, code, &ns, &res->stack_kb);
	}
	bar();		/* everyone warm: the timed part */
	res->cpu_ns = bench_cpu_ns();
	res->start_ns = bench_mono_ns();
	deadline = res->start_ns + (int64_t)(o.seconds * 1e9);
	for (j = o.warmup; j < o.warmup + per; j++) {
		if (j > o.warmup && bench_mono_ns() >= deadline)
			break;
		u = bench_user(w, j);
		if (code_at(u, bench_clock_now(clk), code) != 0) {
			res->failed_setup = 1;
			break;
		}
		r = login(u, code, &ns);
		count(res, r);
		if (r == PAM_SUCCESS && (size_t)res->nlat < lat_cap)
			mylat[res->nlat++] = (uint64_t)ns;
	}
	res->end_ns = bench_mono_ns();
}

static void
run_rounds(int w, struct worker_res *res)
{
	uint64_t *mylat = lat + (size_t)w * lat_cap;
	uint64_t u0 = o.mode == M_RACE ? o.user : o.user + (uint64_t)w, u = u0;
	char code[BU_DIGITS + 1];
	int64_t ns;
	long k;
	int r;

	bar();
	res->cpu_ns = bench_cpu_ns();
	res->start_ns = bench_mono_ns();
	for (k = 0; k < o.rounds; k++) {
		bar();
		if (w == 0)
			bench_clock_advance(clk, BU_PERIOD);
		bar();
		if (o.rotate)
			u = (u0 + (uint64_t)k * (o.mode == M_RACE ? 1 :
			    (uint64_t)o.procs)) % o.n;
		if (code_at(u, bench_clock_now(clk), code) != 0)
			res->failed_setup = 1;
		bar();		/* all at once */
		r = login(u, code, &ns);
		count(res, r);
		if (r == PAM_SUCCESS) {
			__atomic_add_fetch(&sh->accepted[k], 1, __ATOMIC_RELAXED);
			if ((size_t)res->nlat < lat_cap)
				mylat[res->nlat++] = (uint64_t)ns;
		}
	}
	res->end_ns = bench_mono_ns();
}

static void
run_wrong(int w, struct worker_res *res)
{
	char code[BU_DIGITS + 1];
	int64_t ns;
	long k;
	int r;

	bar();
	res->cpu_ns = bench_cpu_ns();
	res->start_ns = bench_mono_ns();
	for (k = 0; k < o.attempts; k++) {
		if (wrong_code(o.user, bench_clock_now(clk),
		    (unsigned)(w * 100003 + k + 1), code) != 0) {
			res->failed_setup = 1;
			break;
		}
		r = login(o.user, code, &ns);
		count(res, r);
	}
	res->end_ns = bench_mono_ns();
}

static void
worker(int w)
{
	struct worker_res *res = &sh->res[w];
	struct rusage ru;

	res->rss_start_kb = status_kb("VmRSS");
	o.service = svc[w % nsvc];
	switch (o.mode) {
	case M_BENCH:
		run_bench(w, res);
		break;
	case M_RACE:
	case M_USERS:
		run_rounds(w, res);
		break;
	case M_WRONG:
		run_wrong(w, res);
		break;
	case M_CLOCK:
	case M_FSYNC:
		break;
	}
	res->cpu_ns = bench_cpu_ns() - res->cpu_ns;
	res->hwm_end_kb = status_kb("VmHWM");
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		res->maxrss_kb = ru.ru_maxrss;
	_exit(0);
}

/* --- results ---------------------------------------------------------------- */

static int
report(void)
{
	struct worker_res t;
	uint64_t *all;
	size_t nall = 0, i;
	int64_t start = INT64_MAX, end = 0, maxrss = 0, added = 0, cpu = 0;
	int64_t stack = 0;
	double secs, med, p99, rate;
	long dbl = 0, none = 0, rounds = 0;
	int w, setup = 0;
	FILE *out = stdout;
	const char *mode = o.mode == M_BENCH ? "bench" : o.mode == M_RACE ?
	    "race" : o.mode == M_USERS ? "users" : "wrong";

	memset(&t, 0, sizeof(t));
	if ((all = calloc((size_t)o.procs * lat_cap + 1, sizeof(*all))) == NULL)
		return 1;
	for (w = 0; w < o.procs; w++) {
		struct worker_res *r = &sh->res[w];

		t.ok += r->ok;
		t.auth_err += r->auth_err;
		t.other_err += r->other_err;
		if (r->other_err)
			t.other_code = r->other_code;
		setup |= r->failed_setup;
		if (r->start_ns < start)
			start = r->start_ns;
		if (r->end_ns > end)
			end = r->end_ns;
		if (r->maxrss_kb > maxrss)
			maxrss = r->maxrss_kb;
		if (r->hwm_end_kb - r->rss_start_kb > added)
			added = r->hwm_end_kb - r->rss_start_kb;
		cpu += r->cpu_ns;
		if (r->stack_kb > stack)
			stack = r->stack_kb;
		memcpy(all + nall, lat + (size_t)w * lat_cap,
		    (size_t)r->nlat * sizeof(*all));
		nall += (size_t)r->nlat;
	}
	qsort(all, nall, sizeof(*all), bench_cmp_u64);
	med = bench_pct(all, nall, 50);
	p99 = bench_pct(all, nall, 99);
	free(all);
	secs = end > start ? (double)(end - start) / 1e9 : 0;
	rate = secs > 0 ? (double)t.ok / secs : 0;
	if (o.mode == M_RACE || o.mode == M_USERS) {
		rounds = o.rounds;
		for (i = 0; i < (size_t)o.rounds; i++) {
			dbl += sh->accepted[i] > 1;
			none += sh->accepted[i] == 0;
		}
	}
	if (o.json != NULL && (out = fopen(o.json, "a")) == NULL) {
		fprintf(stderr, "pambench: %s: %s\n", o.json, strerror(errno));
		return 1;
	}
	fprintf(out, "{\"system\":\"%s\",\"mode\":\"%s\",\"users\":%" PRIu64
	    ",\"clients\":%d,\"logins\":%" PRId64 ",\"ok\":%" PRId64
	    ",\"auth_err\":%" PRId64 ",\"other_err\":%" PRId64
	    ",\"seconds\":%.3f,\"median_us\":%.1f,\"p99_us\":%.1f"
	    ",\"logins_per_s\":%.0f,\"client_maxrss_kb\":%" PRId64
	    ",\"client_added_kb\":%" PRId64 ",\"client_stack_kb\":%" PRId64
	    ",\"client_cpu_us_per_login\":%.1f",
	    o.system, mode, o.n, o.procs, t.ok + t.auth_err + t.other_err,
	    t.ok, t.auth_err, t.other_err, secs, med, p99, rate, maxrss, added,
	    stack,
	    t.ok + t.auth_err + t.other_err > 0 ? (double)cpu / 1000.0 /
	    (double)(t.ok + t.auth_err + t.other_err) : 0.0);
	if (o.mode == M_RACE)
		fprintf(out, ",\"rounds\":%ld,\"double_accept_rounds\":%ld"
		    ",\"rounds_none_accepted\":%ld", rounds, dbl, none);
	if (o.mode == M_USERS)
		fprintf(out, ",\"rounds\":%ld,\"correct_refused\":%" PRId64,
		    rounds, rounds * o.procs - t.ok);
	if (o.mode == M_WRONG)
		fprintf(out, ",\"attempts\":%" PRId64 ",\"refused\":%" PRId64,
		    t.ok + t.auth_err + t.other_err, t.auth_err + t.other_err);
	fprintf(out, "}\n");
	if (out != stdout && fclose(out) != 0)
		return 1;
	fprintf(stderr, "pambench: %s %s N=%" PRIu64 " K=%d: %" PRId64
	    " ok, %" PRId64 " PAM_AUTH_ERR, %" PRId64 " other (last %s), "
	    "median %.0f us, p99 %.0f us, %.0f/s, client maxrss %" PRId64
	    " KiB (+%" PRId64 " KiB over the start)\n", o.system, mode, o.n,
	    o.procs, t.ok, t.auth_err, t.other_err, t.other_err ?
	    pam_strerror(NULL, (int)t.other_code) : "-", med, p99, rate,
	    maxrss, added);
	if (setup)
		fprintf(stderr, "pambench: a client could not compute a code\n");
	return setup;
}

/*
 * The cost of one durable write here and now: -i times, 4 KiB written
 * into a file of -c's directory and fdatasync()ed.  Every system that
 * keeps its promises after a crash pays at least this once per log-in.
 */
static int
fsync_probe(void)
{
	char path[4096], buf[4096];
	uint64_t *v;
	int64_t t0;
	long i;
	int fd;

	snprintf(path, sizeof(path), "%s/fsync.probe", o.confdir);
	memset(buf, 'k', sizeof(buf));
	if ((v = calloc((size_t)o.iter, sizeof(*v))) == NULL)
		return 1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		fprintf(stderr, "pambench: %s: %s\n", path, strerror(errno));
		free(v);
		return 1;
	}
	for (i = 0; i < o.iter; i++) {
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * 4096) !=
		    (ssize_t)sizeof(buf))
			break;
		t0 = bench_mono_ns();
		if (fdatasync(fd) != 0)
			break;
		v[i] = (uint64_t)(bench_mono_ns() - t0);
	}
	close(fd);
	unlink(path);
	if (i < o.iter) {
		fprintf(stderr, "pambench: %s: write or fdatasync failed\n", path);
		free(v);
		return 1;
	}
	qsort(v, (size_t)o.iter, sizeof(*v), bench_cmp_u64);
	printf("{\"system\":\"%s\",\"mode\":\"fsync\",\"writes\":%ld,"
	    "\"median_us\":%.1f,\"p99_us\":%.1f}\n", o.system, o.iter,
	    bench_pct(v, (size_t)o.iter, 50), bench_pct(v, (size_t)o.iter, 99));
	free(v);
	return 0;
}

static int
b32_decode(const char *s, uint8_t *out, size_t max, size_t *len)
{
	unsigned buf = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s != '\0' && *s != '='; s++) {
		const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		const char *p = strchr(al, *s >= 'a' && *s <= 'z' ? *s - 32 : *s);

		if (p == NULL || *s == '\0')
			return -1;
		buf = (buf << 5) | (unsigned)(p - al);
		bits += 5;
		if (bits >= 8) {
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	*len = n;
	return n > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	pthread_barrierattr_t ba;
	size_t size;
	pid_t pids[MAX_PROCS];
	char *svc_list, *tok, *save = NULL;
	int c, w, st, rc = 0;

	o.system = "?";
	o.procs = 1;
	o.iter = 1000;
	o.seconds = 2;
	o.warmup = 10;
	o.rounds = 100;
	o.attempts = 10;
	o.n = 1;
	while ((c = getopt(argc, argv, "a:c:d:i:j:k:m:n:p:P:Rr:s:S:u:U:w:x:"))
	    != -1) {
		switch (c) {
		case 'a': o.attempts = bench_num(optarg, 1, MAX_ITER); break;
		case 'c': o.confdir = optarg; break;
		case 'd': o.seconds = dnum(optarg); break;
		case 'i': o.iter = bench_num(optarg, 1, MAX_ITER); break;
		case 'j': o.json = optarg; break;
		case 'k': o.clock = optarg; break;
		case 'n': o.n = (uint64_t)bench_num(optarg, 1, 100000000); break;
		case 'p': o.password = optarg; break;
		case 'P': o.procs = (int)bench_num(optarg, 1, MAX_PROCS); break;
		case 'r': o.rounds = bench_num(optarg, 1, MAX_ROUNDS); break;
		case 's': o.service = optarg; break;
		case 'S': o.system = optarg; break;
		case 'u': o.user = (uint64_t)bench_num(optarg, 0, 100000000); break;
		case 'R': o.rotate = 1; break;
		case 'U': o.user_name = optarg; break;
		case 'w': o.warmup = bench_num(optarg, 0, MAX_ITER); break;
		case 'x': o.secret_b32 = optarg; break;
		case 'm':
			if (strcmp(optarg, "bench") == 0) o.mode = M_BENCH;
			else if (strcmp(optarg, "race") == 0) o.mode = M_RACE;
			else if (strcmp(optarg, "users") == 0) o.mode = M_USERS;
			else if (strcmp(optarg, "wrong") == 0) o.mode = M_WRONG;
			else if (strcmp(optarg, "clock") == 0) o.mode = M_CLOCK;
			else if (strcmp(optarg, "fsync") == 0) o.mode = M_FSYNC;
			else usage();
			break;
		default:
			usage();
		}
	}
	if (o.mode == M_FSYNC) {
		if (optind != argc || o.confdir == NULL)
			usage();
		return fsync_probe();
	}
	if (optind != argc || o.clock == NULL)
		usage();
	if (o.mode == M_CLOCK)
		return clock_create(o.clock);
	if (o.confdir == NULL || o.service == NULL ||
	    (o.user_name != NULL) != (o.secret_b32 != NULL))
		usage();
	if (o.secret_b32 != NULL && b32_decode(o.secret_b32, fixed_secret,
	    sizeof(fixed_secret), &fixed_secret_len) != 0) {
		fprintf(stderr, "pambench: bad base32 secret\n");
		return 2;
	}
	if (o.mode == M_BENCH && o.procs > 1 &&
	    o.n < (uint64_t)o.procs * (uint64_t)(o.warmup + 1)) {
		fprintf(stderr, "pambench: %d clients need at least %ld users "
		    "(each user logs in once per run)\n", o.procs,
		    (long)o.procs * (o.warmup + 1));
		return 2;
	}
	if ((o.mode == M_USERS && o.user + (uint64_t)o.procs > o.n) ||
	    o.user >= o.n) {
		fprintf(stderr, "pambench: not enough users\n");
		return 2;
	}
	/* -s A,B,...: client w uses the (w mod count)-th service. */
	if ((svc_list = strdup(o.service)) == NULL)
		return 1;
	for (tok = strtok_r(svc_list, ",", &save); tok != NULL && nsvc < MAX_SVC;
	    tok = strtok_r(NULL, ",", &save))
		svc[nsvc++] = tok;
	if (nsvc == 0)
		usage();
	if ((clk = bench_clock_map(o.clock)) == NULL)
		return 1;
	if (oath_init() != OATH_OK)
		return 1;
	switch (o.mode) {
	case M_BENCH:
		lat_cap = (size_t)o.iter;
		break;
	case M_RACE:
	case M_USERS:
		lat_cap = (size_t)o.rounds;
		break;
	default:
		lat_cap = 1;
		break;
	}
	size = sizeof(*sh) + (size_t)o.procs * lat_cap * sizeof(*lat);
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	lat = (uint64_t *)(sh + 1);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(&sh->bar, &ba, (unsigned)o.procs) != 0)
		return 1;
	/* Several clients share one step per run: make it a new one. */
	if (o.mode == M_BENCH && o.procs > 1)
		bench_clock_advance(clk, BU_PERIOD);
	if (o.mode == M_WRONG)
		bench_clock_advance(clk, BU_PERIOD);
	fflush(NULL);
	for (w = 0; w < o.procs; w++) {
		if ((pids[w] = fork()) < 0) {
			perror("pambench: fork");
			for (c = 0; c < w; c++)
				kill(pids[c], SIGKILL);
			return 1;
		}
		if (pids[w] == 0)
			worker(w);
	}
	for (w = 0; w < o.procs; w++) {
		if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "pambench: client %d died\n", w);
			rc = 1;
		}
	}
	if (report() != 0)
		rc = 1;
	oath_done();
	return rc;
}

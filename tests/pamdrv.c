/*
 * pamdrv.c - drive a real PAM stack from a test directory.
 *
 *   pamdrv -c CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]
 *          [-o auth|acct|both|session] [-S SECONDS] [-H] [-N]
 *          [-e VAR=VALUE] [ANSWER ...]
 *
 * Runs CONFDIR/SERVICE through pam_start_confdir() (no LD_PRELOAD, nothing
 * written outside the test directory) and prints one line per
 * conversation message: "PROMPT: text" (echo on or off), "ERROR: text",
 * "INFO: text".  Prompts are answered from the ANSWER list in order; an
 * answer "-" reads one line from standard input.  When the answers run out
 * the conversation fails (PAM_CONV_ERR).  Answers are wiped after use.
 * Options end at the first answer (or "--"), so answers may start with '-'.
 *
 * Ends with "auth=NAME" and/or "acct=NAME", NAME the symbolic PAM code;
 * with -o both, both operations run whatever the first returned.
 *
 * -o session is a log-in like login(1)'s: pamdrv first becomes a session
 * leader (setsid), runs auth and account, and when both succeed
 * pam_open_session ("open=NAME"); then it forks the "shell": a child
 * that starts a session of its own (setsid, as sshd's shells do), prints
 * "child=PID", and sleeps SECONDS (-S, default 600; with -H it ignores
 * SIGHUP).  When the child ends, pam_close_session ("close=NAME").  With
 * -N, pamdrv and its child stay in the session they were started in, as
 * a service started outside any session of its own does.  -e
 * puts VAR=VALUE in PAM's environment first (pam_putenv).  -F ends with
 * "calls=N", the allocations the failing allocator of tests/failmalloc.c
 * (preloaded; armed by tests/pam_failarm.c in the stack) counted.  Exit
 * status: 0 when every operation returned PAM_SUCCESS, 1 otherwise, 2 on
 * a usage error.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define ANSWER_MAX 1024

static char outbuf[8192];

struct drv {
	char **answers;
	int nanswers;
	int next;
};

#define PAM_NAME(x) { x, #x }
static const struct {
	int code;
	const char *name;
} pam_names[] = {
	PAM_NAME(PAM_SUCCESS), PAM_NAME(PAM_OPEN_ERR),
	PAM_NAME(PAM_SYMBOL_ERR), PAM_NAME(PAM_SERVICE_ERR),
	PAM_NAME(PAM_SYSTEM_ERR), PAM_NAME(PAM_BUF_ERR),
	PAM_NAME(PAM_PERM_DENIED), PAM_NAME(PAM_AUTH_ERR),
	PAM_NAME(PAM_CRED_INSUFFICIENT), PAM_NAME(PAM_AUTHINFO_UNAVAIL),
	PAM_NAME(PAM_USER_UNKNOWN), PAM_NAME(PAM_MAXTRIES),
	PAM_NAME(PAM_NEW_AUTHTOK_REQD), PAM_NAME(PAM_ACCT_EXPIRED),
	PAM_NAME(PAM_SESSION_ERR), PAM_NAME(PAM_CRED_UNAVAIL),
	PAM_NAME(PAM_CRED_EXPIRED), PAM_NAME(PAM_CRED_ERR),
	PAM_NAME(PAM_NO_MODULE_DATA), PAM_NAME(PAM_CONV_ERR),
	PAM_NAME(PAM_AUTHTOK_ERR), PAM_NAME(PAM_AUTHTOK_RECOVERY_ERR),
	PAM_NAME(PAM_AUTHTOK_LOCK_BUSY), PAM_NAME(PAM_AUTHTOK_DISABLE_AGING),
	PAM_NAME(PAM_TRY_AGAIN), PAM_NAME(PAM_IGNORE), PAM_NAME(PAM_ABORT),
	PAM_NAME(PAM_AUTHTOK_EXPIRED), PAM_NAME(PAM_MODULE_UNKNOWN),
	PAM_NAME(PAM_BAD_ITEM), PAM_NAME(PAM_CONV_AGAIN),
	PAM_NAME(PAM_INCOMPLETE),
};

static void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

static void
free_str(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

static const char *
pam_name(int code)
{
	static char unknown[32];
	size_t i;

	for (i = 0; i < sizeof(pam_names) / sizeof(pam_names[0]); i++)
		if (pam_names[i].code == code)
			return pam_names[i].name;
	snprintf(unknown, sizeof(unknown), "PAM_CODE_%d", code);
	return unknown;
}

/* The next answer, freshly allocated, or NULL when there is none. */
static char *
next_answer(struct drv *d)
{
	char line[ANSWER_MAX + 2];
	char *a = NULL;
	size_t n;

	if (d->next >= d->nanswers) {
		d->next = d->nanswers + 1;	/* none left: not memory */
		return NULL;
	}
	errno = 0;
	if (strcmp(d->answers[d->next], "-") != 0) {
		a = strdup(d->answers[d->next]);
		d->next++;
		return a;
	}
	d->next++;
	if (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		a = strdup(line);
	}
	wipe(line, sizeof(line));
	return a;
}

static void
free_replies(struct pam_response *r, int n)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		free_str(r[i].resp);
	wipe(r, sizeof(*r) * (size_t)n);
	free(r);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct drv *d = data;
	struct pam_response *r;
	const char *text;
	int i;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		text = msg[i]->msg != NULL ? msg[i]->msg : "";
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			printf("PROMPT: %s\n", text);
			if ((r[i].resp = next_answer(d)) == NULL) {
				free_replies(r, n);
				/* An answer there was, and no memory for it. */
				return d->next <= d->nanswers && errno == ENOMEM ?
				    PAM_BUF_ERR : PAM_CONV_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			printf("ERROR: %s\n", text);
			break;
		case PAM_TEXT_INFO:
			printf("INFO: %s\n", text);
			break;
		default:
			free_replies(r, n);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* tests/failmalloc.c's count, when it is preloaded. */
static long (*arm_calls)(void);

static void
failmalloc_find(void)
{
	*(void **)&arm_calls = dlsym(RTLD_DEFAULT, "kagi_failmalloc_calls");
	if (arm_calls == NULL) {
		fprintf(stderr, "pamdrv: -F: tests/failmalloc.c is not "
		    "preloaded\n");
		exit(2);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: pamdrv -c CONFDIR -s SERVICE -u USER "
	    "[-r RHOST] [-t TTY] [-o auth|acct|both|session] [-S SECONDS] "
	    "[-H] [-N] [-e VAR=VALUE] [-F] [ANSWER ...]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *user = NULL;
	const char *rhost = NULL, *tty = NULL, *ops = "auth", *env = NULL;
	long child_secs = 600;
	int ignore_hup = 0, own_session = 1, do_session, fail = 0;
	char *end;
	struct drv d = { NULL, 0, 0 };
	struct pam_conv pc = { conv, &d };
	pam_handle_t *pamh = NULL;
	int c, i, pr, last = PAM_SUCCESS, do_auth, do_acct, failed = 0;

	/* Like login(1): the host runs in the locale of its environment. */
	setlocale(LC_ALL, "");
	/* A buffer of our own: printing a message allocates nothing, so a
	 * walk of allocations (allocfail.sh) meets only the module's. */
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	while ((c = getopt(argc, argv, "+c:s:u:r:t:o:S:HNe:F")) != -1) {
		switch (c) {
		case 'c': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'r': rhost = optarg; break;
		case 't': tty = optarg; break;
		case 'o': ops = optarg; break;
		case 'S':
			child_secs = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || child_secs < 0 ||
			    child_secs > 86400)
				return usage();
			break;
		case 'H': ignore_hup = 1; break;
		case 'N': own_session = 0; break;
		case 'e': env = optarg; break;
		case 'F': fail = 1; break;
		default: return usage();
		}
	}
	if (confdir == NULL || service == NULL || user == NULL)
		return usage();
	if (fail)
		failmalloc_find();
	do_session = strcmp(ops, "session") == 0;
	do_auth = strcmp(ops, "auth") == 0 || strcmp(ops, "both") == 0 ||
	    do_session;
	do_acct = strcmp(ops, "acct") == 0 || strcmp(ops, "both") == 0 ||
	    do_session;
	if (!do_auth && !do_acct)
		return usage();
	d.answers = argv + optind;
	d.nanswers = argc - optind;

	/* The session kagid may end is pamdrv's own, never the caller's. */
	if (do_session && own_session && setsid() < 0) {
		perror("pamdrv: setsid");
		return 1;
	}
	pr = pam_start_confdir(service, user, &pc, confdir, &pamh);
	if (pr != PAM_SUCCESS) {
		fprintf(stderr, "pamdrv: pam_start_confdir: %s\n",
		    pam_name(pr));
		printf("start=%s\n", pam_name(pr));
		return 1;
	}
	if ((rhost != NULL &&
	    (pr = pam_set_item(pamh, PAM_RHOST, rhost)) != PAM_SUCCESS) ||
	    (tty != NULL &&
	    (pr = pam_set_item(pamh, PAM_TTY, tty)) != PAM_SUCCESS)) {
		fprintf(stderr, "pamdrv: pam_set_item: %s\n", pam_name(pr));
		pam_end(pamh, pr);
		return 1;
	}
	if (env != NULL && (pr = pam_putenv(pamh, env)) != PAM_SUCCESS) {
		fprintf(stderr, "pamdrv: pam_putenv: %s\n", pam_name(pr));
		pam_end(pamh, pr);
		return 1;
	}
	if (do_auth) {
		last = pam_authenticate(pamh, 0);
		printf("auth=%s\n", pam_name(last));
		failed |= last != PAM_SUCCESS;
	}
	if (do_acct) {
		last = pam_acct_mgmt(pamh, 0);
		printf("acct=%s\n", pam_name(last));
		failed |= last != PAM_SUCCESS;
	}
	if (fail)
		printf("calls=%ld\n", arm_calls());
	if (do_session && !failed) {
		last = pam_open_session(pamh, 0);
		printf("open=%s\n", pam_name(last));
		failed |= last != PAM_SUCCESS;
	}
	if (do_session && !failed) {
		pid_t child = fork(), w;
		int st;

		if (child < 0) {
			perror("pamdrv: fork");
			failed = 1;
		} else if (child == 0) {
			struct timespec ts = { child_secs, 0 };

			if (own_session)
				(void)setsid();
			if (ignore_hup)
				signal(SIGHUP, SIG_IGN);
			while (nanosleep(&ts, &ts) != 0)
				;
			_exit(0);
		} else {
			printf("child=%ld\n", (long)child);
			while ((w = waitpid(child, &st, 0)) < 0)
				;
			last = pam_close_session(pamh, 0);
			printf("close=%s\n", pam_name(last));
			failed |= last != PAM_SUCCESS;
		}
	}
	pam_end(pamh, last);
	for (i = 0; i < d.nanswers; i++)
		wipe(d.answers[i], strlen(d.answers[i]));
	return failed ? 1 : 0;
}

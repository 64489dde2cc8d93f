/*
 * compliance_pam.c - what the PAM stacks of this machine say about kagi,
 * for the compliance check (compliance_int.h; R-MFA-1..5, R-ACC-1,
 * R-ACC-2, R-TOK-9, R-PRIV-7, R-REM-2, R-REM-4).
 *
 * Every service file of compliance_pam_dir (not common-*, which the
 * services include) is read as Linux-PAM reads it: "@include FILE",
 * "TYPE include|substack FILE" followed (8 deep at most), a leading '-'
 * dropped, bracketed controls kept whole.  A service counts as kagi's
 * when its auth stack runs pam_kagi.so.  Files are opened like an
 * attacker placed them (no link followed, a regular file, a size cap);
 * one that cannot be read counts as a service that asks nothing.
 * Nothing here decides PASS or FAIL: it gathers facts.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compliance_int.h"
#include "kagi_err.h"

#define PAM_FILE_MAX (64 * 1024)
#define PAM_DEPTH 8
#define PAM_LINES 128

struct pam_line {
	char control[96];
	char module[64];	/* base name: "pam_unix.so" */
	char args[256];
};

struct pam_stack {
	struct pam_line v[PAM_LINES];
	size_t n;
};

/* Screen lockers' PAM services: they unlock a session (R-TOK-9). */
static const char *const lockers[] = { "xscreensaver", "gnome-screensaver",
    "cinnamon-screensaver", "mate-screensaver", "xfce4-screensaver",
    "i3lock", "swaylock", "kde", "kscreensaver", "xlock", "lightdm",
    "light-locker", NULL };

/* Modules that check a password (R-MFA-2); pam_matrix stands in for one
 * in kagi's tests. */
static const char *const password_modules[] = { "pam_unix.so",
    "pam_sss.so", "pam_ldap.so", "pam_krb5.so", "pam_winbind.so",
    "pam_matrix.so", NULL };

static int
one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

void
cc_list_add(struct cc_list *l, const char *item)
{
	size_t n = strlen(l->text);

	if (l->n++ > 0 && n + 2 < sizeof(l->text)) {
		memcpy(l->text + n, ", ", 3);
		n += 2;
	}
	if (n + strlen(item) + 4 >= sizeof(l->text)) {
		if (n + 4 < sizeof(l->text) && strstr(l->text, "...") == NULL)
			memcpy(l->text + n, "...", 4);
		return;
	}
	memcpy(l->text + n, item, strlen(item) + 1);
}

/* A file of dir as text, read safely; NULL when it cannot be read. */
static char *
read_file(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if (strchr(name, '/') != NULL ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > PAM_FILE_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* The next word of *p (a bracketed control whole); NULL at the end. */
static const char *
word(char **p)
{
	char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	if (*s == '[' && (e = strchr(s, ']')) != NULL)
		e++;
	else
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
	if (*e != '\0')
		*e++ = '\0';
	*p = e;
	return s;
}

/* Append the lines of type from file name of dir to st (includes too). */
static void
stack_read(const char *dir, const char *name, const char *type, int depth,
    struct pam_stack *st)
{
	char *buf, *line, *save = NULL, *p;
	const char *t, *c, *m, *slash;

	if (depth > PAM_DEPTH || (buf = read_file(dir, name)) == NULL)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line;
		if ((t = word(&p)) == NULL)
			continue;
		if (strcmp(t, "@include") == 0) {
			if ((m = word(&p)) != NULL)
				stack_read(dir, m, type, depth + 1, st);
			continue;
		}
		if (*t == '-')
			t++;
		if (strcmp(t, type) != 0 || (c = word(&p)) == NULL ||
		    (m = word(&p)) == NULL)
			continue;
		if (strcmp(c, "include") == 0 || strcmp(c, "substack") == 0) {
			stack_read(dir, m, type, depth + 1, st);
			continue;
		}
		if (st->n == PAM_LINES)
			break;
		slash = strrchr(m, '/');
		snprintf(st->v[st->n].control, sizeof(st->v[st->n].control),
		    "%s", c);
		snprintf(st->v[st->n].module, sizeof(st->v[st->n].module),
		    "%s", slash != NULL ? slash + 1 : m);
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(st->v[st->n].args, sizeof(st->v[st->n].args), "%s", p);
		st->n++;
	}
	free(buf);
}

static int
find_kagi(const struct pam_stack *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->v[i].module, "pam_kagi.so") == 0)
			return (int)i;
	return -1;
}

/* The value of key= in a bracketed control, or NULL. */
static const char *
bracket_value(const char *control, const char *key, char *out, size_t len)
{
	const char *p = strstr(control, key);
	size_t n;

	if (p == NULL || (p != control + 1 && p[-1] != ' '))
		return NULL;
	p += strlen(key);
	if (*p != '=')
		return NULL;
	p++;
	n = strcspn(p, " ]");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* A control under which the module's failure fails the stack. */
static int
control_strong(const char *c)
{
	char v[32];

	if (strcmp(c, "required") == 0 || strcmp(c, "requisite") == 0)
		return 1;
	if (c[0] != '[')
		return 0;
	return bracket_value(c, "default", v, sizeof(v)) != NULL &&
	    (strcmp(v, "bad") == 0 || strcmp(v, "die") == 0);
}

/* A line before pam_kagi (at k) that ends or jumps the stack past it. */
static int
bypasses(const struct pam_stack *st, size_t i, int k)
{
	const char *c = st->v[i].control;
	char v[32];
	long jump;
	char *end;

	if (strcmp(st->v[i].module, "pam_rootok.so") == 0)
		return 0;	/* root is root already */
	if (strcmp(c, "sufficient") == 0)
		return 1;
	if (c[0] != '[' || bracket_value(c, "success", v, sizeof(v)) == NULL)
		return 0;
	if (strcmp(v, "done") == 0)
		return 1;
	jump = strtol(v, &end, 10);
	return *end == '\0' && jump > 0 && (long)i + jump >= (long)k;
}

/* The zone= of a pam_kagi line; the module's default is mynumber. */
static void
zone_of(const char *args, char *out, size_t len)
{
	const char *p = strstr(args, "zone=");
	size_t n;

	if (p == NULL || (p != args && p[-1] != ' ')) {
		snprintf(out, len, "mynumber");
		return;
	}
	p += 5;
	n = strcspn(p, " \t");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

static void
service_facts(struct pam_facts *pf, const char *dir, const char *name)
{
	struct pam_stack *st;
	char item[512], zone[32];
	int k, password = 0, nullok = 0;
	size_t i;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		pf->err = KAGI_ERR_NOMEM;
		return;
	}
	stack_read(dir, name, "auth", 0, st);
	if ((k = find_kagi(st)) < 0)
		goto out;
	pf->nkagi++;
	cc_list_add(&pf->services, name);
	if (!control_strong(st->v[k].control)) {
		snprintf(item, sizeof(item), "%s (%s)", name,
		    st->v[k].control);
		cc_list_add(&pf->weak, item);
	}
	for (i = 0; i < (size_t)k; i++) {
		if (one_of(st->v[i].module, password_modules)) {
			password = 1;
			if (strstr(st->v[i].args, "nullok") != NULL)
				nullok = 1;
		}
		if (bypasses(st, i, k)) {
			snprintf(item, sizeof(item), "%s (%s %s)", name,
			    st->v[i].control, st->v[i].module);
			cc_list_add(&pf->bypass, item);
		}
	}
	if (!password)
		cc_list_add(&pf->no_password, name);
	if (nullok)
		cc_list_add(&pf->nullok, name);
	zone_of(st->v[k].args, zone, sizeof(zone));
	if (strstr(pf->zones.text, zone) == NULL)
		cc_list_add(&pf->zones, zone);
	if (strcmp(name, "sshd") == 0) {
		pf->sshd_kagi = control_strong(st->v[k].control);
		pf->sshd_password = password && !nullok;
	}
	memset(st, 0, sizeof(*st));
	stack_read(dir, name, "account", 0, st);
	if ((k = find_kagi(st)) < 0 || !control_strong(st->v[k].control))
		cc_list_add(&pf->no_account, name);
	else if (strcmp(name, "sshd") == 0)
		pf->sshd_account = 1;
	memset(st, 0, sizeof(*st));
	stack_read(dir, name, "session", 0, st);
	if ((k = find_kagi(st)) < 0 || !control_strong(st->v[k].control))
		cc_list_add(&pf->no_session, name);
 out:
	free(st);
}

/* A screen locker's service: does its auth stack ask kagi? */
static void
locker_facts(struct pam_facts *pf, const char *dir, const char *name)
{
	struct pam_stack *st;
	int k;

	if (!one_of(name, lockers) || (st = calloc(1, sizeof(*st))) == NULL)
		return;
	cc_list_add(&pf->lockers, name);
	stack_read(dir, name, "auth", 0, st);
	if ((k = find_kagi(st)) < 0 || !control_strong(st->v[k].control))
		cc_list_add(&pf->lockers_without, name);
	free(st);
}

int
pam_facts_read(const char *dir, struct pam_facts *pf)
{
	struct dirent **names = NULL;
	struct stat st;
	char path[1024];
	int i, n;

	memset(pf, 0, sizeof(*pf));
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		pf->unreadable = 1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] != '.' && strncmp(name, "common-", 7) != 0 &&
		    strchr(name, '~') == NULL &&
		    strstr(name, ".dpkg-") == NULL &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) <
		    (int)sizeof(path) && lstat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (strcmp(name, "sshd") == 0)
				pf->sshd = 1;
			service_facts(pf, dir, name);
			locker_facts(pf, dir, name);
		}
		free(names[i]);
	}
	free(names);
	return pf->err;
}

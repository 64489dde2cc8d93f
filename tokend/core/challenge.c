/*
 * challenge.c - the FIDO2 challenge table (challenge.h): a small array
 * searched linearly, since at most a few hundred log-ins are ever in
 * flight; expiry is checked on every take.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "challenge.h"
#include "kagi_err.h"
#include "wipe.h"

struct chal_entry {
	char bind[CHAL_BIND_MAX + 1];
	uint8_t chal[CHAL_LEN];
	int64_t issued;
	int64_t expires;
	int used;
};

struct chal_table {
	struct chal_entry *e;
	size_t n;
};

int
chal_table_new(struct chal_table **t)
{
	struct chal_table *v;

	*t = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((v->e = calloc(CHAL_TABLE_MAX, sizeof(*v->e))) == NULL) {
		free(v);
		return KAGI_ERR_NOMEM;
	}
	*t = v;
	return 0;
}

void
chal_table_free(struct chal_table **t)
{
	if (t == NULL || *t == NULL)
		return;
	kagi_wipe((*t)->e, CHAL_TABLE_MAX * sizeof(*(*t)->e));
	free((*t)->e);
	free(*t);
	*t = NULL;
}

static void
entry_drop(struct chal_entry *e)
{
	kagi_wipe_obj(e);
}

static struct chal_entry *
find(struct chal_table *t, const char *bind)
{
	size_t i;

	for (i = 0; i < CHAL_TABLE_MAX; i++)
		if (t->e[i].used && strcmp(t->e[i].bind, bind) == 0)
			return &t->e[i];
	return NULL;
}

/* A free slot: an unused one, else an expired one, else the oldest. */
static struct chal_entry *
slot(struct chal_table *t, int64_t now)
{
	struct chal_entry *oldest = NULL;
	size_t i;

	for (i = 0; i < CHAL_TABLE_MAX; i++)
		if (!t->e[i].used)
			return &t->e[i];
	for (i = 0; i < CHAL_TABLE_MAX; i++) {
		if (t->e[i].expires <= now)
			return &t->e[i];
		if (oldest == NULL || t->e[i].issued < oldest->issued)
			oldest = &t->e[i];
	}
	return oldest;
}

int
chal_issue(struct chal_table *t, const char *bind, int64_t now,
    int64_t lifetime, uint8_t out[CHAL_LEN])
{
	struct chal_entry *e;
	size_t n;

	if (bind == NULL || (n = strnlen(bind, CHAL_BIND_MAX + 1)) == 0 ||
	    n > CHAL_BIND_MAX || lifetime <= 0)
		return KAGI_ERR_INVALID;
	if ((e = find(t, bind)) == NULL) {
		e = slot(t, now);
		if (e->used)
			t->n--;
		t->n++;
	}
	entry_drop(e);
	if (RAND_bytes(e->chal, CHAL_LEN) != 1) {
		t->n--;
		return KAGI_ERR_CRYPTO;
	}
	memcpy(e->bind, bind, n + 1);
	e->issued = now;
	e->expires = now + lifetime;
	e->used = 1;
	memcpy(out, e->chal, CHAL_LEN);
	return 0;
}

int
chal_take(struct chal_table *t, const char *bind, int64_t now,
    uint8_t out[CHAL_LEN])
{
	struct chal_entry *e;
	int expired;

	if (bind == NULL || strnlen(bind, CHAL_BIND_MAX + 1) > CHAL_BIND_MAX)
		return KAGI_ERR_INVALID;
	if ((e = find(t, bind)) == NULL)
		return KAGI_ERR_NOT_FOUND;
	expired = now >= e->expires || now < e->issued;
	if (!expired)
		memcpy(out, e->chal, CHAL_LEN);
	entry_drop(e);
	t->n--;
	return expired ? KAGI_ERR_NOT_FOUND : 0;
}

size_t
chal_count(const struct chal_table *t)
{
	return t->n;
}

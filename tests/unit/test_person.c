/*
 * test_person.c - who is a person (tokend/core/person.c, R-PRIV-3,
 * R-LOG-5): the two-person rule compares the people behind callers, their
 * audit login uids, not their uids; root is nobody in particular, and a
 * caller without a login uid (or with 0) is no person.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "person.h"

static struct peer
peer(unsigned uid, const char *name, uid_t luid, const char *person)
{
	struct peer p;

	memset(&p, 0, sizeof(p));
	p.uid = (uid_t)uid;
	p.loginuid = luid;
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.person, sizeof(p.person), "%s", person);
	return p;
}

static void
test_a_caller_with_no_login_uid_or_login_uid_0_is_no_person(void **state)
{
	struct peer root = peer(0, "root", PEER_NO_LOGINUID, "");
	struct peer console = peer(0, "root", 0, "root");
	struct peer service = peer(1000, "alice", PEER_NO_LOGINUID, "");
	struct peer sudo = peer(0, "root", 1000, "alice");
	struct peer alice = peer(1000, "alice", 1000, "alice");

	(void)state;
	assert_false(person_known(&root));
	assert_false(person_known(&console));
	assert_false(person_known(&service));
	assert_true(person_known(&sudo));
	assert_true(person_known(&alice));
	assert_int_equal(person_luid(&root), -1);
	assert_int_equal(person_luid(&sudo), 1000);
	assert_false(person_luid_known(-1));
	assert_false(person_luid_known(0));
	assert_true(person_luid_known(1000));
}

static void
test_root_is_the_person_behind_it_not_everyone(void **state)
{
	struct peer alice_sudo = peer(0, "root", 1000, "alice");
	struct peer bob_sudo = peer(0, "root", 1001, "bob");
	struct peer alice = peer(1000, "alice", 1000, "alice");

	(void)state;
	/* Asked by root logged in as alice (uid 0, login uid 1000). */
	assert_true(person_is(&alice_sudo, 0, 1000, "root"));
	assert_true(person_is(&alice, 0, 1000, "root"));
	assert_false(person_is(&bob_sudo, 0, 1000, "root"));
	/* Asked by alice herself: root logged in as alice is alice. */
	assert_true(person_is(&alice_sudo, 1000, 1000, "alice"));
	assert_false(person_is(&bob_sudo, 1000, 1000, "alice"));
}

static void
test_the_same_account_is_the_same_person_whoever_logged_in(void **state)
{
	/* bob's account used by carol (su): still bob's account. */
	struct peer carol_as_bob = peer(1001, "bob", 1002, "carol");
	/* alice's account used by bob. */
	struct peer bob_as_alice = peer(1000, "alice", 1001, "bob");

	(void)state;
	assert_true(person_is(&carol_as_bob, 1001, 1001, "bob"));
	/* Asked by bob (as root): bob is behind bob_as_alice. */
	assert_true(person_is(&bob_as_alice, 0, 1001, "root"));
	/* The same user name under another uid (a renamed account). */
	assert_true(person_is(&carol_as_bob, 2001, 2001, "bob"));
}

static void
test_an_account_is_its_users_and_its_persons(void **state)
{
	struct peer alice = peer(1000, "alice", 1000, "alice");
	struct peer alice_sudo = peer(0, "root", 1000, "alice");
	struct peer root = peer(0, "root", PEER_NO_LOGINUID, "");

	(void)state;
	assert_true(person_owns(&alice, "alice"));
	assert_true(person_owns(&alice, "Alice"));	/* canonical form */
	assert_true(person_owns(&alice_sudo, "alice"));
	assert_false(person_owns(&alice_sudo, "root"));
	assert_false(person_owns(&alice, "bob"));
	assert_false(person_owns(&root, "root"));
	assert_false(person_owns(&root, "alice"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_a_caller_with_no_login_uid_or_login_uid_0_is_no_person),
		cmocka_unit_test(test_root_is_the_person_behind_it_not_everyone),
		cmocka_unit_test(
		    test_the_same_account_is_the_same_person_whoever_logged_in),
		cmocka_unit_test(test_an_account_is_its_users_and_its_persons),
	};

	return cmocka_run_group_tests_name("person", tests, NULL, NULL);
}

/*
 * kit_test.h — how a lab's cmocka tests are described and run.
 *
 * Each lab has one test program (tests/test_labNN.c in the lab directory) with a table of
 * struct kit_test: a name, the cmocka function, points and a one-line
 * description of what it checks. kit_test_main() gives the program three modes:
 *
 *   ./test_lab01                 run every test in this process (for students)
 *   ./test_lab01 --list          print the table: name<TAB>points<TAB>timeout<TAB>checks<TAB>needs
 *   ./test_lab01 --run NAME      run one test (the grader forks one process per test)
 *
 * Failures should say what is wrong and what to look at: use kit_fail() or the
 * cmocka assert_* macros with a kit_note() before them.
 *
 * The verdict. Under the grader (KIT_RESULT_FD set), --run writes one line, "pass" or
 * "fail", to that file descriptor, and "pass" only when the test function returned
 * normally and cmocka counted no failure. The grader scores a test only on that line
 * and the exit status, never on what the test printed: a submission that prints
 * cmocka's or the kit's markers changes nothing.
 *
 * Skips. What a test needs from the machine is in its table ("root"); the grader
 * checks it before it starts the test and skips the test with the fix when it is
 * missing. A test that reaches kit_skip() under the grader has failed: the machine
 * lacks something the table did not say, and the message says what.
 */
#ifndef BYPASSLAB_KIT_TEST_H
#define BYPASSLAB_KIT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

struct kit_test {
	const char *name;
	CMUnitTestFunction run;
	CMFixtureFunction setup;     /* may be NULL */
	CMFixtureFunction teardown;  /* may be NULL */
	int points;
	int timeout_s;               /* 0: the grader's default (10 s) */
	const char *checks;          /* one line shown in the grade table */
	const char *needs;           /* what the machine must give: NULL, "root" */
};

int kit_test_main(int argc, char **argv, const char *suite,
		  const struct kit_test *tests, size_t count);

/* Print "KIT-NOTE: ..." — context the grader shows when the test fails. */
void kit_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "KIT-FAIL: ..." and fail the test. */
void kit_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print "KIT-SKIP: ..." and stop the test: run by hand, it is skipped; under the
 * grader it fails with this reason (the grader decides skips, from `needs`). */
void kit_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* 1 when running as root (needed for netns, AF_PACKET, PFNs in pagemap). */
int kit_is_root(void);

#endif

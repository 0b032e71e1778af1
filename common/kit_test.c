/* kit_test.c — the three modes of a lab's test program (see kit_test.h). */
#include "kit_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void vprint_tagged(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stdout, "%s: ", tag);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void kit_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_tagged("KIT-NOTE", fmt, ap);
	va_end(ap);
}

void kit_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_tagged("KIT-FAIL", fmt, ap);
	va_end(ap);
	fail();
	abort(); /* not reached: fail() long-jumps out of the test */
}

void kit_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_tagged("KIT-SKIP", fmt, ap);
	va_end(ap);
	skip();
	abort(); /* not reached */
}

int kit_is_root(void)
{
	return geteuid() == 0;
}

static struct CMUnitTest to_cmocka(const struct kit_test *t)
{
	struct CMUnitTest c = {
		.name = t->name,
		.test_func = t->run,
		.setup_func = t->setup,
		.teardown_func = t->teardown,
		.initial_state = NULL,
	};
	return c;
}

/* --run: the one test, and whether its function came back by itself (cmocka's
 * fail() and skip() long-jump past the end of run_one). */
static CMUnitTestFunction the_test;
static int test_returned;

/* The fault handlers that were there before cmocka's (AddressSanitizer's): cmocka
 * catches SIGSEGV and prints only "Segmentation fault(11)"; ASan's handler prints
 * the faulting file and line, which the grader shows. */
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static struct sigaction saved_fault_handlers[4];

static void run_one(void **state)
{
	for (int i = 0; i < 4; i++)
		sigaction(fault_signals[i], &saved_fault_handlers[i], NULL);
	the_test(state);
	test_returned = 1;
}

/* KIT_RESULT_FD, when the grader set it: a pipe that only the verdict goes to.
 * It is moved off its well-known number and the variable removed before the
 * test runs. Returns -1 when not under the grader. */
static int take_result_fd(void)
{
	const char *env = getenv("KIT_RESULT_FD");
	if (!env)
		return -1;
	int fd = atoi(env);
	unsetenv("KIT_RESULT_FD");
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 200);   /* programs the test starts do not get it */
	close(fd);
	return moved;
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--list | --run TEST_NAME]\n"
		"  no option: run every test in this process\n"
		"  --list:    print name, points, timeout, what each test checks, what it needs\n"
		"  --run:     run one test (the grader uses this, one process per test)\n", prog);
	return 2;
}

int kit_test_main(int argc, char **argv, const char *suite,
		  const struct kit_test *tests, size_t count)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < count; i++)
			printf("%s\t%d\t%d\t%s\t%s\n", tests[i].name, tests[i].points,
			       tests[i].timeout_s, tests[i].checks, tests[i].needs ? tests[i].needs : "");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--run") == 0) {
		for (size_t i = 0; i < count; i++) {
			if (strcmp(tests[i].name, argv[2]) != 0)
				continue;
			int result_fd = take_result_fd();
			setenv("KIT_TEST", tests[i].name, 1);   /* for helpers that name requests */
			for (int k = 0; k < 4; k++)
				sigaction(fault_signals[k], NULL, &saved_fault_handlers[k]);
			struct CMUnitTest one[1] = { to_cmocka(&tests[i]) };
			the_test = tests[i].run;
			one[0].test_func = run_one;
			int failed = _cmocka_run_group_tests(suite, one, 1, NULL, NULL);
			int passed = failed == 0 && test_returned;
			if (result_fd >= 0) {
				const char *verdict = passed ? "pass\n" : "fail\n";
				if (write(result_fd, verdict, strlen(verdict)) != (ssize_t)strlen(verdict))
					return 1;
				close(result_fd);
			}
			return passed ? 0 : 1;
		}
		fprintf(stderr, "%s: no test named '%s' (see --list)\n", argv[0], argv[2]);
		return 2;
	}
	if (argc != 1)
		return usage(argv[0]);

	struct CMUnitTest *all = calloc(count, sizeof(*all));
	if (!all) {
		perror("calloc");
		return 1;
	}
	for (size_t i = 0; i < count; i++)
		all[i] = to_cmocka(&tests[i]);
	int failed = _cmocka_run_group_tests(suite, all, count, NULL, NULL);
	free(all);
	return failed;
}

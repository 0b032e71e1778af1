/* kit_test.c — the three modes of a lab's test program (see kit_test.h). */
#include "kit_test.h"

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

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--list | --run TEST_NAME]\n"
		"  no option: run every test in this process\n"
		"  --list:    print name, points, timeout and what each test checks\n"
		"  --run:     run one test (the grader uses this, one process per test)\n", prog);
	return 2;
}

int kit_test_main(int argc, char **argv, const char *suite,
		  const struct kit_test *tests, size_t count)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < count; i++)
			printf("%s\t%d\t%d\t%s\n", tests[i].name, tests[i].points,
			       tests[i].timeout_s, tests[i].checks);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--run") == 0) {
		for (size_t i = 0; i < count; i++) {
			if (strcmp(tests[i].name, argv[2]) != 0)
				continue;
			struct CMUnitTest one[1] = { to_cmocka(&tests[i]) };
			return _cmocka_run_group_tests(suite, one, 1, NULL, NULL);
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

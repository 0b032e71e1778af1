/*
 * grade.c — run a lab's cmocka tests one process per test and score them.
 *
 *   grade [options] LAB:NAME:TEST_PROGRAM[:LIST_PROGRAM] ...
 *
 * Each TEST_PROGRAM is a kit test program (common/kit_test.h): `--list` gives
 * its tests, points and needs, `--run NAME` runs one. The list comes from
 * LIST_PROGRAM, the same tests built against the reference solution, so that a
 * submission can neither add, drop nor re-weigh a test.
 *
 * Who decides. A test passes only when its process exits 0, wrote exactly "pass"
 * on the verdict pipe (KIT_RESULT_FD), and the simulated NIC's own process reported
 * no programming mistake on the witness pipe (KIT_WITNESS_FD, hw/sim/remote.c);
 * what the test printed only explains a failure. Skips are decided here, before
 * the test starts, from the list's needs column. Every test runs in its own
 * process group (and, with --sandbox, in its own PID, mount and network
 * namespaces: tools/sandbox.c) with a time limit; whatever it left running is
 * killed when it ends; at most 1 MiB of its output is kept.
 *
 * Options:
 *   --json FILE      write the result as JSON (shape in docs/instructors.md)
 *   --gradescope F   write Gradescope's results.json
 *   --junit FILE     write JUnit XML (GitLab, GitHub and Jenkins test reports)
 *   --logs DIR       keep each test's output as DIR/LAB-NAME.log
 *   --title TEXT     heading printed above the table
 *   --roster-row F   append "who,points,max,lab01..lab07" (RFC 4180) to the CSV file F
 *   --who NAME       the name for --roster-row
 *   --only A,B,...   run only the tests with these names
 *   --expect-fail    skeleton check: every test must fail; list any that passes
 *   --timeout-scale F  multiply every timeout by F (slow machines, sanitizers)
 *   --sandbox FILE   run every test behind this command (one argument a line)
 *   --tsv FILE       also write every result as one tab-separated line: what --import
 *                    reads (the QEMU guest's grader hands its results to the host
 *                    this way)
 *   --no-table       do not print the table (the guest's grader: the host prints it)
 *   --import FILE    add the results in FILE (from --tsv, e.g. the VM tests graded
 *                    inside the guest) to this run's table, JSON and verdict
 * Results are shown lab by lab (imported VM tests next to the lab's other tests).
 *
 * Exit status: 0 when every test ran and no point was lost (with --expect-fail:
 * when no test passed); 1 when points were lost; 3 when none was lost but some
 * tests were skipped (not a full grade); 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 512
#define MSG_LEN 400
#define DEFAULT_TIMEOUT_S 10

enum status { PASS, FAIL, TIMEOUT, CRASH, SKIP };
static const char *status_name[] = { "pass", "fail", "timeout", "crash", "skip" };

struct result {
	char lab[8];
	char lab_name[64];
	char name[128];
	char checks[256];
	int max;
	int points;
	int timeout_s;
	enum status status;
	char message[MSG_LEN];
	double seconds;
};

static struct result results[MAX_TESTS];
static int nresults;
static double timeout_scale = 1.0;
static const char *logs_dir;
static const char *only;   /* --only: comma-separated test names, NULL = all */

/* 1 if name is in the --only list (or there is no list). */
static int selected(const char *name)
{
	if (!only)
		return 1;
	size_t len = strlen(name);
	for (const char *p = only; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static void die(const char *msg)
{
	fprintf(stderr, "grade: %s\n", msg);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sandbox command (--sandbox FILE: one argument a line) put in front of
 * every test, or none. */
static char *wrapper[64];
static int nwrapper;

#define OUTPUT_CAP (1u << 20)   /* a test's output kept in its log; the rest is counted */

/* What a finished test left: its wait status (-1: killed at the timeout), its
 * verdict line (KIT_RESULT_FD) and how much output was dropped past the cap. */
struct run {
	int wstatus;
	char verdict[64];
	char witness[4096];   /* what the simulated NIC's own process reported */
	size_t dropped;
};

/* Run argv (behind the sandbox, if any) with stdout+stderr into out_path, capped at
 * OUTPUT_CAP, its verdict on a pipe of its own, for at most timeout_s. Whatever
 * it left running is killed when it ends (its process group; with the sandbox, its
 * whole PID namespace). */
static struct run run_test(char *const argv[], const char *out_path, double timeout_s)
{
	struct run r = { 0, "", "", 0 };
	int out_pipe[2], result_pipe[2], witness_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(result_pipe, O_CLOEXEC) != 0 ||
	    pipe2(witness_pipe, O_CLOEXEC) != 0)
		die("pipe failed");
	int log_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0)
		die("cannot write a test log");

	char *full[128];
	int n = 0;
	for (int i = 0; i < nwrapper; i++)
		full[n++] = wrapper[i];
	for (int i = 0; argv[i] && n < 127; i++)
		full[n++] = argv[i];
	full[n] = NULL;

	pid_t pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		setpgid(0, 0);
		dup2(out_pipe[1], 1);
		dup2(out_pipe[1], 2);
		dup2(result_pipe[1], 3);   /* dup2 clears close-on-exec */
		dup2(witness_pipe[1], 4);
		setenv("KIT_RESULT_FD", "3", 1);
		setenv("KIT_WITNESS_FD", "4", 1);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		execv(full[0], full);
		fprintf(stderr, "cannot run %s: %s\n", full[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(out_pipe[1]);
	close(result_pipe[1]);
	close(witness_pipe[1]);

	double deadline = now_s() + timeout_s;
	size_t kept = 0, verdict_len = 0, witness_len = 0;
	int out_open = 1, result_open = 1, witness_open = 1, exited = 0;
	char buf[65536];
	while (!exited || out_open || result_open || witness_open) {
		if (now_s() > deadline) {
			kill(-pid, SIGKILL);
			if (!exited)
				waitpid(pid, &r.wstatus, 0);
			r.wstatus = -1;
			break;
		}
		struct pollfd fds[3] = { { out_open ? out_pipe[0] : -1, POLLIN, 0 },
					 { result_open ? result_pipe[0] : -1, POLLIN, 0 },
					 { witness_open ? witness_pipe[0] : -1, POLLIN, 0 } };
		poll(fds, 3, 20);
		if (fds[2].revents) {
			ssize_t got = read(witness_pipe[0], buf, sizeof(buf));
			if (got <= 0) {
				witness_open = 0;
			} else {
				size_t room = sizeof(r.witness) - 1 - witness_len;
				size_t take = (size_t)got < room ? (size_t)got : room;
				memcpy(r.witness + witness_len, buf, take);
				witness_len += take;
				r.witness[witness_len] = 0;
			}
		}
		if (fds[0].revents) {
			ssize_t got = read(out_pipe[0], buf, sizeof(buf));
			if (got <= 0) {
				out_open = 0;
			} else if (kept < OUTPUT_CAP) {
				size_t take = (size_t)got < OUTPUT_CAP - kept ? (size_t)got : OUTPUT_CAP - kept;
				if (write(log_fd, buf, take) != (ssize_t)take)
					die("cannot write a test log");
				kept += take;
				r.dropped += (size_t)got - take;
			} else {
				r.dropped += (size_t)got;
			}
		}
		if (fds[1].revents) {
			ssize_t got = read(result_pipe[0], buf, sizeof(buf));
			if (got <= 0) {
				result_open = 0;
			} else {
				size_t take = (size_t)got < sizeof(r.verdict) - 1 - verdict_len ?
					(size_t)got : sizeof(r.verdict) - 1 - verdict_len;
				memcpy(r.verdict + verdict_len, buf, take);
				verdict_len += take;
				r.verdict[verdict_len] = 0;
			}
		}
		if (!exited && waitpid(pid, &r.wstatus, WNOHANG) == pid) {
			exited = 1;
			/* Its leftovers go now; with them the last writers of the pipes. */
			kill(-pid, SIGKILL);
		}
	}
	kill(-pid, SIGKILL);
	close(out_pipe[0]);
	close(result_pipe[0]);
	close(witness_pipe[0]);
	close(log_fd);
	return r;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	size_t got = fread(buf, 1, (size_t)len, f);
	buf[got] = 0;
	fclose(f);
	return buf;
}

/* Copy the rest of the line that starts at p (after skipping prefix) into out. */
static void copy_line(char *out, size_t out_len, const char *p)
{
	size_t n = strcspn(p, "\n");
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

/* Find the line starting with tag (anywhere in text); copy what follows it. */
static int find_tagged(const char *text, const char *tag, char *out, size_t out_len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *hit = strstr(p, tag);
		size_t line_len = strcspn(p, "\n");
		if (hit && hit < p + line_len) {
			copy_line(out, out_len, hit + strlen(tag));
			return 1;
		}
	}
	return 0;
}

static void last_line(const char *text, char *out, size_t out_len)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	size_t n = (size_t)(end - start);
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, start, n);
	out[n] = 0;
}

/* A diagnostic of the simulated NIC in the output ("nicsim DIR: what was wrong"). */
static int find_device_diagnostic(const char *text, char *out, size_t out_len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "nicsim /", 8) != 0)
			continue;
		const char *msg = strstr(p, ": ");
		size_t line_len = strcspn(p, "\n");
		if (msg && msg < p + line_len) {
			copy_line(out, out_len, msg + 2);
			return 1;
		}
	}
	return 0;
}

/* "/long/build/path/e1k_rx.c:157:10: ..." -> "e1k_rx.c:157:10: ...": a student
 * knows the file by its name. */
static void strip_dirs(char *msg)
{
	char *out = msg;
	for (char *p = msg; *p;) {
		/* a path: "/x/y..." with at least two slashes, after a blank or "(" */
		const char *second = *p == '/' ? strchr(p + 1, '/') : NULL;
		if (*p == '/' && p[1] != ' ' && p[1] && second && second < p + strcspn(p, " :),") &&
		    (p == msg || p[-1] == ' ' || p[-1] == '(')) {
			char *end = p + strcspn(p, " :),");
			char *last = p;
			for (char *q = p; q < end; q++)
				if (*q == '/')
					last = q + 1;
			p = last;
		}
		*out++ = *p++;
	}
	*out = 0;
}

/* Decide status and message. The status comes from the exit status and the verdict
 * line alone; what the test printed only explains a failure. */
static void judge(struct result *r, const struct run *run, const char *out)
{
	char a[MSG_LEN], b[MSG_LEN], diag[MSG_LEN];
	int wstatus = run->wstatus;

	r->message[0] = 0;
	/* The simulated NIC's own process (the witness) first: the test process can
	 * neither write nor silence it. Then what the test printed. */
	int witnessed = find_tagged(run->witness, "diag: ", diag, sizeof(diag));
	int have_diag = witnessed || find_device_diagnostic(out, diag, sizeof(diag));
	if (wstatus == -1) {
		r->status = TIMEOUT;
		snprintf(r->message, MSG_LEN, "no result after %d s (a loop that never ends? a blocking call?)",
			 r->timeout_s);
		if (witnessed) {
			/* What the device saw explains the hang better than the hang. */
			r->status = FAIL;
			snprintf(r->message, MSG_LEN, "the simulated NIC said: %.300s (and the test did "
				 "not finish in %d s)", diag, r->timeout_s);
		} else if (have_diag)
			snprintf(r->message + strlen(r->message), MSG_LEN - strlen(r->message),
				 "; the simulated NIC said: %.250s", diag);
		else if (find_tagged(out, "KIT-NOTE: ", a, sizeof(a)))
			snprintf(r->message + strlen(r->message), MSG_LEN - strlen(r->message), "; last note: %.300s", a);
		return;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && strcmp(run->verdict, "pass\n") == 0 &&
	    !witnessed) {
		r->status = PASS;
		r->points = r->max;
		return;
	}
	r->status = FAIL;
	/* A leak reported after the test failed is mostly its consequence (cmocka
	 * jumped out before the test freed): the test's own reason comes first. */
	int leak_only = find_tagged(out, "SUMMARY: ", b, sizeof(b)) && strstr(b, "leaked") &&
			find_tagged(out, "KIT-FAIL: ", a, sizeof(a));
	if (!leak_only && find_tagged(out, "SUMMARY: ", a, sizeof(a)) && strstr(a, "Sanitizer")) {
		r->status = CRASH;
		snprintf(r->message, MSG_LEN, "%.350s (full report in the log)", a);
	} else if (find_tagged(out, ": runtime error: ", a, sizeof(a))) {
		/* UBSan: the line before the tag is "FILE:LINE:COL". */
		const char *hit = strstr(out, ": runtime error: ");
		const char *start = hit;
		while (start > out && start[-1] != '\n')
			start--;
		r->status = CRASH;
		snprintf(r->message, MSG_LEN, "UBSan: %.*s: %.250s", (int)(hit - start < 150 ? hit - start : 150),
			 start, a);
	} else if (have_diag) {
		/* What the device saw explains more than the test's consequence of it. */
		snprintf(r->message, MSG_LEN, "the simulated NIC said: %.350s", diag);
	} else if (find_tagged(out, "KIT-FAIL: ", a, sizeof(a))) {
		snprintf(r->message, MSG_LEN, "%s", a);
	} else if (find_tagged(out, "nicsim fixture: ", a, sizeof(a))) {
		snprintf(r->message, MSG_LEN, "the test's setup failed: %.350s", a);
	} else if (find_tagged(out, "KIT-SKIP: ", a, sizeof(a))) {
		snprintf(r->message, MSG_LEN, "could not run on this machine: %.340s", a);
	} else if (WIFSIGNALED(wstatus)) {
		r->status = CRASH;
		snprintf(r->message, MSG_LEN, "killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	} else if (find_tagged(out, "[  ERROR   ] --- ", a, sizeof(a))) {
		if (find_tagged(out, "[   LINE   ] --- ", b, sizeof(b)))
			snprintf(r->message, MSG_LEN, "%.180s at %.180s", a, b);
		else
			snprintf(r->message, MSG_LEN, "%s", a);
	} else if (WEXITSTATUS(wstatus) == 127 || WEXITSTATUS(wstatus) == 125) {
		last_line(out, r->message, MSG_LEN);
	} else if (WEXITSTATUS(wstatus) == 0) {
		snprintf(r->message, MSG_LEN, "the test did not finish: its process ended before the "
			 "test's last check (a call to exit()? see the log)");
	} else {
		last_line(out, a, sizeof(a));
		snprintf(r->message, MSG_LEN, "exit status %d: %.350s", WEXITSTATUS(wstatus), a);
	}
	if (run->dropped)
		snprintf(r->message + strlen(r->message), MSG_LEN - strlen(r->message),
			 " [output cut at 1 MiB: %zu more bytes dropped]", run->dropped);
	strip_dirs(r->message);
}

/* The first line of PROG's build log (build.log beside it) that says "error". */
static void build_error(const char *prog, char *out, size_t out_len)
{
	char log_path[1200];
	const char *slash = strrchr(prog, '/');
	int dir_len = slash ? (int)(slash - prog) : 1;

	snprintf(log_path, sizeof(log_path), "%.*s/build.log", dir_len, slash ? prog : ".");
	char *log = read_file(log_path);
	char line[MSG_LEN] = "";
	if (!find_tagged(log, "error: ", line, sizeof(line)) &&
	    !find_tagged(log, "Error", line, sizeof(line)) &&
	    !find_tagged(log, "sandbox: ", line, sizeof(line)))
		snprintf(line, sizeof(line), "see %.300s", log_path);
	snprintf(out, out_len, "does not compile: %.340s", line);
	free(log);
}

/* Ask a test program for its tests (--list) and run each one. The list comes
 * from list_prog (the same tests built against the reference solution), so a
 * student's program that does not even build still shows every test it loses. */
static void run_suite(const char *lab, const char *lab_name, const char *prog, const char *list_prog)
{
	int prog_built = access(prog, X_OK) == 0;
	char not_built[MSG_LEN] = "";
	if (!prog_built)
		build_error(prog, not_built, sizeof(not_built));
	if (!list_prog)
		list_prog = prog;

	char list_path[] = "/tmp/grade-list-XXXXXX";
	int fd = mkstemp(list_path);
	if (fd < 0)
		die("mkstemp failed");
	close(fd);

	/* The list comes from the kit's own build: no sandbox needed. */
	char *list_argv[] = { (char *)list_prog, "--list", NULL };
	int saved_nwrapper = nwrapper;
	nwrapper = 0;
	int ws = run_test(list_argv, list_path, 10).wstatus;
	nwrapper = saved_nwrapper;
	char *listing = read_file(list_path);
	unlink(list_path);
	if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		/* The program did not build or does not start: one failed row. */
		struct result *r = &results[nresults++];
		memset(r, 0, sizeof(*r));
		snprintf(r->lab, sizeof(r->lab), "%.7s", lab);
		snprintf(r->lab_name, sizeof(r->lab_name), "%.63s", lab_name);
		snprintf(r->name, sizeof(r->name), "test program");
		r->status = CRASH;
		snprintf(r->message, MSG_LEN, "%.200s did not list its tests: %.150s", list_prog,
			 listing[0] ? listing : "(does it exist? did the build fail?)");
		free(listing);
		return;
	}

	for (char *line = strtok(listing, "\n"); line; line = strtok(NULL, "\n")) {
		if (nresults == MAX_TESTS)
			die("too many tests");
		struct result *r = &results[nresults];
		memset(r, 0, sizeof(*r));
		char *name = line, *points = strchr(name, '\t');
		if (!points)
			continue;
		*points++ = 0;
		char *timeout = strchr(points, '\t');
		if (!timeout)
			continue;
		*timeout++ = 0;
		char *checks = strchr(timeout, '\t');
		if (checks)
			*checks++ = 0;
		char *needs = checks ? strchr(checks, '\t') : NULL;
		if (needs)
			*needs++ = 0;
		int needs_root = needs && strstr(needs, "root") != NULL;
		if (!selected(name))
			continue;
		nresults++;
		snprintf(r->lab, sizeof(r->lab), "%.7s", lab);
		snprintf(r->lab_name, sizeof(r->lab_name), "%.63s", lab_name);
		snprintf(r->name, sizeof(r->name), "%.127s", name);
		snprintf(r->checks, sizeof(r->checks), "%.255s", checks ? checks : "");
		r->max = atoi(points);
		r->timeout_s = atoi(timeout) > 0 ? atoi(timeout) : DEFAULT_TIMEOUT_S;

		if (!prog_built) {
			r->status = FAIL;
			snprintf(r->message, MSG_LEN, "%s", not_built);
			printf("  %-4s %-40s %s\n", status_name[r->status], r->name, r->message);
			continue;
		}
		char out_path[1400];
		if (logs_dir)
			snprintf(out_path, sizeof(out_path), "%.1000s/%.7s-%.127s.log", logs_dir, lab, name);
		else
			snprintf(out_path, sizeof(out_path), "/tmp/grade-%d-%.127s.log", getpid(), name);
		if (needs_root && geteuid() != 0) {
			r->status = SKIP;
			snprintf(r->message, MSG_LEN, "needs root (physical addresses, namespaces, the "
				 "simulated NIC): run the grader with sudo, e.g. sudo make grade LAB=%.7s", lab);
			printf("  %-4s %-40s %s\n", status_name[r->status], r->name, r->message);
			continue;
		}
		char *run_argv[] = { (char *)prog, "--run", name, NULL };
		double t0 = now_s();
		struct run run = run_test(run_argv, out_path, r->timeout_s * timeout_scale);
		r->seconds = now_s() - t0;
		char *out = read_file(out_path);
		judge(r, &run, out);
		free(out);
		if (!logs_dir)
			unlink(out_path);
		printf("  %-4s %-40s %s\n", status_name[r->status], r->name,
		       r->status == PASS ? "" : r->message);
		fflush(stdout);
	}
	free(listing);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Scores: skipped tests count neither way (they leave max too). */
static int counted(const struct result *r)
{
	return r->status != SKIP;
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	int total = 0, max = 0, skipped = 0;
	for (int i = 0; i < nresults; i++) {
		if (counted(&results[i])) {
			total += results[i].points;
			max += results[i].max;
		}
		skipped += results[i].status == SKIP;
	}
	/* "skipped" > 0: not a full grade (the exit status says so too). */
	fprintf(f, "{\"total\":{\"points\":%d,\"max\":%d,\"skipped\":%d},\"labs\":[", total, max,
		skipped);
	int first = 1;
	for (int i = 0; i < nresults; i++) {
		int seen = 0;
		for (int j = 0; j < i; j++)
			seen |= strcmp(results[j].lab, results[i].lab) == 0;
		if (seen)
			continue;
		int passed = 0, tests = 0, points = 0, lab_max = 0, lab_skipped = 0;
		for (int j = i; j < nresults; j++) {
			if (strcmp(results[j].lab, results[i].lab) != 0)
				continue;
			lab_skipped += results[j].status == SKIP;
			if (!counted(&results[j]))
				continue;
			tests++;
			passed += results[j].status == PASS;
			points += results[j].points;
			lab_max += results[j].max;
		}
		fprintf(f, "%s{\"lab\":", first ? "" : ",");
		json_string(f, results[i].lab);
		fputs(",\"name\":", f);
		json_string(f, results[i].lab_name);
		fprintf(f, ",\"passed\":%d,\"tests\":%d,\"points\":%d,\"max\":%d,\"skipped\":%d}",
			passed, tests, points, lab_max, lab_skipped);
		first = 0;
	}
	fputs("],\"tests\":[", f);
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		fprintf(f, "%s{\"lab\":", i ? "," : "");
		json_string(f, r->lab);
		fputs(",\"name\":", f);
		json_string(f, r->name);
		fprintf(f, ",\"status\":\"%s\",\"points\":%d,\"max\":%d,\"seconds\":%.3f,\"message\":",
			status_name[r->status], r->points, counted(r) ? r->max : 0, r->seconds);
		json_string(f, r->message);
		fputc('}', f);
	}
	fputs("]}\n", f);
	fclose(f);
}

/* One CSV field as RFC 4180 has it: quoted when it holds a comma, a quote or a
 * line break, quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Append one CSV row "who,points,max,lab01,...,lab07" (points per lab; empty
 * when the lab was not graded) to path, with a header if the file is new. */
static void append_roster_row(const char *path, const char *who)
{
	FILE *f = fopen(path, "a+");
	if (!f) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	if (ftell(f) == 0)
		fputs("submission,points,max,lab01,lab02,lab03,lab04,lab05,lab06,lab07\n", f);
	int total = 0, max = 0, lab_points[8] = { 0 }, lab_seen[8] = { 0 };
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		int lab = atoi(r->lab);
		if (!counted(r))
			continue;
		total += r->points;
		max += r->max;
		if (lab >= 1 && lab <= 7) {
			lab_points[lab] += r->points;
			lab_seen[lab] = 1;
		}
	}
	csv_field(f, who);
	fprintf(f, ",%d,%d", total, max);
	for (int lab = 1; lab <= 7; lab++) {
		if (lab_seen[lab])
			fprintf(f, ",%d", lab_points[lab]);
		else
			fputs(",", f);
	}
	fputc('\n', f);
	fclose(f);
}

/* Gradescope's autograder results (results.json): one entry per test with its
 * score, maximum and the message as output; skipped tests score 0 of 0. */
static void write_gradescope(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	int total = 0;
	for (int i = 0; i < nresults; i++)
		total += counted(&results[i]) ? results[i].points : 0;
	fprintf(f, "{\"score\":%d,\"stdout_visibility\":\"visible\",\"tests\":[", total);
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char name[256], output[MSG_LEN + 300];
		snprintf(name, sizeof(name), "lab%.7s %.127s", r->lab, r->name);
		snprintf(output, sizeof(output), "%s: %.399s", status_name[r->status],
			 r->status == PASS ? r->checks : r->message);
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_string(f, name);
		fprintf(f, ",\"number\":\"%s.%d\",\"score\":%d,\"max_score\":%d,\"status\":\"%s\","
			"\"visibility\":\"visible\",\"output\":", r->lab, i + 1, r->points,
			counted(r) ? r->max : 0, r->status == PASS ? "passed" : "failed");
		json_string(f, output);
		fputc('}', f);
	}
	fputs("]}\n", f);
	fclose(f);
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				fputc(*s, f);
		}
	}
}

/* JUnit XML (GitLab and GitHub CI test reports): a testsuite per lab. */
static void write_junit(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bypasslab\">\n", f);
	for (int i = 0; i < nresults;) {
		int j = i, failures = 0, errors = 0, skipped = 0;
		double seconds = 0;
		for (; j < nresults && strcmp(results[j].lab, results[i].lab) == 0; j++) {
			failures += results[j].status == FAIL;
			errors += results[j].status == TIMEOUT || results[j].status == CRASH;
			skipped += results[j].status == SKIP;
			seconds += results[j].seconds;
		}
		fprintf(f, "  <testsuite name=\"lab%s-", results[i].lab);
		xml_text(f, results[i].lab_name);
		fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
			j - i, failures, errors, skipped, seconds);
		for (int k = i; k < j; k++) {
			const struct result *r = &results[k];
			fprintf(f, "    <testcase classname=\"lab%s\" name=\"", r->lab);
			xml_text(f, r->name);
			fprintf(f, "\" time=\"%.3f\">", r->seconds);
			if (r->status != PASS) {
				const char *tag = r->status == SKIP ? "skipped" :
					r->status == FAIL ? "failure" : "error";
				fprintf(f, "<%s type=\"%s\" message=\"", tag, status_name[r->status]);
				xml_text(f, r->message);
				fprintf(f, "\"/>");
			}
			fprintf(f, "<system-out>%d of %d points: ", r->points, counted(r) ? r->max : 0);
			xml_text(f, r->checks);
			fputs("</system-out></testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
		i = j;
	}
	fputs("</testsuites>\n", f);
	fclose(f);
}

/* --sandbox FILE: the sandbox command, one argument a line. */
static void read_wrapper(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	if (!f) {
		fprintf(stderr, "grade: --sandbox %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && nwrapper < 63) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			wrapper[nwrapper++] = strdup(line);
	}
	fclose(f);
	if (nwrapper == 0 || access(wrapper[0], X_OK) != 0) {
		fprintf(stderr, "grade: --sandbox %s: its first line must be the sandbox program\n", path);
		exit(2);
	}
}

/* Tabs and newlines would break a TSV line: make them blanks. */
static void tsv_field(FILE *f, const char *s, int last)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
	fputc(last ? '\n' : '\t', f);
}

/* One line per result: lab, lab name, test, status, points, max, timeout, seconds,
 * checks, message. */
static void write_tsv(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char num[96];
		tsv_field(f, r->lab, 0);
		tsv_field(f, r->lab_name, 0);
		tsv_field(f, r->name, 0);
		tsv_field(f, status_name[r->status], 0);
		snprintf(num, sizeof(num), "%d\t%d\t%d\t%.3f\t", r->points, r->max, r->timeout_s,
			 r->seconds);
		fputs(num, f);   /* numbers: no tab or newline to replace */
		tsv_field(f, r->checks, 0);
		tsv_field(f, r->message, 1);
	}
	fclose(f);
}

/* Split line at tabs into at most max fields; returns how many. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = 0;
	while (n < max) {
		fields[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = 0;
	}
	return n;
}

/* Add the results of a --tsv file. A missing or malformed file is one failed row. */
static void import_tsv(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int lineno = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *field[10];
		lineno++;
		if (nresults == MAX_TESTS)
			die("too many tests");
		struct result *r = &results[nresults];
		memset(r, 0, sizeof(*r));
		if (split_tabs(line, field, 10) != 10) {
			fprintf(stderr, "grade: %s line %d is not a result line; ignored\n", path, lineno);
			continue;
		}
		r->status = CRASH;
		for (int s = PASS; s <= SKIP; s++)
			if (strcmp(field[3], status_name[s]) == 0)
				r->status = (enum status)s;
		snprintf(r->lab, sizeof(r->lab), "%.7s", field[0]);
		snprintf(r->lab_name, sizeof(r->lab_name), "%.63s", field[1]);
		snprintf(r->name, sizeof(r->name), "%.127s", field[2]);
		r->points = atoi(field[4]);
		r->max = atoi(field[5]);
		r->timeout_s = atoi(field[6]);
		r->seconds = atof(field[7]);
		snprintf(r->checks, sizeof(r->checks), "%.255s", field[8]);
		snprintf(r->message, MSG_LEN, "%.399s", field[9]);
		nresults++;
	}
	if (f) {
		fclose(f);
		return;
	}
	struct result *r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(r->lab, sizeof(r->lab), "vm");
	snprintf(r->lab_name, sizeof(r->lab_name), "qemu");
	snprintf(r->name, sizeof(r->name), "imported results");
	r->status = CRASH;
	snprintf(r->message, MSG_LEN, "no results in %.300s: %s", path, strerror(errno));
}

/* Stable sort by lab: a lab's VM tests (imported last) join its other tests. */
static void sort_by_lab(void)
{
	for (int i = 1; i < nresults; i++) {
		struct result r = results[i];
		int j = i;
		while (j > 0 && strcmp(results[j - 1].lab, r.lab) > 0) {
			results[j] = results[j - 1];
			j--;
		}
		results[j] = r;
	}
}

static void print_table(const char *title)
{
	int total = 0, max = 0;

	printf("\n%s\n", title);
	printf("%-4s %-40s %-8s %6s  %s\n", "lab", "test", "status", "points", "what it checks / why it failed");
	printf("%-4s %-40s %-8s %6s  %s\n", "---", "----", "------", "------", "------------------------------");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char pts[32];
		if (counted(r)) {
			snprintf(pts, sizeof(pts), "%d/%d", r->points, r->max);
			total += r->points;
			max += r->max;
		} else {
			snprintf(pts, sizeof(pts), "-");
		}
		printf("%-4s %-40s %-8s %6s  %s\n", r->lab, r->name, status_name[r->status], pts,
		       r->status == PASS ? r->checks : r->message);
	}
	printf("%-4s %-40s %-8s %6s\n", "", "TOTAL", "", "");
	int skipped = 0;
	for (int i = 0; i < nresults; i++)
		skipped += results[i].status == SKIP;
	if (skipped)
		printf("     %d of %d points, %d test(s) skipped: NOT A FULL GRADE\n", total, max, skipped);
	else
		printf("     %d of %d points\n", total, max);
}

int main(int argc, char **argv)
{
	const char *json_path = NULL, *title = "bypasslab grade";
	const char *roster_path = NULL, *who = "submission", *tsv_path = NULL;
	const char *gradescope_path = NULL, *junit_path = NULL;
	const char *imports[8];
	int expect_fail = 0, nimports = 0, table = 1;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json_path = argv[++i];
		else if (strcmp(argv[i], "--roster-row") == 0 && i + 1 < argc)
			roster_path = argv[++i];
		else if (strcmp(argv[i], "--who") == 0 && i + 1 < argc)
			who = argv[++i];
		else if (strcmp(argv[i], "--logs") == 0 && i + 1 < argc)
			logs_dir = argv[++i];
		else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc)
			title = argv[++i];
		else if (strcmp(argv[i], "--timeout-scale") == 0 && i + 1 < argc)
			timeout_scale = atof(argv[++i]);
		else if (strcmp(argv[i], "--sandbox") == 0 && i + 1 < argc)
			read_wrapper(argv[++i]);
		else if (strcmp(argv[i], "--gradescope") == 0 && i + 1 < argc)
			gradescope_path = argv[++i];
		else if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc)
			junit_path = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--expect-fail") == 0)
			expect_fail = 1;
		else if (strcmp(argv[i], "--no-table") == 0)
			table = 0;
		else if (strcmp(argv[i], "--tsv") == 0 && i + 1 < argc)
			tsv_path = argv[++i];
		else if (strcmp(argv[i], "--import") == 0 && i + 1 < argc && nimports < 8)
			imports[nimports++] = argv[++i];
		else
			die("usage: grade [--json F] [--logs DIR] [--title T] [--expect-fail] "
			    "[--timeout-scale F] [--tsv F] [--import F] LAB:NAME:PROGRAM ...");
	}
	if (i == argc && nimports == 0)
		die("no test program given (LAB:NAME:PROGRAM)");
	if (timeout_scale <= 0)
		die("--timeout-scale must be positive");
	if (logs_dir)
		mkdir(logs_dir, 0755);

	for (; i < argc; i++) {
		char spec[1024];
		snprintf(spec, sizeof(spec), "%s", argv[i]);
		char *lab = spec, *name = strchr(lab, ':');
		char *prog = name ? strchr(name + 1, ':') : NULL;
		if (!name || !prog)
			die("a suite is LAB:NAME:PROGRAM[:LIST_PROGRAM], e.g. "
			    "01:sockets:build/solutions/lab01/test_lab01");
		*name++ = 0;
		*prog++ = 0;
		char *list_prog = strchr(prog, ':');
		if (list_prog)
			*list_prog++ = 0;
		printf("lab %s (%s): %s\n", lab, name, prog);
		fflush(stdout);
		run_suite(lab, name, prog, list_prog);
	}

	for (int k = 0; k < nimports; k++)
		import_tsv(imports[k]);
	sort_by_lab();
	if (table)
		print_table(title);
	if (tsv_path)
		write_tsv(tsv_path);
	if (json_path)
		write_json(json_path);
	if (roster_path)
		append_roster_row(roster_path, who);
	if (gradescope_path)
		write_gradescope(gradescope_path);
	if (junit_path)
		write_junit(junit_path);

	int lost = 0, passed_on_skeleton = 0, skipped = 0;
	for (int j = 0; j < nresults; j++) {
		/* A row that is not a pass loses, even one worth nothing (a test program
		 * that does not start, results that could not be imported). */
		lost |= counted(&results[j]) && (results[j].points < results[j].max ||
						 results[j].status != PASS);
		passed_on_skeleton += results[j].status == PASS;
		skipped += results[j].status == SKIP;
	}
	if (skipped)
		printf("note: %d test(s) skipped, not counted (reasons above): this is not a full "
		       "grade\n", skipped);
	if (expect_fail) {
		if (passed_on_skeleton) {
			printf("ERROR: %d test(s) pass on the untouched skeleton; a test that cannot fail "
			       "proves nothing:\n", passed_on_skeleton);
			for (int j = 0; j < nresults; j++)
				if (results[j].status == PASS)
					printf("  lab %s: %s\n", results[j].lab, results[j].name);
			return 1;
		}
		printf("skeleton check: every graded test fails on the untouched skeleton\n");
		return 0;
	}
	return lost ? 1 : skipped ? 3 : 0;
}

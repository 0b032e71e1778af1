/*
 * sandbox.c — run a program the kit does not trust (a student's submission, its
 * build, its tests) as root, but inside walls it cannot see past.
 *
 *   sandbox [options] -- PROGRAM [ARGS...]
 *
 *   --show DIR     DIR as it is, read-only (after a fresh /tmp: a checkout under /tmp)
 *   --hide DIR     DIR looks empty (a read-only tmpfs over it): solutions/, build/
 *   --write DIR    DIR as it is, writable (the submission's own build directory)
 *   (applied in the order given: --show TOP --hide TOP/build --show TOP/build/x)
 *   --net          a fresh network namespace with only loopback (up)
 *   --pids N       at most N processes and threads (cgroup "pids", when mounted)
 *   --mem MIB      at most MIB MiB of memory (cgroup "memory", when mounted)
 *
 * What PROGRAM gets (docs/instructors.md, "What a submission can and cannot do"):
 *   - its own PID namespace: it sees none of the grader's processes, and when it
 *     ends, or the sandbox is killed, every process it started is killed with it
 *     (the kernel kills a PID namespace whose first process exits);
 *   - its own mount namespace: every file system read-only except a fresh /tmp,
 *     /dev/shm, /run, /proc, a private hugetlbfs instance on the hugetlbfs mount
 *     point, and the --write directories; --hide directories empty;
 *   - its own IPC namespace, and with --net its own network;
 *   - root stays root (the labs need CAP_SYS_ADMIN for physical addresses, network
 *     namespaces, hugepages), so these walls hold against a program that does not
 *     call mount(2), umount(2) or raw system calls: tools/symcheck refuses a
 *     submission that does.
 *
 * Exit status: PROGRAM's; killed by a signal, the sandbox kills itself with the
 * same signal, so the caller sees what PROGRAM saw. 125: the sandbox itself failed
 * (the message says why).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_DIRS 64

/* The --hide/--show/--write options, applied in the order given. */
enum op_kind { HIDE, SHOW, WRITE };
static struct op {
	enum op_kind kind;
	const char *dir;
	int fd;   /* SHOW, WRITE: a handle taken before anything was hidden */
} ops[MAX_DIRS];
static int nops;
static int want_net;
static long max_pids, max_mem_mib;
static char cgroup_pids[PATH_MAX], cgroup_mem[PATH_MAX];

static void fail(const char *what)
{
	fprintf(stderr, "sandbox: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static void fail_path(const char *what, const char *path)
{
	fprintf(stderr, "sandbox: %s %s: %s\n", what, path, strerror(errno));
	_exit(125);
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A cgroup (v1 controller directory or v2 tree) of our own for child, with one limit
 * file set; silently nothing when the controller is not there. */
static void cgroup_limit(char *dir, size_t dir_len, const char *const roots[], const char *file,
			 long value, pid_t child)
{
	char path[PATH_MAX + 64], text[32];
	for (int i = 0; roots[i]; i++) {
		snprintf(dir, dir_len, "%s/bypasslab-sandbox-%d", roots[i], (int)getpid());
		snprintf(path, sizeof(path), "%s/%s", roots[i], file);
		struct stat st;
		if (stat(roots[i], &st) != 0)
			continue;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		snprintf(text, sizeof(text), "%ld", value);
		if (write_text(path, text) != 0) {
			rmdir(dir);
			continue;
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(text, sizeof(text), "%d", (int)child);
		if (write_text(path, text) == 0)
			return;
		rmdir(dir);
	}
	dir[0] = 0;
}

/* Groups left by a sandbox that was killed before it could remove its own. */
static void cgroup_remove_stale(const char *const roots[])
{
	for (int i = 0; roots[i]; i++) {
		DIR *d = opendir(roots[i]);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			int pid;
			char path[PATH_MAX];
			if (sscanf(e->d_name, "bypasslab-sandbox-%d", &pid) != 1 || kill(pid, 0) == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", roots[i], e->d_name);
			rmdir(path);
		}
		if (d)
			closedir(d);
	}
}

static void cgroup_remove(const char *dir)
{
	/* The namespace's processes are gone once its first process is reaped;
	 * the kernel may take a moment to let go of the last one. */
	for (int i = 0; dir[0] && i < 200 && rmdir(dir) != 0 && errno == EBUSY; i++)
		usleep(5000);
}

static void bring_loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	if (s < 0)
		fail("socket for loopback");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		fail("loopback flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		fail("loopback up");
	close(s);
}

static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(buf, 0755);
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		fail_path("mkdir", path);
}

static void set_readonly(const char *path, int readonly, int recursive)
{
	struct mount_attr attr;
	memset(&attr, 0, sizeof(attr));
	if (readonly)
		attr.attr_set = MOUNT_ATTR_RDONLY;
	else
		attr.attr_clr = MOUNT_ATTR_RDONLY;
	if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof(attr)) != 0)
		fail_path(readonly ? "making read-only" : "making writable", path);
}

/* A fresh tmpfs on dir, if dir exists. */
static void fresh_tmpfs(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("sandbox", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
		fail_path("tmpfs on", dir);
}

/* DIR bound again at its own path, from an O_PATH handle taken before anything was
 * hidden (so that it can reappear under a hidden directory). */
static void bind_back(const char *dir, int fd)
{
	char from[64];
	snprintf(from, sizeof(from), "/proc/self/fd/%d", fd);
	mkdir_p(dir);
	if (mount(from, dir, NULL, MS_BIND | MS_REC, NULL) != 0)
		fail_path("showing", dir);
	close(fd);
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fail_path("open", dir);
	return fd;
}

/* The walls, in the new mount namespace (see the top of the file). Fresh /tmp,
 * /dev/shm and /run come first, so that a checkout under /tmp can be shown again;
 * then the options in their order (show the checkout, hide build/ inside it, show
 * one directory of build/ again, ...); then everything read-only but the fresh
 * directories and the --write ones. */
static void build_walls(void)
{
	static const char *const fresh[] = { "/tmp", "/dev/shm", "/run" };
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		fail("making mounts private");
	for (int i = 0; i < nops; i++)
		if (ops[i].kind != HIDE)
			ops[i].fd = open_dir(ops[i].dir);
	for (int i = 0; i < 3; i++)
		fresh_tmpfs(fresh[i]);
	for (int i = 0; i < nops; i++) {
		if (ops[i].kind != HIDE)
			bind_back(ops[i].dir, ops[i].fd);
		else if ((mkdir(ops[i].dir, 0755), 0) || mount("hidden", ops[i].dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
			fail_path("hiding", ops[i].dir);
	}
	set_readonly("/", 1, 1);
	struct stat st;
	for (int i = 0; i < 3; i++)
		if (stat(fresh[i], &st) == 0)
			set_readonly(fresh[i], 0, 0);
	for (int i = 0; i < nops; i++)
		if (ops[i].kind == WRITE)
			set_readonly(ops[i].dir, 0, 1);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		fail("mounting /proc for the new PID namespace");
	if (stat("/dev/hugepages", &st) == 0 && S_ISDIR(st.st_mode))
		mount("sandbox", "/dev/hugepages", "hugetlbfs", 0, "pagesize=2M");   /* no hugepages: lab03 falls back */
}

/* The namespace's first process: set up, start PROGRAM, wait for it. When it
 * returns, the kernel kills whatever PROGRAM left running. */
static int first_process(int go_fd, char **argv)
{
	char c;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(go_fd, &c, 1) != 1)
		_exit(125);   /* the sandbox died before the cgroups were set */
	close(go_fd);
	build_walls();
	if (want_net)
		bring_loopback_up();
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);

	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "sandbox: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		int status;
		pid_t got = wait(&status);
		if (got == pid) {
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
			return WEXITSTATUS(status);
		}
		if (got < 0 && errno != EINTR)
			return 125;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: sandbox [--hide DIR] [--show DIR] [--write DIR] [--net] [--pids N] "
		"[--mem MIB] -- PROGRAM [ARGS...]\n");
	return 125;
}

static int add_op(enum op_kind kind, const char *dir)
{
	if (nops == MAX_DIRS || dir[0] != '/') {
		fprintf(stderr, "sandbox: %s: give absolute paths, at most %d in all\n", dir, MAX_DIRS);
		return -1;
	}
	ops[nops].kind = kind;
	ops[nops++].dir = dir;
	return 0;
}

static long number(const char *opt, const char *text)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "sandbox: %s %s: want a positive number\n", opt, text);
		exit(125);
	}
	return v;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(opt, "--net") == 0) {
			want_net = 1;
			continue;
		}
		if (!val)
			return usage();
		i++;
		int rc = 0;
		if (strcmp(opt, "--hide") == 0)
			rc = add_op(HIDE, val);
		else if (strcmp(opt, "--show") == 0)
			rc = add_op(SHOW, val);
		else if (strcmp(opt, "--write") == 0)
			rc = add_op(WRITE, val);
		else if (strcmp(opt, "--pids") == 0)
			max_pids = number(opt, val);
		else if (strcmp(opt, "--mem") == 0)
			max_mem_mib = number(opt, val);
		else
			return usage();
		if (rc)
			return 125;
	}
	if (i + 1 >= argc)
		return usage();
	char **prog = argv + i + 1;

	if (geteuid() != 0) {
		fprintf(stderr, "sandbox: needs root (namespaces); run the grader with sudo\n");
		return 125;
	}
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (want_net ? CLONE_NEWNET : 0);
	if (unshare(flags) != 0)
		fail("unshare (namespaces)");
	int go[2];
	if (pipe2(go, O_CLOEXEC) != 0)
		fail("pipe");
	pid_t child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		close(go[1]);
		_exit(first_process(go[0], prog));
	}
	close(go[0]);
	static const char *const pids_roots[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup", NULL };
	static const char *const mem_roots[] = { "/sys/fs/cgroup/memory", NULL };
	cgroup_remove_stale(pids_roots);
	cgroup_remove_stale(mem_roots);
	if (max_pids)
		cgroup_limit(cgroup_pids, sizeof(cgroup_pids), pids_roots, "pids.max", max_pids, child);
	if (max_mem_mib)
		cgroup_limit(cgroup_mem, sizeof(cgroup_mem), mem_roots, "memory.limit_in_bytes",
			     max_mem_mib << 20, child);
	if (write(go[1], "g", 1) != 1)
		fail("starting the sandbox");
	close(go[1]);

	/* Forward the signals a caller stops us with: the namespace goes with us. */
	signal(SIGINT, SIG_IGN);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	cgroup_remove(cgroup_pids);
	cgroup_remove(cgroup_mem);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code > 128 && code < 128 + 65) {
		int sig = code - 128;
		signal(sig, SIG_DFL);
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		kill(getpid(), sig);
	}
	return code;
}

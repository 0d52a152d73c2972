/*
 * killer.c: kill -9 a traced program at random moments, many times.
 *   killer RUNS OUTDIR LIB OPTIONS PROG [ARGS...]
 * Each run starts PROG with LD_PRELOAD=LIB and HEAPSNAP_OPTIONS=OPTIONS
 * (this driver itself is not traced), then sends SIGKILL: odd runs after a
 * random delay of 1-400 ms; even runs while one of the run's own snapshots
 * is being written: half of them as soon as OUTDIR holds a *.PID.*.db.tmp
 * (SQLite has opened it), half once that file is not empty (its pages are
 * being written), after a random 0-20 ms (resp. 0-2 ms) more. Fails (exit 1) when PROG dies by itself or by
 * anything but the SIGKILL. Prints the counts on its last line. With
 * KILLER_WHILE_WRITING=1 in the environment every run waits for a non-empty
 * .db.tmp (to leave partial files behind on purpose).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_us(long us)
{
	struct timespec t = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&t, &t) != 0)
		;
}

/* Is a snapshot of process pid being written in dir (a .db.tmp of it, of
 * at least min_size bytes)? */
static int tmp_of(const char *dir, pid_t pid, off_t min_size)
{
	char tag[32];
	int found = 0;
	snprintf(tag, sizeof(tag), ".%d.", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	for (struct dirent *e; !found && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		struct stat st;
		found = n > 7 && strcmp(e->d_name + n - 7, ".db.tmp") == 0 && strstr(e->d_name, tag) &&
			fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_size >= min_size;
	}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: killer RUNS OUTDIR LIB OPTIONS PROG [ARGS...]\n");
		return 99;
	}
	int runs = atoi(argv[1]);
	const char *dir = argv[2];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int random_kills = 0, writing_kills = 0, tmp_at_kill = 0, nonempty_at_kill = 0, never_writing = 0;
	const char *ww = getenv("KILLER_WHILE_WRITING");
	int while_writing = ww && strcmp(ww, "1") == 0;
	printf("seed %u\n", seed);
	srand(seed);
	for (int r = 0; r < runs; r++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 99;
		}
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 1); /* the program's one line, 200 times, is noise */
			setenv("LD_PRELOAD", argv[3], 1);
			setenv("HEAPSNAP_OPTIONS", argv[4], 1);
			execv(argv[5], argv + 5);
			_exit(127);
		}
		if (r % 2 && !while_writing) {
			sleep_us(1000 + rand() % 400000);
			random_kills++;
		} else {
			off_t min_size = r % 4 || while_writing ? 1 : 0;
			int waited = 0; /* up to 10 s for a snapshot to be under way */
			while (!tmp_of(dir, pid, min_size) && waited < 40000) {
				sleep_us(250);
				waited++;
			}
			if (waited == 40000)
				never_writing++;
			sleep_us(rand() % (min_size ? 2000 : 20000));
			writing_kills++;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			printf("FAIL: run %d: pid %d ended by itself before the kill (status 0x%x)\n", r, (int)pid, status);
			return 1;
		}
		tmp_at_kill += tmp_of(dir, pid, 0);
		nonempty_at_kill += tmp_of(dir, pid, 1);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			printf("FAIL: run %d: pid %d did not die by SIGKILL (status 0x%x)\n", r, (int)pid, status);
			return 1;
		}
	}
	printf("kills %d: %d at random moments, %d while a snapshot was written; at the instant of "
	       "the kill %d had a .db.tmp, %d a non-empty one; %d never started a snapshot within 10 s\n",
	       runs, random_kills, writing_kills, tmp_at_kill, nonempty_at_kill, never_writing);
	return never_writing ? 1 : 0;
}

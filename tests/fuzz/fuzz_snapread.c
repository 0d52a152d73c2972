/*
 * fuzz_snapread.c: libFuzzer entry point over the snapshot reader
 * (tools/snapread.c), the code every tool runs on a file it was given.
 * Each input is written to a file of its own and read the way heapdiff,
 * heapsnap info and the exports read it: open (the checks that refuse
 * what is not a snapshot), meta, sites, the grouped site sums, every
 * site's frames (formatted as the reports print them), the whole profile,
 * labels and modules. Nothing may crash, leak or read out of bounds
 * (built with ASan+UBSan by scripts/fuzz-libfuzzer.sh); an error return
 * is a correct answer to a bad file.
 * Not thread-safe (one path per process). The reader's messages go to
 * stderr: run with -close_fd_mask=2 to keep libFuzzer's own output readable.
 */
#include "fmt.h"
#include "snapread.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

static void read_all(struct snapread *s)
{
	char buf[1024];
	struct snapread_site *sites = NULL;
	size_t nsites = 0;

	(void)snapread_meta_int(s, "pid", 0);
	(void)snapread_meta_text(s, "program");
	if (snapread_sites(s, &sites, &nsites) == 0) {
		for (size_t i = 0; i < nsites && i < 64; i++) {
			struct snapread_frame *f = NULL;
			size_t nf = 0;
			fmt_frame(buf, sizeof(buf), &sites[i].site);
			if (snapread_frames(s, sites[i].stack_id, &f, &nf) == 0) {
				for (size_t k = 0; k < nf; k++)
					fmt_frame(buf, sizeof(buf), &f[k]);
				snapread_frames_free(f, nf);
			}
		}
		snapread_sites_free(sites, nsites);
	}
	if (snapread_site_sums(s, &sites, &nsites) == 0)
		snapread_sites_free(sites, nsites);
	struct snapread_pstack *p = NULL;
	size_t np = 0;
	if (snapread_profile(s, &p, &np) == 0)
		snapread_profile_free(p, np);
	struct snapread_label *l = NULL;
	size_t nl = 0;
	if (snapread_labels(s, &l, &nl) == 0)
		snapread_labels_free(l, nl);
	struct snapread_module *m = NULL;
	size_t nm = 0;
	if (snapread_modules(s, &m, &nm) == 0)
		snapread_modules_free(m, nm);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/heapsnap-fuzz.%d.db", dir && *dir && strlen(dir) < 32 ? dir : "/tmp",
		 (int)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapread *s = NULL;

	if (write_input(data, size) != 0)
		return 0;
	if (snapread_open(path, &s) == 0 && s) {
		read_all(s);
		snapread_close(s);
	}
	unlink(path);
	return 0;
}

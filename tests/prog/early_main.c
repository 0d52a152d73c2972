/*
 * early_main.c: lets the thread of early_thread.so (when preloaded) leak,
 * waits for it, exits.
 */
#include <dlfcn.h>

int main(void)
{
	void (*join)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "early_thread_join");
	if (join)
		join();
	return join ? 0 : 1;
}

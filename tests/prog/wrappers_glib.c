/*
 * wrappers_glib.c: memory kept through GLib's allocation family:
 * remember_name keeps g_strdup'ed strings, make_buffers g_malloc0'ed
 * blocks, fill_table a GHashTable's nodes and keys. The call site of each
 * must be that function, never g_strdup, g_malloc0 or g_hash_table_insert.
 */
#include <glib.h>
#include <stdio.h>

static GPtrArray *names;
static GPtrArray *buffers;
static GHashTable *table;

__attribute__((noinline)) void remember_name(int i)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "name number %d, long enough", i);
	g_ptr_array_add(names, g_strdup(buf));
}

__attribute__((noinline)) void make_buffers(int n)
{
	for (int i = 0; i < n; i++)
		g_ptr_array_add(buffers, g_malloc0(1000));
}

__attribute__((noinline)) void fill_table(int n)
{
	for (int i = 0; i < n; i++)
		g_hash_table_insert(table, g_strdup_printf("key-%d", i), GINT_TO_POINTER(i));
}

int main(void)
{
	names = g_ptr_array_new();
	buffers = g_ptr_array_new();
	table = g_hash_table_new(g_str_hash, g_str_equal);
	for (int i = 0; i < 1000; i++)
		remember_name(i);
	make_buffers(500);
	fill_table(2000);
	printf("%u %u %u\n", names->len, buffers->len, g_hash_table_size(table));
	return 0;
}

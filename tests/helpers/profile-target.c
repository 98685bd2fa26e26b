// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A busy loop for tests/profile.bats, compiled by the test with frame
 * pointers: main -> pw_busy_outer -> pw_busy_spin, forever (user time), or
 * with "sys" main -> pw_busy_sys -> getppid(), forever (kernel time).
 */
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

volatile unsigned long sink;

__attribute__((noinline)) void pw_busy_spin(void)
{
	for (unsigned long i = 0; i < 10000000UL; i++)
		sink += i;
}

__attribute__((noinline)) void pw_busy_outer(void)
{
	for (;;)
		pw_busy_spin();
}

__attribute__((noinline)) void pw_busy_sys(void)
{
	for (;;)
		sink += syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sys"))
		pw_busy_sys();
	pw_busy_outer();
	return 0;
}

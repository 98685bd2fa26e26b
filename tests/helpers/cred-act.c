// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cred-act: credential acts for tests/cred.bats, made with the raw
 * syscalls (as an exploit makes them, without libc's wrappers):
 *   cred-act setuid UID        setuid(UID)
 *   cred-act setfsuid UID      setfsuid(UID)
 *   cred-act capdrop CAP       capset: CAP (a number) out of the effective
 *                              and permitted sets, the rest kept
 * Prints the syscall's result ("ret=N errno=E") and exits 0 when the call
 * was made, whatever its result; 2 on bad usage.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ret;

	if (argc != 3)
		goto usage;
	if (!strcmp(argv[1], "setuid")) {
		ret = syscall(SYS_setuid, strtoul(argv[2], NULL, 10));
	} else if (!strcmp(argv[1], "setfsuid")) {
		ret = syscall(SYS_setfsuid, strtoul(argv[2], NULL, 10));
	} else if (!strcmp(argv[1], "capdrop")) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		unsigned long cap = strtoul(argv[2], NULL, 10);

		if (cap >= 64 || syscall(SYS_capget, &hdr, data)) {
			perror("cred-act: capget");
			return 1;
		}
		data[cap / 32].effective &= ~(1u << (cap % 32));
		data[cap / 32].permitted &= ~(1u << (cap % 32));
		ret = syscall(SYS_capset, &hdr, data);
	} else {
		goto usage;
	}
	printf("ret=%ld errno=%d\n", ret, ret < 0 ? errno : 0);
	return 0;
usage:
	fprintf(stderr, "usage: cred-act setuid|setfsuid UID | capdrop CAP\n");
	return 2;
}

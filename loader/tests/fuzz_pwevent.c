// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: arbitrary bytes as one ring-buffer record (truncated,
 * oversized, unknown type, strings without terminators) through the
 * decoder in both output formats. ASan/UBSan catch any out-of-bounds read. */
#include <stdint.h>
#include <stddef.h>
#include "pwevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pw_clock clk = { .mono_to_real_ns = 1700000000000000000LL };
	struct pw_buf out = { 0 };

	pw_event_check(data, size);
	pw_event_format(data, size, PW_FMT_JSON, &clk, &out);
	out.len = 0;
	pw_event_format(data, size, PW_FMT_TEXT, &clk, &out);
	pw_buf_free(&out);
	return 0;
}

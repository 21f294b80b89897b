// SPDX-License-Identifier: GPL-2.0
/* Names of the probe library's enums, as they appear in JSON and text. */
#include "bpf_probes.h"

const char *ptw_attach_name(enum ptw_attach a)
{
	switch (a) {
	case PTW_ATTACH_FENTRY:
		return "fentry";
	case PTW_ATTACH_KPROBE:
		return "kprobe";
	case PTW_ATTACH_TRACEPOINT:
		return "tracepoint";
	case PTW_ATTACH_NONE:
		break;
	}
	return "none";
}

const char *ptw_counter_name(enum ptw_counter c)
{
	static const char *const names[PTW_C_NR] = {
		[PTW_C_PTE_INSTALLED] = "pte_tables_installed",
		[PTW_C_PTE_FREED] = "pte_tables_freed",
		[PTW_C_PTE_RECLAIMED] = "pte_tables_reclaimed",
		[PTW_C_PTES_ZAPPED] = "ptes_zapped",
		[PTW_C_ZAP_CALLS] = "zap_calls",
		[PTW_C_ZAP_BYTES] = "zap_bytes",
		[PTW_C_MADV_DONTNEED_CALLS] = "madvise_dontneed_calls",
		[PTW_C_MADV_DONTNEED_BYTES] = "madvise_dontneed_bytes",
		[PTW_C_MADV_FREE_CALLS] = "madvise_free_calls",
		[PTW_C_MADV_FREE_BYTES] = "madvise_free_bytes",
		[PTW_C_ZAP_PTE_TABLES] = "zap_pte_tables",
		[PTW_C_PTE_RECLAIM_BUSY] = "pte_reclaim_busy",
	};

	return (unsigned int)c < PTW_C_NR ? names[c] : "?";
}

const char *ptw_hist_slot_name(unsigned int slot)
{
	static const char *const names[PTW_HIST_SLOTS] = {
		"1",	 "2-3",	   "4-7",     "8-15",	 "16-31",
		"32-63", "64-127", "128-255", "256-511", "512",
	};

	return slot < PTW_HIST_SLOTS ? names[slot] : "?";
}

bool ptw_counter_known(const struct ptw_probe_status st[PTW_PROBE_NR],
		       enum ptw_counter c)
{
	for (int i = 0; i < PTW_PROBE_NR; i++) {
		if (st[i].attach != PTW_ATTACH_NONE &&
		    (st[i].counters & (1u << c)))
			return true;
	}
	return false;
}

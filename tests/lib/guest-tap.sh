# shellcheck shell=bash
# The host side of every suite that runs a guest; source after tap.sh.
#   guest_tap WHAT LOG GUEST_SH_ARGS...
# Runs tests/vm/guest.sh with GUEST_SH_ARGS (PTWATCH_QEMU_ARGS passes
# through), keeps the whole console, carriage returns stripped, in LOG,
# relays its TAP and "# " lines ("BENCH" figure lines as "# BENCH"),
# counted for the plan, and, when the guest did not exit 0 (a failed check,
# a panic, the timeout), the console's last 6000 bytes; then one TAP line:
# the guest exited 0, with what 124 and 125 mean. The exit status is
# guest.sh's own (PIPESTATUS, never the filter's): a guest that panics,
# times out or dies fails the suite. GUEST_LABEL, when set (e.g. "6.1"),
# prefixes each relayed line's description with "[LABEL] ". GUEST_PLAN=yes
# requires the guest's own plan line (see below). GUEST_SH, when
# set, is the runner instead of tests/vm/guest.sh (tests/systemd/boot.sh:
# the same exit statuses), run under nice when GUEST_NICE is set.
guest_tap() {
	local what=$1 log=$2 rc start=$SECONDS why= pre= planned ran
	shift 2
	mkdir -p "$(dirname "$log")"
	${GUEST_NICE:+nice} "${GUEST_SH:-$PTWATCH_ROOT/tests/vm/guest.sh}" "$@" 2>&1 |
		tr -d '\r' > "$log"
	rc=${PIPESTATUS[0]}
	[ -n "${GUEST_LABEL:-}" ] && pre="[$GUEST_LABEL] "
	tap_relay < <(grep -E '^(not )?ok |^# |^BENCH' "$log" |
		sed -e 's/^BENCH/# BENCH/' \
			-e "s/^\(\(not \)\?ok\) - /\1 - $pre/" -e "s/^# /# $pre/")
	# a guest script that prints its plan (1..N) must have run N checks;
	# with GUEST_PLAN=yes (scripts that end in bpf_done or print 1..N) a
	# missing plan is a script that ended early, even with exit 0
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
	ran=$(grep -cE '^(not )?ok ' "$log")
	if [ -n "$planned" ] && [ "$planned" != "$ran" ]; then
		not_ok "$pre$what: the guest planned $planned checks, $ran ran"
	elif [ -z "$planned" ] && [ "${GUEST_PLAN:-}" = yes ]; then
		not_ok "$pre$what: the guest printed no plan (1..N): its script ended before its end ($ran checks ran)"
	fi
	case "$rc" in
	0) ;;
	124) why=": timed out" ;;
	125) why=": died before the script ended (panic, crash, reboot)" ;;
	*) why=": the script exited $rc" ;;
	esac
	[ "$rc" = 0 ] || tail -c 6000 "$log" | sed 's/^/# console: /'
	expect_eq "$pre$what: guest exits 0$why ($((SECONDS - start)) s; console in $log)" 0 "$rc"
}

# debian_kernel SERIES: sets $kernel to Debian's SERIES (6.1, 6.12) cloud
# kernel, fetched or cached; 1 with a not ok line when it cannot be had.
debian_kernel() {
	if kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch "$1" 2>"$BUILD/test-logs/fetch-$1.err" | tail -1) &&
		[ -r "$kernel" ]; then
		return 0
	fi
	not_ok "Debian $1 kernel is available" "tests/vm/kernels.sh fetch $1 failed:" \
		"$(tail -5 "$BUILD/test-logs/fetch-$1.err")"
	return 1
}

# patched_kernel: sets $kernel to the patched 6.12 bzImage (built, or taken
# from the cache) and says so in one TAP line; a failed build ends the
# suite with not ok and the log to read.
patched_kernel() {
	local start=$SECONDS
	# PTWATCH_KERNEL: a bzImage to boot instead (a developer's run while
	# another build holds the kernel cache's lock)
	if [ -n "${PTWATCH_KERNEL:-}" ]; then
		kernel=$PTWATCH_KERNEL
		ok "patched 6.12 kernel given: $kernel"
		return
	fi
	if ! kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh"); then
		not_ok "patched 6.12 kernel builds (make kernel)" \
			"see $BUILD/kernel/obj.log"
		tap_done
	fi
	ok "patched 6.12 kernel built or taken from the cache ($((SECONDS - start)) s)"
}

# shellcheck shell=bash
# The host side of a kernel suite's guest run; source after tap.sh.
#   guest_tap WHAT LOG GUEST_SH_ARGS...
# Runs tests/vm/guest.sh with GUEST_SH_ARGS (PTWATCH_QEMU_ARGS passes
# through), keeps the whole console, carriage returns stripped, in LOG,
# relays its TAP and "# " lines ("BENCH" figure lines as "# BENCH") and,
# when the guest did not exit 0 (a failed check, a panic, the timeout),
# the console's last 6000 bytes; then one TAP line: the guest exited 0.
guest_tap() {
	local what=$1 log=$2 rc start=$SECONDS
	shift 2
	mkdir -p "$(dirname "$log")"
	"$PTWATCH_ROOT/tests/vm/guest.sh" "$@" 2>&1 | tr -d '\r' > "$log"
	rc=${PIPESTATUS[0]}
	grep -E '^(not )?ok |^# |^BENCH' "$log" | sed 's/^BENCH/# BENCH/'
	[ "$rc" = 0 ] || tail -c 6000 "$log" | sed 's/^/# console: /'
	expect_eq "$what: guest exits 0 ($((SECONDS - start)) s; console in $log)" 0 "$rc"
}

# patched_kernel: sets $kernel to the patched 6.12 bzImage (built, or taken
# from the cache) and says so in one TAP line; a failed build ends the
# suite with not ok and the log to read.
patched_kernel() {
	local start=$SECONDS
	if ! kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh"); then
		not_ok "patched 6.12 kernel builds (make kernel)" \
			"see $BUILD/kernel/obj.log"
		tap_done
	fi
	ok "patched 6.12 kernel built or taken from the cache ($((SECONDS - start)) s)"
}

#!/usr/bin/env bash
# The series with CONFIG_PT_RECLAIM=n (kernel-patches/off.config): every
# option it adds must build switched off, and the kernel must then behave
# as one without the feature. Builds `build-kernel.sh --off` (its own cache
# key, the plain kernel's object tree: minutes after the plain build,
# cached: seconds), checks its config and symbols, and boots it once:
# tests/kernel/guest-config-off.sh.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
start=$SECONDS
# The plain kernel first (the later suites need it anyway): the off build
# then shares its object tree and recompiles only what PT_RECLAIM touches
# (build-kernel.sh, obj_dir).
"$PTWATCH_ROOT/kernel-patches/build-kernel.sh" > /dev/null || true
if ! kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --off); then
	not_ok "patched 6.12 kernel builds with CONFIG_PT_RECLAIM=n" \
		"see $BUILD/kernel/obj-off.log"
	tap_done
fi
ok "patched 6.12 kernel builds with CONFIG_PT_RECLAIM=n ($((SECONDS - start)) s)"
dir=$(dirname "$kernel")
if grep -qx '# CONFIG_PT_RECLAIM is not set' "$dir/.config"; then
	ok "its config has CONFIG_PT_RECLAIM off"
else
	not_ok "its config has CONFIG_PT_RECLAIM off" "$(grep PT_RECLAIM "$dir/.config")"
fi
# System.map: reclaim code gone, the tracepoints (not reclaim-only) kept
syms=$(awk '{ print $3 }' "$dir/System.map")
for s in pt_reclaim_free_pte try_to_free_pte try_get_and_clear_pmd; do
	if grep -qx "$s" <<< "$syms"; then
		not_ok "no $s in the kernel" "System.map lists it"
	else
		ok "no $s in the kernel"
	fi
done
for s in __tracepoint_zap_pte_table __tracepoint_pte_table_free; do
	if grep -qx "$s" <<< "$syms"; then ok "$s is built"; else not_ok "$s is built" "not in System.map"; fi
done
guest_tap "option-off guest" "$BUILD/test-logs/config-off-guest.log" \
	--kernel "$kernel" --timeout 600 --mem 1G -- \
	"$PTWATCH_ROOT/tests/kernel/guest-config-off.sh"
tap_done

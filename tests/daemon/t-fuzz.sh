#!/usr/bin/env bash
# libFuzzer on the query socket's request parser for a bounded time
# (PTWATCH_FUZZ_SECONDS, default 30), starting from tests/fuzz/corpus.
. "$(dirname "$0")/lib.sh"

fuzzer=$B/tests/fuzz/fuzz_request
secs=${PTWATCH_FUZZ_SECONDS:-30}
if [ ! -x "$fuzzer" ]; then
	not_ok "fuzzer built" "$fuzzer missing (clang with libclang-rt-14-dev?)"
	tap_done
fi
cp -r tests/fuzz/corpus "$T/corpus"
mkdir -p "$T/artifacts"
"$fuzzer" -max_total_time="$secs" -max_len=6000 -timeout=5 -rss_limit_mb=512 \
	-artifact_prefix="$T/artifacts/" -print_final_stats=1 "$T/corpus" \
	>"$T/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz.log")
cov=$(grep -o 'cov: [0-9]*' "$T/fuzz.log" | tail -1)
if [ $rc -eq 0 ] && [ -z "$(ls "$T/artifacts")" ]; then
	ok "request parser survives ${secs}s of libFuzzer ($runs inputs, $cov)"
else
	not_ok "request parser under libFuzzer (exit $rc)" "$(grep -E 'ERROR|SUMMARY|crash-' "$T/fuzz.log" | head -5)"
	for f in "$T"/artifacts/*; do
		[ -e "$f" ] && echo "#   input: $(head -c 200 "$f" | od -c | head -3 | tr '\n' ' ')"
	done
fi
tap_done

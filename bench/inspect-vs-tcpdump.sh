#!/usr/bin/env bash
# Reading speed of `fwsim inspect` against `tcpdump -r FILE -w /dev/null` on one large capture.
#
#   bench/inspect-vs-tcpdump.sh [RUNS] [CAPTURE]
#
# RUNS (default 5) timed runs of each, alternating, after one untimed read that puts the file in
# the page cache. CAPTURE defaults to bench/out/big.pcap, generated when missing with
# `fwsim gen --packets 10000000 --flows 500000 --seed 1` (about 5.7 GB; bench/out/ is git-ignored).
# fwsim is published in Release to bench/out/publish/ and run from there. Prints each run's wall
# time and packets per second, then the medians and the ratio fwsim / tcpdump.
set -euo pipefail

runs=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
capture=${2:-$out/big.pcap}
publish="$out/publish"

for tool in dotnet tcpdump awk; do
  command -v "$tool" >/dev/null || { echo "inspect-vs-tcpdump: $tool is not installed" >&2; exit 2; }
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "inspect-vs-tcpdump: RUNS must be a positive number, not '$runs'" >&2; exit 2; }
mkdir -p "$out"

echo "publishing fwsim (Release) to $publish" >&2
"$here/publish-fwsim.sh" "$publish"
fwsim=("$publish/fwsim")

if [[ ! -f "$capture" ]]; then
  echo "generating $capture" >&2
  "${fwsim[@]}" gen --packets 10000000 --flows 500000 --seed 1 --out "$capture" >&2
fi

# One untimed read so that every timed run finds the file in the page cache; the packet count
# comes from fwsim itself.
cat "$capture" > /dev/null
packets=$("${fwsim[@]}" inspect --json "$capture" | awk -F'[:,]' '/"packets"/ { gsub(/ /, "", $2); print $2; exit }')
[[ -n "$packets" && "$packets" -gt 0 ]] || { echo "inspect-vs-tcpdump: could not count the packets of $capture" >&2; exit 1; }
size=$(stat -c %s "$capture")
echo "capture: $capture, $packets packets, $size bytes; $runs runs each" >&2

now() { date +%s%N; }

# Runs a command with stdout to /dev/null; prints its wall time in nanoseconds.
timed() {
  local start end
  start=$(now)
  "$@" > /dev/null
  end=$(now)
  echo $((end - start))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

pps() { awk -v p="$packets" -v ns="$1" 'BEGIN { printf "%.0f", p * 1e9 / ns }'; }

fwsim_times=()
tcpdump_times=()
printf '%-4s %-8s %12s %14s\n' run tool seconds packets/s
for ((i = 1; i <= runs; i++)); do
  t=$(timed "${fwsim[@]}" inspect "$capture")
  fwsim_times+=("$t")
  printf '%-4s %-8s %12.3f %14s\n' "$i" fwsim "$(awk -v ns="$t" 'BEGIN { print ns / 1e9 }')" "$(pps "$t")"

  t=$(timed tcpdump -r "$capture" -w /dev/null 2>/dev/null)
  tcpdump_times+=("$t")
  printf '%-4s %-8s %12.3f %14s\n' "$i" tcpdump "$(awk -v ns="$t" 'BEGIN { print ns / 1e9 }')" "$(pps "$t")"
done

fwsim_median=$(printf '%s\n' "${fwsim_times[@]}" | median)
tcpdump_median=$(printf '%s\n' "${tcpdump_times[@]}" | median)
fwsim_pps=$(pps "$fwsim_median")
tcpdump_pps=$(pps "$tcpdump_median")
echo
printf 'median fwsim inspect:   %8.3f s  %12s packets/s\n' "$(awk -v ns="$fwsim_median" 'BEGIN { print ns / 1e9 }')" "$fwsim_pps"
printf 'median tcpdump -r -w:   %8.3f s  %12s packets/s\n' "$(awk -v ns="$tcpdump_median" 'BEGIN { print ns / 1e9 }')" "$tcpdump_pps"
awk -v a="$fwsim_pps" -v b="$tcpdump_pps" 'BEGIN { printf "ratio fwsim / tcpdump:  %.2f (packets per second)\n", a / b }'

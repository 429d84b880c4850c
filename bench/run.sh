#!/usr/bin/env bash
# Replay throughput: `fwsim replay` (full verdicts, connection tracking and flow-log output) on two
# cores (default two threads), pinned to one core (`taskset -c 0`: the process sees one processor, so
# one thread, and the runtime's own threads share that core), and with --threads 1 on two cores (the
# reader and the runtime still use the second), against libpcap's bare read loop (bench/pcaploop.c,
# pinned too) and `tcpdump -r F -w /dev/null`, on one synthetic capture, alternating, with medians
# and ratios. "fwsim / fwsim-1core" is the two-core speed-up, "fwsim-1core / pcaploop" the one-core rate
# against libpcap's.
# Also reports peak memory, and checks that the three fwsim runs wrote the same flowlogs.log.
#
#   bench/run.sh [RUNS=5] [PACKETS=10000000] [FWSIM_EXTRA_ARGS...]
#
# fwsim is published self-contained with one composite ReadyToRun image (bench/publish-fwsim.sh);
# FWSIM_PUBLISH=framework measures the framework-dependent build instead.
#
# The capture (bench/out/big-$PACKETS.pcap, ~550 bytes per packet) and its configuration are generated
# once with `fwsim gen --seed 1 --config-out`. Needs: dotnet, cc + libpcap0.8-dev, tcpdump, python3, taskset.
set -euo pipefail
runs=${1:-5}
packets=${2:-10000000}
shift $(( $# > 2 ? 2 : $# )) || true
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
mkdir -p "$out"
for tool in dotnet cc tcpdump python3 taskset; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 2; }
done
[ -f /usr/include/pcap/pcap.h ] || { echo "run.sh: libpcap headers missing (apt-get install libpcap0.8-dev)" >&2; exit 2; }

echo "building fwsim (Release) and the libpcap loop" >&2
"$here/publish-fwsim.sh" "$out/publish"
cc -O2 -o "$out/pcaploop" "$here/pcaploop.c" -l:libpcap.so.0.8

capture="$out/big-$packets.pcap"
config="$out/config-synthetic"
if [ "$packets" = 10000000 ] && [ -f "$out/big.pcap" ] && [ ! -f "$capture" ]; then ln -s big.pcap "$capture"; fi
if [ ! -f "$capture" ] || [ ! -f "$config/lab.yaml" ]; then
  echo "generating $capture" >&2
  "$out/publish/fwsim" gen --packets "$packets" --flows $((packets / 20)) --seed 1 --out "$capture" --config-out "$config" -q >&2
fi
cat "$capture" > /dev/null   # into the page cache for every timed run
echo "capture: $capture ($(stat -L -c %s "$capture") bytes, $packets packets)" >&2

python3 "$here/measure.py" "$runs" --packets "$packets" \
  fwsim "$out/publish/fwsim replay $capture --config $config --out $out/replay-out -q ${extra[*]:-}" \
  fwsim-1core "taskset -c 0 $out/publish/fwsim replay $capture --config $config --out $out/replay-out-1c -q ${extra[*]:-}" \
  fwsim-1thread "$out/publish/fwsim replay $capture --config $config --out $out/replay-out-1 -q --threads 1 ${extra[*]:-}" \
  pcaploop "taskset -c 0 $out/pcaploop $capture" \
  tcpdump "tcpdump -r $capture -w /dev/null" \
  --ratio fwsim-1core/pcaploop
for o in replay-out-1c replay-out-1; do
  cmp -s "$out/replay-out/flowlogs.log" "$out/$o/flowlogs.log" \
    || { echo "flowlogs.log of $o differs from the two-thread run's" >&2; exit 1; }
done
echo "flowlogs.log of --threads 2, one core and --threads 1: identical"

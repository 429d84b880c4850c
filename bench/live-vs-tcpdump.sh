#!/usr/bin/env bash
# Live capture throughput: tcpreplay pushes a synthetic capture into one end of a veth pair (inside two
# network namespaces created here) while `fwsim live` — or, for comparison, `tcpdump -w /dev/null` —
# captures the other end. For each, the packet rate is raised step by step and the highest rate with
# zero kernel drops is reported, plus what --topspeed achieved. Run as root; traffic never leaves the
# two namespaces.
#
#   bench/live-vs-tcpdump.sh [PACKETS=1000000] [RATES="50000 100000 200000 300000 400000 600000 800000"]
set -euo pipefail
packets=${1:-1000000}
rates=${2:-"50000 100000 200000 300000 400000 600000 800000"}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] || { echo "live-vs-tcpdump: run as root (network namespaces, capture)" >&2; exit 2; }
for tool in dotnet tcpreplay tcpdump ip; do
  command -v "$tool" >/dev/null || { echo "live-vs-tcpdump: $tool is not installed" >&2; exit 2; }
done

"$here/publish-fwsim.sh" "$out/publish"
fwsim=("$out/publish/fwsim")
capture="$out/live-$packets.pcap"
config="$out/config-live"
[ -f "$capture" ] || "${fwsim[@]}" gen --packets "$packets" --seed 2 --out "$capture" --config-out "$config" -q >&2
[ -f "$config/lab.yaml" ] || "${fwsim[@]}" gen --packets 1000 --seed 2 --out "$out/tiny.pcap" --config-out "$config" -q >&2

A=fwbench-a B=fwbench-b
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $A; ip netns add $B
ip link add fwbva type veth peer name fwbvb
ip link set fwbva netns $A; ip link set fwbvb netns $B
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set fwbva up; ip -n $B link set fwbvb up

# One trial: start the capturer in A, replay at RATE (pps, or "top") from B, stop, print "sent dropped".
trial() {
  local who=$1 rate=$2 log="$out/live-trial.log" speed
  if [ "$rate" = top ]; then speed=(--topspeed); else speed=(--pps="$rate"); fi
  if [ "$who" = fwsim ]; then
    ip netns exec $A "${fwsim[@]}" live -i fwbva --config "$config" --out "$out/live-out" --stats-interval 0 \
      --buffer-mb 64 > "$log" 2>&1 &
    until grep -q "Capturing on" "$log"; do sleep 0.1; done
  else
    ip netns exec $A tcpdump -i fwbva -B 65536 -w /dev/null > "$log" 2>&1 &
    sleep 1
  fi
  local pid=$!
  local replay sent pps
  replay=$(ip netns exec $B tcpreplay "${speed[@]}" -i fwbvb "$capture" 2>&1)
  sent=$(awk '/Actual:/ { print $2; exit }' <<<"$replay")
  pps=$(awk '/Rated:/ { for (i = 1; i <= NF; i++) if ($i ~ /^pps/) print int($(i - 1)); exit }' <<<"$replay")
  sleep 1
  kill -TERM $pid; wait $pid || true
  local dropped
  if [ "$who" = fwsim ]; then
    dropped=$(grep -o 'kernel-dropped [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
  else
    dropped=$(awk '/dropped by kernel/ { print $1 }' "$log")
  fi
  echo "${sent:-0} ${dropped:-?} ${pps:-?}"
}

for who in fwsim tcpdump; do
  best=0
  for rate in $rates; do
    read -r sent dropped pps < <(trial "$who" "$rate")
    printf '%-8s %8s pps: sent %s at %s pps, kernel-dropped %s\n' "$who" "$rate" "$sent" "$pps" "$dropped"
    if [ "$dropped" = 0 ]; then best=$rate; else break; fi
  done
  start=$(date +%s%N)
  read -r sent dropped pps < <(trial "$who" top)
  end=$(date +%s%N)
  printf '%-8s topspeed: sent %s at %s pps, kernel-dropped %s (trial %.1f s)\n' "$who" "$sent" "$pps" "$dropped" "$(awk -v ns=$((end - start)) 'BEGIN { print ns / 1e9 }')"
  printf '%-8s highest rate with zero kernel drops: %s pps\n\n' "$who" "$best"
done

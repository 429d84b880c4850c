#!/usr/bin/env bash
# Scale of `fwsim replay`: connection-table memory per tracked connection at about 1 M concurrent
# tracked connections, and the replay rate at about 5 M concurrent tracked connections against a
# configuration with 10,000 extra security-group rules.
#
#   bench/scale.sh [MEMORY_FLOWS=1700000] [RATE_FLOWS=6500000] [EXTRA_RULES=10000]
#
# Captures (`fwsim gen --seed 1`) hold short flows, 5 packets a flow on average (--packets 5×F), with
# F / 1.7 flow slots open at once, squeezed into a few seconds of packet time (--duration 2; the
# generator stretches short flows, the real span is printed and checked). No conntrack entry can
# expire in less than 10 s (TCP CLOSE, the shortest timeout, D5), so every entry made is still in the
# table at the end: the entries the engine reports at the end are its peak, and replay.json's peak
# tracked connections were all tracked at the same moment.
#
# (a) memory, the generated configuration as it is: web→app and app→db are tracked on both ENIs,
#     public DNS and ICMP on one, internet HTTP(S) to the web tier is untracked (open rules both ways)
#     and gets a marker entry (D4): about 0.63 tracked entries and 0.35 markers a flow, so F = 1.7 M
#     gives ~1 M tracked. replay -v; the engine's debug line gives the tables' bytes (both families'
#     slot arrays, 32 bytes an IPv4 slot, 56 an IPv6 slot, doubled at 0.75 load) and entries, printed
#     per peak tracked connection and per entry (tracked + markers), with the peak RSS.
# (b) rate, with `gen --web-outbound narrow`: the web tier's outbound rules only allow what it starts,
#     so internet HTTP(S) flows are tracked too. (With the open configuration the fixed address plan
#     cannot get there: connections between two servers are bounded by 28,232 ephemeral ports per pair
#     and family, DNS and app→db reuse 5-tuples whose entries are still alive, and 8.2 M flows gave
#     only 3.9 M tracked.) About 0.8 tracked entries a flow at this size: F = 6.5 M gives ~5 M. The
#     capture is replayed against the configuration with EXTRA_RULES extra rules (the configuration
#     depends on --extra-rules, --web-outbound and the seed, not on the capture, so a one-packet
#     `gen --extra-rules` writes it; the rules match no packet, docs/synthetic-captures.md), then
#     against the same configuration without them
#     for comparison: packets, wall seconds, packets/s, CPU and peak RSS of each.
#
# Generated files go to bench/out/ (git-ignored) and are reused while the arguments stay the same: the
# 1 M capture is about 1.2 GB, the 5 M capture about 4.7 GB. Each replay is timed once, after the
# capture has been read into the page cache; the load average before each run is printed, because
# another job on the machine changes the rate. Takes about 3 minutes on a 2-core VM (generating
# included); the 5 M replay needs about 4.5 GB of memory. Needs: dotnet, python3.
set -euo pipefail
memory_flows=${1:-1700000}
rate_flows=${2:-6500000}
extra_rules=${3:-10000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"
for v in "$memory_flows" "$rate_flows" "$extra_rules"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "scale.sh: arguments are whole numbers, not '$v'" >&2; exit 2; }
done
for tool in dotnet python3; do
  command -v "$tool" >/dev/null || { echo "scale.sh: $tool is not installed" >&2; exit 2; }
done
mkdir -p "$out"

echo "building fwsim (Release) into $out/publish" >&2
"$here/publish-fwsim.sh" "$out/publish"
fwsim=("$out/publish/fwsim")

# gen NAME FLOWS [EXTRA_ARGS…]: bench/out/scale-NAME.pcap and its configuration, unless already there
# from the same arguments; prints the generator's summary lines that matter here.
gen() {
  local name=$1 flows=$2
  shift 2
  local capture="$out/scale-$name.pcap" config="$out/scale-$name-config" summary="$out/scale-$name.gen.txt"
  local concurrent=$(( flows * 10 / 17 ))
  local args=(gen --packets $(( flows * 5 )) --flows "$flows" --concurrent "$concurrent" --duration 2 --seed 1 "$@")
  if [[ ! -f "$capture" || ! -f "$config/lab.yaml" || ! -f "$summary" || "$(head -1 "$summary")" != "${args[*]}" ]]; then
    echo "generating $capture: fwsim ${args[*]}" >&2
    rm -f "$summary"
    local text
    text=$("${fwsim[@]}" "${args[@]}" --out "$capture" --config-out "$config" -q)
    printf '%s\n%s\n' "${args[*]}" "$text" > "$summary"
  fi
  grep -E '^(packets|bytes|flows|duration|generated in):' "$summary" | sed "s/^/  [$name] /"
  local span
  span=$(awk '/^duration:/ { print $2 }' "$summary")
  if ! awk -v s="$span" 'BEGIN { exit !(s < 10) }'; then
    echo "scale.sh: the capture spans $span s, not under 10 s: entries may expire, and the end count is not the peak" >&2
  fi
}

# timed LABEL LOG COMMAND…: runs the command once with stdout and stderr to LOG; prints
# "wall user sys maxrss_kib" (seconds, KiB) from wait4(2), like measure.py.
timed() {
  local label=$1 log=$2
  shift 2
  echo "  [$label] load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  python3 - "$log" "$@" <<'EOF'
import os, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execvp(cmd[0], cmd)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(f"scale.sh: exit code {code} from {' '.join(cmd)}; see {log}")
print(f"{wall:.3f} {usage.ru_utime:.3f} {usage.ru_stime:.3f} {usage.ru_maxrss}")
EOF
}

# replay NAME CAPTURE CONFIG: timed `fwsim replay -v`; prints one line of KEY=VALUE facts.
replay() {
  local name=$1 capture=$2 config=$3
  local dir="$out/scale-$name-replay" log="$out/scale-$name-replay.log"
  cat "$capture" > /dev/null
  local t
  t=$(timed "$name" "$log" "${fwsim[@]}" replay "$capture" --config "$config" --out "$dir" -v)
  python3 - "$dir/replay.json" "$log" $t <<'EOF'
import json, re, sys
summary, log, wall, user, sys_, rss = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
counts = json.load(open(summary))["counts"]
m = re.search(r"conntrack table ([0-9.]+) MB for ([0-9]+) entries", open(log).read())
if not m:
    sys.exit(f"scale.sh: no conntrack line in {log} (is -v debug logging on?)")
print(f"packets={counts['packets']} peak_tracked={counts['peak_tracked_connections']} table_mb={m.group(1)} "
      f"entries={m.group(2)} wall={wall} user={user} sys={sys_} rss_kib={int(rss)}")
EOF
}

field() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

echo "== (a) conntrack memory, ~1 M concurrent tracked connections ($memory_flows flows)"
gen memory "$memory_flows"
a=$(replay memory "$out/scale-memory.pcap" "$out/scale-memory-config")
python3 - $a <<'EOF'
import sys
f = dict(kv.split("=") for kv in sys.argv[1:])
table = float(f["table_mb"]) * 1e6
tracked, entries = int(f["peak_tracked"]), int(f["entries"])
print(f"  peak tracked connections   {tracked:>14,}")
print(f"  table entries (peak)       {entries:>14,}  (tracked + untracked markers; {entries / tracked:.2f} per tracked)")
print(f"  conntrack table            {table / 1e6:>14.1f} MB")
print(f"  bytes per tracked conn.    {table / tracked:>14.1f}  (goal: at most 96)")
print(f"  bytes per table entry      {table / entries:>14.1f}")
print(f"  replay: {int(f['packets']):,} packets in {float(f['wall']):.1f} s, {int(f['packets']) / float(f['wall']):,.0f} packets/s, "
      f"peak RSS {int(f['rss_kib']) / 1024:,.0f} MiB")
EOF

echo "== (b) replay rate, ~5 M concurrent tracked connections ($rate_flows flows), $extra_rules extra rules"
gen rate "$rate_flows" --web-outbound narrow
rules_config="$out/scale-rules-$extra_rules-config"
"${fwsim[@]}" gen --packets 1 --seed 1 --web-outbound narrow --out "$out/scale-rules-$extra_rules.pcap" --config-out "$rules_config" \
  --extra-rules "$extra_rules" -q > /dev/null
rm -f "$out/scale-rules-$extra_rules.pcap"
for run in "rules:$rules_config" "plain:$out/scale-rate-config"; do
  label=${run%%:*}
  r=$(replay "rate-$label" "$out/scale-rate.pcap" "${run#*:}")
  python3 - "$label" "$extra_rules" $r <<'EOF'
import sys
label, extra = sys.argv[1], int(sys.argv[2])
f = dict(kv.split("=") for kv in sys.argv[3:])
packets, wall = int(f["packets"]), float(f["wall"])
what = f"configuration with {extra:,} extra rules ({24 + extra:,} in all)" if label == "rules" else "configuration without them (24 rules)"
print(f"  against the {what}:")
print(f"    packets                  {packets:>14,}")
print(f"    wall                     {wall:>14.1f} s  (CPU {float(f['user']) + float(f['sys']):.1f} s)")
print(f"    packets/s                {packets / wall:>14,.0f}")
print(f"    peak RSS                 {int(f['rss_kib']) / 1024:>14,.0f} MiB")
print(f"    peak tracked connections {int(f['peak_tracked']):>14,}  (table {float(f['table_mb']):.1f} MB, {int(f['entries']):,} entries)")
EOF
done

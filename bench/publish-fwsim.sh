#!/usr/bin/env bash
# Publishes fwsim the way the benchmarks run it: Release, self-contained, the application and the .NET
# runtime libraries precompiled together into one composite ReadyToRun image. Run it as OUT_DIR/fwsim.
#   bench/publish-fwsim.sh OUT_DIR [composite|framework]   (the mode defaults to $FWSIM_PUBLISH, else composite)
# composite (the default): no start-up jitting, not even of the framework's generic code instantiated over
#   fwsim's types, which a separate image cannot hold. Measured on the 10 M capture against `framework`:
#   wall A/B 0.954 on two cores and 0.985 pinned to one; start-up to the first packet 0.19 -> 0.14 s.
#   ~100 MB, ~80 s to publish.
# framework: framework-dependent ReadyToRun of fwsim's own assemblies (what `dotnet publish` makes with
#   -p:PublishReadyToRun=true; 7.8% less wall than no ReadyToRun), for comparison.
# Each mode builds under its own artifacts folder: ReadyToRun output of one mode reused by the other's
# incremental build makes a binary that aborts at start.
set -euo pipefail
out=$1
mode=${2:-${FWSIM_PUBLISH:-composite}}
root=$(cd "$(dirname "$0")/.." && pwd)
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
case "$mode" in
  composite) args=(--self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true) ;;
  framework) args=(--self-contained false -p:PublishReadyToRun=true) ;;
  *) echo "publish-fwsim.sh: mode is composite or framework, not '$mode'" >&2; exit 2 ;;
esac
# A previous publish is replaced whole (the two modes leave different files); any other folder is refused.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
  [ -f "$out/fwsim.dll" ] || { echo "publish-fwsim.sh: $out is not empty and holds no previous fwsim publish; not replacing it" >&2; exit 2; }
  rm -rf "$out"
fi
dotnet publish "$root/src/FirewallSim.Cli/FirewallSim.Cli.csproj" -c Release -r "$rid" "${args[@]}" \
  --artifacts-path "$root/bench/out/artifacts-$mode" -o "$out" --nologo -v quiet >&2

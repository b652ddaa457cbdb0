#!/usr/bin/env bash
# Samples one benchmark operation with perf (the cpu-clock event, which works where hardware counters do not) and
# prints where the time goes: by library, and by method with the runtime's names for compiled .NET code.
# Usage: profile.sh <scenario> [seconds]
#   scenarios: build-link, build-link-floor, validate-invalid, validate-invalid-regex, validate-valid,
#              webhook-bytes, webhook-string, webhook-floor
set -euo pipefail
cd "$(dirname "$0")/../../.."
scenario="${1:?scenario}"
seconds="${2:-10}"
command -v perf >/dev/null || { echo "perf is required (Debian: linux-perf)." >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build -c Release tests/PaymentLinks.Tracking.Benchmarks -v q -nologo >/dev/null
binary=tests/PaymentLinks.Tracking.Benchmarks/bin/Release/net10.0/PaymentLinks.Tracking.Benchmarks.dll

# PerfMapEnabled=3 writes /tmp/perf-<pid>.map, which names compiled .NET methods for perf; without W^X each method
# has one address, the one the map names. The 2 s warm-up is sampled too: its methods say QuickJitted or Tier0.
DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapEnabled=3 perf record -e cpu-clock -F 10000 -o "$out/perf.data" -- \
  dotnet "$binary" profile "$scenario" "$seconds" 2>&1 | grep -v '^\[ perf record'

echo "== $scenario: share of samples by library =="
perf report -i "$out/perf.data" --sort dso --stdio --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$' \
  | sed 's/\[JIT\] tid [0-9]*/compiled .NET code/'
echo "== $scenario: share of samples by method =="
perf report -i "$out/perf.data" --sort dso,symbol --stdio --percent-limit 0.5 2>/dev/null | grep -v '^#' \
  | grep -v '^$' | sed -E 's/\[JIT\] tid [0-9]+/.NET/; s/ +- +- *$//; s/\[OptimizedTier1\]//; s/ {2,}/  /g'
rm -f /tmp/perf-*.map

#!/usr/bin/env bash
# Measures the console sample's `bulk` command: links per second and peak memory, at two sizes, to show that memory
# stays flat as the row count grows. Usage: measure-bulk.sh [rows...]   (default: 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/../../.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet build -c Release samples/PaymentLinks.Tracking.Samples.Console -nologo -v quiet >/dev/null
sample="samples/PaymentLinks.Tracking.Samples.Console/bin/Release/net10.0/PaymentLinks.Tracking.Samples.Console.dll"

# Rows like a campaign export: four base links (one by name from appsettings.json), a reference id per row, and
# one row in fifty with a campaign name Stripe would drop.
generate() {
  awk -v rows="$1" 'BEGIN {
    print "base_url,client_reference_id,utm_source,utm_medium,utm_campaign,utm_term,utm_content"
    split("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr|https://buy.stripe.com/test_28o5nP3nF6QKa1a7ss|https://pay.example.com/b/pro?plan=yearly|stripe-example", bases, "|")
    split("newsletter|google|facebook|partner", sources, "|")
    split("email|cpc|social|referral", media, "|")
    for (i = 0; i < rows; i++) {
      campaign = (i % 50 == 0) ? "\"Spring Sale!\"" : "spring_sale_2026"
      printf "%s,order-%08d,%s,%s,%s,running_shoes,hero_%d\n", bases[i % 4 + 1], i, sources[i % 4 + 1], media[(i / 4) % 4 + 1], campaign, i % 7
    }
  }' > "$2"
}

printf '| rows | seconds | links per second | peak memory (MiB) |\n| ---: | ---: | ---: | ---: |\n'
for rows in "${sizes[@]}"; do
  generate "$rows" "$work/in.csv"
  /usr/bin/time -f '%e %M' -o "$work/time" \
    dotnet "$sample" bulk "$work/in.csv" --output "$work/out.csv" 2>"$work/stderr" || true
  read -r seconds kib < "$work/time"
  lines=$(($(wc -l < "$work/out.csv") - 1))
  [ "$lines" -eq "$rows" ] || { echo "bulk wrote $lines rows for $rows" >&2; cat "$work/stderr" >&2; exit 1; }
  awk -v r="$rows" -v s="$seconds" -v k="$kib" 'BEGIN { printf "| %d | %.2f | %.0f | %.1f |\n", r, s, r / s, k / 1024 }'
done

#!/usr/bin/env bash
# Packs PaymentLinks.Tracking into a local folder feed, then builds and runs a fresh console project that installs the
# package by id and version from that feed, as a user would: the package works, not only the project reference.
#
# The version is unique to this run (0.0.0-ci.<time>.<pid>), so a package NuGet cached earlier can never stand in
# for the one just packed; the run's copy is removed from the global cache again at the end.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
version="0.0.0-ci.$(date -u +%Y%m%d%H%M%S).$$"
packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
cleanup() {
  rm -rf "$work"
  [ -n "$packages" ] && rm -rf "$packages/paymentlinks.tracking/$version"
}
trap cleanup EXIT

fail() {
  echo "package consumer test failed: $*" >&2
  exit 1
}

echo "Packing PaymentLinks.Tracking $version into $work/feed"
dotnet pack "$root/src/PaymentLinks.Tracking/PaymentLinks.Tracking.csproj" -c Release -o "$work/feed" \
  -p:Version="$version" --nologo -v:quiet

nupkg="$work/feed/PaymentLinks.Tracking.$version.nupkg"
[ -f "$nupkg" ] || fail "no package at $nupkg."
[ -f "$work/feed/PaymentLinks.Tracking.$version.snupkg" ] || fail "no symbol package (.snupkg)."
contents="$(unzip -l "$nupkg")"
for expected in README.md lib/net8.0/PaymentLinks.Tracking.dll lib/net8.0/PaymentLinks.Tracking.xml \
                lib/net10.0/PaymentLinks.Tracking.dll lib/net10.0/PaymentLinks.Tracking.xml; do
  grep -q " $expected\$" <<<"$contents" || fail "the package lacks $expected."
done

consumer="$work/consumer"
mkdir -p "$consumer"
cat >"$consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local">
      <package pattern="PaymentLinks.Tracking" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
XML
cat >"$consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <!-- Stripe.net names a dependency version the package source may lack; NuGet then picks the next one. -->
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PaymentLinks.Tracking" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$consumer/Program.cs" <<'CS'
using PaymentLinks.Tracking;

var link = PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr")
    .WithUtmMedium("earned_email")
    .WithUtmSource("marketo")
    .WithUtmCampaign("campaign_a")
    .WithClientReferenceId("sk_live_notARealKey");

const string Expected = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a";
if (link.ToString() != Expected || link.Dropped is not [{ Reason: DropReason.LooksLikeSecret }])
{
    Console.Error.WriteLine($"unexpected link: {link}");
    return 1;
}

Console.WriteLine(link);
return 0;
CS

echo "Building and running a console project that installs the package from the local feed"
# The consumer lives outside the repository, so none of its Directory.*.props apply.
output="$(dotnet run --project "$consumer/Consumer.csproj" -c Release --nologo)" || fail "the consumer did not build or run."
echo "$output"
grep -qx "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a" <<<"$output" \
  || fail "the consumer printed something other than Stripe's example link."
assets="$consumer/obj/project.assets.json"
grep -q "\"PaymentLinks.Tracking/$version\"" "$assets" || fail "the consumer did not restore PaymentLinks.Tracking $version."
echo "package consumer test passed: PaymentLinks.Tracking $version installs and runs."

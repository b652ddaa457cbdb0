#!/usr/bin/env bash
# Publishes the AOT smoke app with Native AOT and runs it.
#
# Native AOT on Linux needs clang and zlib's development files. When they are missing this script installs them
# with apt-get if it can (as root, non-interactively). When it cannot, or when publishing fails for lack of that
# toolchain, it says "AOT smoke test skipped: <why>" and exits 0. A build error in the app or a wrong answer from the
# binary is a real failure and exits non-zero.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
app="PaymentLinks.Tracking.AotSmoke"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

skip() {
  echo "AOT smoke test skipped: $*"
  exit 0
}

fail() {
  echo "AOT smoke test failed: $*" >&2
  exit 1
}

command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is required (dotnet not on PATH)."

[ "$(uname -s)" = "Linux" ] || skip "this script builds native code on Linux only (this is $(uname -s))."
rid="$(dotnet --info 2>/dev/null | awk '$1 == "RID:" { print $2; exit }')"
[ -n "$rid" ] || fail "could not read the runtime identifier from 'dotnet --info'."

# Can clang compile and link a program against zlib? That is what the native link step needs.
toolchain_ready() {
  command -v clang >/dev/null 2>&1 &&
    printf 'int main(void) { return 0; }\n' | clang -x c - -lz -o "$work/probe" >/dev/null 2>&1
}

if ! toolchain_ready; then
  if [ "$(id -u)" != "0" ]; then
    skip "clang or zlib1g-dev is missing, and installing them needs root."
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    skip "clang or zlib1g-dev is missing, and there is no apt-get to install them."
  fi
  echo "AOT smoke test: installing clang and zlib1g-dev with apt-get..."
  if ! { DEBIAN_FRONTEND=noninteractive apt-get -qq update &&
         DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends clang zlib1g-dev; } >"$work/apt.log" 2>&1; then
    tail -n 5 "$work/apt.log"
    skip "apt-get could not install clang and zlib1g-dev."
  fi
  toolchain_ready || skip "clang still cannot link against zlib after installing clang and zlib1g-dev."
fi

echo "AOT smoke test: publishing $app for $rid with Native AOT..."
if ! dotnet publish "$here/$app.csproj" -c Release -r "$rid" -o "$work/publish" -nologo >"$work/publish.log" 2>&1; then
  # Missing native tools or an unreachable ILCompiler package mean this machine cannot build native code: a skip.
  # Anything else (a compile error, a trimming or AOT warning made an error) is a real failure.
  if grep -Eiq 'not found in PATH|nativeaot-prerequisites|cannot find -l|unable to find library|linker command failed|error NU[0-9]+.*ILCompiler' "$work/publish.log"; then
    grep -Ei 'error' "$work/publish.log" | head -n 5
    skip "publishing with Native AOT failed for lack of the native toolchain (see the errors above)."
  fi
  cat "$work/publish.log" >&2
  fail "dotnet publish failed."
fi

binary="$work/publish/$app"
[ -x "$binary" ] || fail "the publish output holds no native executable $app."
# A published .dll would mean the app was not compiled ahead of time.
[ ! -e "$work/publish/$app.dll" ] || fail "the publish output holds $app.dll: it was not compiled ahead of time."

"$binary" || fail "the native binary reported wrong results (exit code $?)."

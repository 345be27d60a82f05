#!/usr/bin/env bash
# check_snippets.sh WORKDIR CXX PKG_CONFIG PKG_CONFIG_PATH EXTRA_FLAGS DOC.md...
#
# Compiles every ```cpp block of the given Markdown files (docs/*.md and README.md) against
# the installed nethttp (the package.install fixture's prefix), so the documentation cannot
# drift from the headers. Each block must be a complete file. A block with `int main(` is
# compiled and linked with `pkg-config --cflags --libs nethttp` (not run: it would serve
# forever); any other block is compiled only. -Wno-missing-field-initializers: GCC 12's
# -Wextra warns about designated initializers that leave members to their defaults
# (`{.listen = ":8080"}`), the idiom the docs use; nethttp's own build turns it off too.
set -euo pipefail
workdir=$1 cxx=$2 pkg_config=$3
export PKG_CONFIG_PATH=$4
read -r -a extra <<<"$5"
shift 5

read -r -a flags <<<"$("$pkg_config" --cflags --libs nethttp)"
libdir=$("$pkg_config" --variable=libdir nethttp)
rm -rf "$workdir"
mkdir -p "$workdir"

warnings=(-Wall -Wextra -Wno-missing-field-initializers -Werror)
count=0 failed=0
for doc in "$@"; do
  name=$(basename "$doc" .md)
  # Write block N of doc to $workdir/<name>_<line>.cpp, named after its first line.
  awk -v dir="$workdir" -v name="$name" '
    /^```cpp[ \t]*$/ { inside = 1; file = sprintf("%s/%s_%d.cpp", dir, name, NR + 1); next }
    /^```/ && inside { inside = 0; close(file); next }
    inside { print > file }
  ' "$doc"
done

for src in "$workdir"/*.cpp; do
  [[ -e $src ]] || continue
  count=$((count + 1))
  label=$(basename "$src" .cpp)
  label="${label%_*}.md:${label##*_}"
  if grep -q 'int main(' "$src"; then
    testing=()  # nethttp::testing is a library of its own (Go's httptest): link it only where used
    grep -q 'nethttp/testing.hpp' "$src" && testing=("-L$libdir" -lnethttp_testing)
    cmd=("$cxx" "${extra[@]}" "${warnings[@]}" "$src" -o "${src%.cpp}" "${testing[@]}" "${flags[@]}" "-Wl,-rpath,$libdir")
  else
    cmd=("$cxx" "${extra[@]}" "${warnings[@]}" -c "$src" -o "${src%.cpp}.o" "${flags[@]}")
  fi
  if "${cmd[@]}" 2>"${src%.cpp}.log"; then
    echo "ok:   $label"
  else
    failed=$((failed + 1))
    echo "FAIL: $label (snippet in $src)"
    cat "${src%.cpp}.log"
  fi
done

echo "$((count - failed)) passed, $failed failed"
[[ $count -gt 0 && $failed -eq 0 ]]

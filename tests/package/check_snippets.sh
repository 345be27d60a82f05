#!/usr/bin/env bash
# check_snippets.sh WORKDIR CXX PKG_CONFIG PKG_CONFIG_PATH EXTRA_FLAGS DOC.md|HEADER.hpp...
#
# Compiles every ```cpp block of the given Markdown files, and every `/// \code` block of the
# given public headers, against the installed nethttp (the package.install fixture's prefix),
# so the documentation cannot drift from the headers. Each block must be a complete file. A
# block with `int main(` is compiled and linked with `pkg-config --cflags --libs nethttp` (not
# run: it would serve forever), plus nethttp_testing when it includes nethttp/testing.hpp;
# any other block is compiled only.
# -Wno-missing-field-initializers: GCC 12's -Wextra warns about designated initializers that
# leave members to their defaults (`{.listen = ":8080"}`), the idiom the docs use.
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
  name=$(basename "$doc")
  name=${name//./_}
  # Write block N of doc to $workdir/<name>_<line>.cpp, named after its first line.
  if [[ $doc == *.md ]]; then
    awk -v dir="$workdir" -v name="$name" '
      /^```cpp[ \t]*$/ { inside = 1; file = sprintf("%s/%s_%d.cpp", dir, name, NR + 1); next }
      /^```/ && inside { inside = 0; close(file); next }
      inside { print > file }
    ' "$doc"
  else
    awk -v dir="$workdir" -v name="$name" '
      /^[ \t]*\/\/\/ *\\code[ \t]*$/ { inside = 1; file = sprintf("%s/%s_%d.cpp", dir, name, NR + 1); next }
      /^[ \t]*\/\/\/ *\\endcode/ && inside { inside = 0; close(file); next }
      inside { sub(/^[ \t]*\/\/\/ ?/, ""); print > file }
    ' "$doc"
  fi
done

for src in "$workdir"/*.cpp; do
  [[ -e $src ]] || continue
  count=$((count + 1))
  label=$(basename "$src" .cpp)
  label="${label%_*}:${label##*_}"
  testing=()
  if grep -q 'nethttp/testing.hpp' "$src"; then testing=(-lnethttp_testing); fi
  if grep -q 'int main(' "$src"; then
    cmd=("$cxx" "${extra[@]}" "${warnings[@]}" "$src" -o "${src%.cpp}" "-L$libdir" "${testing[@]}" "${flags[@]}"
         "-Wl,-rpath,$libdir")
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

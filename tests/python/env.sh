#!/usr/bin/env bash
# Builds the Python test environment (a venv with the pins of tests/python/requirements.txt) from
# the machine's local wheel indexes only, once; later runs reuse it while the pins are unchanged.
#
#   bash tests/python/env.sh        prints the venv's python on stdout (exit 0), or
#                                   exits 3 with one line on stderr when no local wheels exist.
#
# FACIAL_R1_PYTHON_ENV chooses the venv folder (default ~/.cache/facial-r1/python-env).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements="$here/requirements.txt"
env_dir=${FACIAL_R1_PYTHON_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/facial-r1/python-env}
stamp="$env_dir/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ -x "$env_dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$env_dir/bin/python"
  exit 0
fi

# The local indexes pip is configured with (pip config list): the first becomes --index-url, the
# rest --extra-index-url, so pip never tries a host it cannot reach.
indexes=()
links=()
while IFS= read -r line; do
  key=${line%%=*}
  value=${line#*=}
  value=${value#\'}
  value=${value%\'}
  case "$key" in
    *index-url) for v in $value; do indexes+=("$v"); done ;;
    *find-links) for v in $value; do links+=("$v"); done ;;
  esac
done < <(python3 -m pip config list 2>/dev/null || true)

local_indexes=()
for url in "${indexes[@]}"; do
  case "$url" in file://*) [ -d "${url#file://}" ] && local_indexes+=("$url") ;; esac
done
local_links=()
for dir in "${links[@]}"; do
  [ -d "$dir" ] && local_links+=("$dir")
done
if [ ${#local_indexes[@]} -eq 0 ] && [ ${#local_links[@]} -eq 0 ]; then
  echo "no local Python wheels on this machine (pip config list names no local index or find-links folder)" >&2
  exit 3
fi

args=(--no-input --disable-pip-version-check --only-binary=:all:)
if [ ${#local_indexes[@]} -gt 0 ]; then
  args+=(--index-url "${local_indexes[0]}")
  for url in "${local_indexes[@]:1}"; do args+=(--extra-index-url "$url"); done
else
  args+=(--no-index)
fi
for dir in "${local_links[@]}"; do args+=(--find-links "$dir"); done

echo "building the Python test environment in $env_dir (once; about a minute)" >&2
rm -rf "$env_dir"
mkdir -p "$(dirname "$env_dir")"
python3 -m venv "$env_dir"
if ! "$env_dir/bin/python" -m pip install -q "${args[@]}" -r "$requirements" >"$env_dir.log" 2>&1; then
  tail -20 "$env_dir.log" >&2
  rm -rf "$env_dir"
  echo "pip could not install tests/python/requirements.txt from the local wheels (log: $env_dir.log)" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "$env_dir/bin/python"

# Sourced by scripts/demo and scripts/test: make .venv with the locked dependencies.
# Usage: bootstrap base|dev
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Samphan needs Python 3.11 (python3.11 or python3 on PATH)." >&2
  return 1
}

bootstrap() {
  local profile="$1" lock="requirements/$1.txt" stamp
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv …"
    "$(find_python)" -m venv .venv
  fi
  stamp=".venv/.samphan-$profile-$(sha256sum "$lock" pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing locked dependencies ($lock) …"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    rm -f .venv/.samphan-"$profile"-*
    touch "$stamp"
  fi
}

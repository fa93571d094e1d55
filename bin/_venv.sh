# Sourced by bin/demo and bin/test: make .venv (Python 3.11+) and install the pinned requirements.
# Usage: ensure_venv requirements.txt|requirements-dev.txt
ensure_venv() {
  local reqs="$1" py="${PYTHON:-python3}"
  if ! command -v "$py" >/dev/null 2>&1; then
    echo "Python 3.11+ is needed (set PYTHON=/path/to/python3.11)." >&2; exit 1
  fi
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Python 3.11+ is needed; $py is $("$py" --version 2>&1). Set PYTHON=..." >&2; exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -m venv .venv 2>/dev/null; then
      # Debian and Ubuntu ship venv separately.
      if command -v apt-get >/dev/null 2>&1; then
        echo "Installing python3-venv with apt-get…"
        $(command -v sudo >/dev/null 2>&1 && [ "$(id -u)" != 0 ] && echo sudo) apt-get install -y -qq python3-venv
        rm -rf .venv; "$py" -m venv .venv
      else
        echo "Could not create a virtualenv with $py -m venv." >&2; exit 1
      fi
    fi
  fi
  local stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-${reqs}"
  if [ ! -f "$stamp" ]; then
    echo "Installing pinned packages from $reqs into .venv…"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$reqs"
    rm -f .venv/.installed-*; touch "$stamp"
  fi
}

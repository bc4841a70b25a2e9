#!/usr/bin/env bash
# Re-lock the Python dependencies from pyproject.toml, keeping every pin that still fits.
#   requirements.lock      production: [project] dependencies + the installer (uv); `make install`
#   requirements-dev.lock  test and lint tools only (the `dev` extra), pinned against the production
#                          lock and without repeating its packages; `make lint` / `make test-*` add it.
# Both pin by hash; `uv pip sync requirements.lock requirements-dev.lock` installs the union.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
export UV_CACHE_DIR="${UV_CACHE_DIR:-$PWD/.cache/uv}"
uv=${UV:-.venv/bin/uv}
common=(--quiet --no-header --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28)

"$uv" pip compile "${common[@]}" pyproject.toml --extra installer -o requirements.lock

# Everything the production lock already pins is left out of the dev lock.
no_emit=()
while read -r name; do no_emit+=(--no-emit-package "$name"); done \
  < <(sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/\1/p' requirements.lock)
"$uv" pip compile "${common[@]}" pyproject.toml --extra installer --extra dev \
  -c requirements.lock "${no_emit[@]}" -o requirements-dev.lock

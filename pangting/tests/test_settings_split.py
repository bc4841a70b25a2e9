"""Test-only settings live in `pangting/test_settings.py`; the production settings carry no testing switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import json\n"
    "from pangting import settings as s\n"
    "print(json.dumps({'hashers': s.PASSWORD_HASHERS, 'key': s.SECRET_KEY}))\n"
)


def _load_production_settings(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANGTING_", "SECRET_KEY", "DJANGO_"))}
    env.update({"PANGTING_VAR_DIR": str(tmp_path), **extra})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_it_refuses_to_start_without_a_secret_key_even_when_the_old_testing_switch_is_set(tmp_path):
    result = _load_production_settings(tmp_path, PANGTING_TESTING="1")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_hashes_passwords_with_argon2_only_in_production(tmp_path):
    result = _load_production_settings(tmp_path, SECRET_KEY="k" * 50, PANGTING_TESTING="1")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["hashers"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in hasher for hasher in loaded["hashers"])


def test_it_uses_the_fast_hasher_under_test_on_top_of_the_production_ones(settings):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS

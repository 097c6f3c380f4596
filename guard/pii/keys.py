"""The deployment key behind ``action: hash``.

Hashes must be stable across requests, restarts and gateway instances (so a
value can be correlated in logs and analytics) yet not reversible by hashing
a list of likely e-mails or card numbers. So they are keyed: the key comes from
the environment variable ``settings.pii.hash_key_env`` when set (share it
between instances), otherwise from ``settings.pii.hash_key_file``, which guard
creates with a random key (mode 0600) the first time a value is hashed.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from guard.errors import CheckError

MIN_KEY_BYTES = 16
_lock = threading.Lock()
_cache: dict[tuple[str, str], bytes] = {}


def hash_key(env_name: str, key_file: str) -> bytes:
    """The key for ``env_name`` / ``key_file``, read (or created) once per process."""
    with _lock:
        cached = _cache.get((env_name, key_file))
        if cached is None:
            cached = _cache[(env_name, key_file)] = _read_key(env_name, Path(key_file))
        return cached


def _read_key(env_name: str, path: Path) -> bytes:
    value = os.environ.get(env_name)
    if value is not None:
        key = value.encode()
        if len(key) < MIN_KEY_BYTES:
            raise CheckError(f"${env_name} holds a hash key shorter than {MIN_KEY_BYTES} bytes")
        return key
    try:
        return _key_file(path)
    except OSError as exc:
        raise CheckError(f"cannot read or create the hash key file {str(path)!r} "
                         f"({exc.strerror}); set ${env_name} instead") from exc


def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_hex(32).encode())
        try:
            os.link(temporary, path)  # atomic: of racing processes exactly one key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise CheckError(f"the hash key in {str(path)!r} is shorter than {MIN_KEY_BYTES} bytes")
    return key

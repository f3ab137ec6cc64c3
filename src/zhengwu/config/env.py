"""Read settings from ZHENGWU_* environment variables, failing loudly on bad values.

Every variable may also be given as ``ZHENGWU_X_FILE`` naming a file that holds the value (container
secrets), as healthchecks' ``envsecret`` does.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "ZHENGWU_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """Return ZHENGWU_<name>, or the content of the file named by ZHENGWU_<name>_FILE, or default."""
    key = PREFIX + name
    if key in os.environ:
        return os.environ[key]
    file_key = key + "_FILE"
    if file_key in os.environ:
        return Path(os.environ[file_key]).read_text(encoding="utf-8").strip()
    if default is None:
        raise ImproperlyConfigured(f"环境变量 {key} 未设置 (required setting {key} is missing)")
    return default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean setting; anything but the usual spellings is an error."""
    raw = env_str(name, "1" if default else "0").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name}={raw!r} 不是布尔值 (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    """Return an integer setting."""
    raw = env_str(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{PREFIX}{name}={raw!r} 不是整数") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated list setting without empty items."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]

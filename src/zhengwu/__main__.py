"""The `zhengwu` console script: Django's manage.py for the installed package."""

import os
import sys


def main() -> None:
    """Run a Django management command with zhengwu's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

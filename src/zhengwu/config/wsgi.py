"""WSGI entry point for gunicorn (`gunicorn zhengwu.config.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings")
application = get_wsgi_application()

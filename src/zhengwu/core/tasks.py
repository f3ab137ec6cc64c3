"""Background tasks of the core app (Django tasks API; django-tasks-db worker in production)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Run one queued import job and return its final status."""
    from zhengwu.core.imports import import_job_run
    from zhengwu.core.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return import_job_run(job).status

"""procrastinate's admin CLI on okrbot's job queue (PostgreSQL, ``DATABASE_URL``)::

    procrastinate --app=adapters.jobs.admin.app healthchecks
    procrastinate --app=adapters.jobs.admin.app shell      # list_jobs, retry, cancel…
"""

from __future__ import annotations

import os

from adapters.jobs.queue import job_app
from storage.engine import default_database_url, normalize_database_url

app = job_app(normalize_database_url(os.environ.get("DATABASE_URL") or default_database_url()))

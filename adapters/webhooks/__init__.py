"""Inbound webhooks of GitHub, GitLab and Jira (:mod:`adapters.webhooks.routes`)."""

from adapters.webhooks.routes import MAX_BODY, mount_webhooks

__all__ = ["MAX_BODY", "mount_webhooks"]

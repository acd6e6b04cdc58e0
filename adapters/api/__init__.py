"""okrbot's HTTP API (``/api/v1``): :func:`adapters.api.routes.mount_api`."""

"""The deployment example runs what the Procfile runs: docker cannot run here, so the
compose file is read and checked against the Procfile — the same process types, the same
commands, PostgreSQL for all, the release step first."""

from __future__ import annotations

from tests.e2e.deployment import ROOT, compose, procfile


def test_the_procfile_has_release_web_and_clock() -> None:
    processes = procfile()
    assert {"release", "web", "clock"} <= set(processes)
    assert processes["release"] == "okrbot db upgrade"
    assert processes["web"] == "okrbot serve --port $PORT"


def test_every_procfile_process_is_a_compose_service_running_the_same_command() -> None:
    services = compose()["services"]
    assert set(services) == set(procfile()) | {"db"}
    for name, command in procfile().items():
        service = services[name]
        port = str((service.get("environment") or {}).get("PORT", ""))
        assert service["command"] == command.replace("$PORT", port), name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (ROOT / service["build"]["dockerfile"]).exists()


def test_every_process_uses_the_compose_postgresql_after_the_release() -> None:
    services = compose()["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    user, password, name = (db["environment"][k] for k in
                            ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"))
    url = f"postgresql://{user}:{password}@db:5432/{name}"
    for process in procfile():
        service = services[process]
        assert service["environment"]["DATABASE_URL"] == url, process
        assert service["depends_on"]["db"]["condition"] == "service_healthy", process
        if process != "release":
            assert service["depends_on"]["release"]["condition"] == \
                "service_completed_successfully", process
    assert services["release"]["restart"] == "no"  # it runs once and exits


def test_web_replicas_and_clocks_are_several() -> None:
    services = compose()["services"]
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["clock"]["deploy"]["replicas"] >= 2  # one leads, the others wait
    assert services["web"]["ports"] == ["3000-3001:3000"]


def test_the_readme_shows_the_procfile_as_it_is() -> None:
    from tests.e2e.test_readme_as_written import blocks

    shown = blocks("Running it at scale")[0]
    assert shown == (ROOT / "Procfile").read_text()

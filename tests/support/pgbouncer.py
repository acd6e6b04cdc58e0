"""A real PgBouncer in transaction pooling mode on loopback, in front of the test server.

Debian's ``pgbouncer`` (``.ci/run`` installs it). It refuses to run as root, so as root it
is started as the ``postgres`` user, on files that user can read.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer"
                                          if Path("/usr/sbin/pgbouncer").exists() else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def pgbouncer_for(server_url: str, *, server_connections: int = 1) -> Iterator[str]:
    """Run a PgBouncer (transaction mode, at most ``server_connections`` connections to the
    server per database) and yield its host:port; stopped on exit."""
    assert PGBOUNCER is not None
    server = make_url(server_url)
    directory = Path(tempfile.mkdtemp(prefix="okrbot-pgbouncer-"))
    port = _free_port()
    user = server.username or "postgres"
    (directory / "users.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {server_connections}\n"
        "min_pool_size = 0\nreserve_pool_size = 0\nmax_client_conn = 100\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {directory / 'pgbouncer.log'}\n"
    )
    command = [PGBOUNCER, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:
        directory.chmod(0o755)
        shutil.chown(directory, user="postgres")
        for path in directory.iterdir():
            shutil.chown(path, user="postgres")
        command = [PGBOUNCER, "-u", "postgres", str(directory / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                log = directory / "pgbouncer.log"
                raise AssertionError("pgbouncer did not start: "
                                     + (log.read_text() if log.exists() else "")
                                     + (process.stdout.read().decode() if process.stdout else ""))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("pgbouncer never listened") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)


__all__ = ["PGBOUNCER", "pgbouncer_for"]

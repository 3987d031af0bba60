"""One settings object per process (plumbing.config.per_process): read from the environment on
first use and kept; a schedule's interval is read from it when its container starts, so a
service's module imports without any configuration."""
import subprocess
import sys

from eventlet.event import Event
from nameko.containers import ServiceContainer

from devtools.stack import ROOT
from plumbing.config import env_float, forget_settings, per_process
from plumbing.schedules import every
from plumbing.settings import plumbing_settings


def test_a_process_reads_its_settings_once_and_afresh_only_when_told(monkeypatch):
    monkeypatch.setenv("RPC_TIMEOUT_SECONDS", "7")
    first = plumbing_settings()
    monkeypatch.setenv("RPC_TIMEOUT_SECONDS", "9")
    assert plumbing_settings() is first and first.rpc_timeout_seconds == 7
    forget_settings()
    assert plumbing_settings().rpc_timeout_seconds == 9


def test_a_loader_with_arguments_keeps_one_object_per_argument(monkeypatch):
    reads = []

    @per_process
    def age(variable, default):
        reads.append(variable)
        return env_float(variable, default)

    monkeypatch.setenv("RETAIN_SOMETHING_SECONDS", "60")
    assert [age("RETAIN_SOMETHING_SECONDS", 1), age("RETAIN_SOMETHING_SECONDS", 1),
            age("RETAIN_OTHER_SECONDS", 5)] == [60, 60, 5]
    assert reads == ["RETAIN_SOMETHING_SECONDS", "RETAIN_OTHER_SECONDS"]


def test_a_timer_reads_its_interval_when_its_container_starts(monkeypatch):
    @per_process
    def settings():
        return env_float("TICK_SECONDS", 60)

    ticked = Event()

    class Ticking:
        name = "ticking"

        @every(interval=lambda: settings(), eager=True)
        def tick(self):
            if not ticked.ready():
                ticked.send(settings())

    monkeypatch.setenv("TICK_SECONDS", "0.05")  # after the class was defined
    container = ServiceContainer(Ticking, {})
    container.start()
    try:
        assert ticked.wait() == 0.05
        [timer] = container.entrypoints
        assert timer.interval == 0.05
    finally:
        container.stop()


def test_every_service_module_imports_without_configuration():
    """The gateway refuses to start without JWT_SECRET; importing it must not need one."""
    modules = ["gateway.service", "services.registry.service", "services.complaints.service",
               "services.coupons.service", "services.notifications.service"]
    code = "import plumbing.green\n" + "".join(f"import {m}\n" for m in modules)
    env = {"PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]

"""Runs one service class: ``python -m plumbing.runner services.registry.service:RegistryService``.

Configuration comes from the environment; SIGTERM stops taking work, lets running workers
finish, and kills what is left after ``SHUTDOWN_TIMEOUT_SECONDS``. A SIGTERM while the service
is still starting (waiting for its store, say, which may be gone with it) ends the process once
that time is up, since nothing it started yet has work to finish.
"""
import plumbing.green  # noqa: F401, I001 (first: eventlet patches what the rest imports)

import importlib
import logging
import os
import signal
import sys

import eventlet
from eventlet.event import Event
from nameko.runners import ServiceRunner

from plumbing.config import nameko_config
from plumbing.logs import configure_logging
from plumbing.settings import plumbing_settings

log = logging.getLogger("plumbing.runner")


def load_class(path):
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def shut_down(runner, timeout):
    try:
        with eventlet.Timeout(timeout):
            runner.stop()
    except eventlet.Timeout:
        log.warning("workers still running after %ss; killing", timeout)
        runner.kill()


def main(argv):
    plumbing.green.install_nameko_patches()
    service_cls = load_class(argv[1])
    configure_logging(service_cls.name)
    config = nameko_config(service_cls.name)
    runner = ServiceRunner(config)
    runner.add_service(service_cls)
    timeout = plumbing_settings().shutdown_timeout_seconds

    stop_requested, started = Event(), Event()

    def on_signal(signum, frame):
        log.info("signal %s: stopping", signum)
        if not stop_requested.ready():
            stop_requested.send(signum)
            if not started.ready():
                eventlet.spawn_after(timeout, end_if_still_starting, signum)

    def end_if_still_starting(signum):
        if not started.ready():
            log.warning("still starting %ss after signal %s: ending", timeout, signum)
            os._exit(128 + signum)

    def stop_when_asked():
        # a stop that starts while the containers are still starting hangs in nameko, so the
        # signal only marks the request and the stop waits until start has returned
        stop_requested.wait()
        shut_down(runner, timeout)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    started.send()
    log.info("started %s on %s", service_cls.name, config["WEB_SERVER_ADDRESS"])
    eventlet.spawn_n(stop_when_asked)
    runner.wait()


if __name__ == "__main__":
    main(sys.argv)

"""Running the same work on several database connections at once, for the race tests."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(work: Callable[[], None], count: int, *, timeout: float = 60) -> None:
    """Runs `work` in `count` threads, each on a connection of its own (closed when it ends),
    and waits for all of them."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)

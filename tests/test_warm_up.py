"""The server's one warm-up (serving.warm_up): it waits for a browser's first page on screen, or its delay."""

import threading
import time

from pages_helpers import wait_for

from rnnviz.serving import warm_up


def fresh_warm_up(monkeypatch) -> list:
    """The module as on a fresh server, with the optimizer it builds recorded instead of built."""
    built = []
    monkeypatch.setattr(warm_up, "_warmed", threading.Event())
    monkeypatch.setattr(warm_up, "_shown", threading.Event())
    monkeypatch.setitem(warm_up.OPTIMIZERS, "adam", lambda params: built.append(threading.current_thread().name))
    return built


def stays_false(condition, seconds: float = 0.3) -> bool:
    """Whether `condition()` is still false after `seconds` (nothing started that should wait)."""
    time.sleep(seconds)
    return not condition()


def test_it_waits_its_delay_unless_a_page_is_shown_first(monkeypatch):
    built = fresh_warm_up(monkeypatch)
    warm_up.warm_up_optimizers(delay=60)
    assert stays_false(lambda: built)  # the first page is still on its way to the browser
    warm_up.page_shown()
    wait_for(lambda: built, timeout=10)
    assert built == ["rnnviz-warm-up"]  # in the background, once
    warm_up.warm_up_optimizers(delay=0)
    warm_up.page_shown()
    assert stays_false(lambda: len(built) > 1)


def test_without_a_page_shown_it_starts_after_its_delay(monkeypatch):
    built = fresh_warm_up(monkeypatch)
    warm_up.warm_up_optimizers(delay=0.2)
    wait_for(lambda: built, timeout=10)


def test_the_route_starts_it_once_the_model_s_code_is_loaded_and_not_before(monkeypatch):
    from starlette.requests import Request

    from ui import feed_route, loading

    built = fresh_warm_up(monkeypatch)
    monkeypatch.setattr(feed_route, "_served", False)  # routes() marks the process as serving: undone after
    answer = feed_route.routes()[0].endpoint

    def shown():
        return answer(Request({"type": "http", "method": "POST", "path": feed_route.FEED_PATH, "headers": [],
                               "query_string": b"shown"}))

    monkeypatch.setattr(loading, "ready", lambda: False)
    assert shown().status_code == 204 and stays_false(lambda: built)
    monkeypatch.setattr(loading, "ready", lambda: True)
    assert shown().status_code == 204
    wait_for(lambda: built, timeout=10)


def test_the_route_answers_before_the_model_s_code_is_loaded_without_loading_it():
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys; from starlette.requests import Request; from ui import feed_route;"
              "answer = feed_route.routes()[0].endpoint;"
              "sent = answer(Request({'type': 'http', 'method': 'POST', 'path': feed_route.FEED_PATH, 'headers': [],"
              "                       'query_string': b'shown'}));"
              "assert sent.status_code == 204, sent.status_code;"
              "assert 'torch' not in sys.modules, 'the route imported torch in the event loop'")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=Path(__file__).parents[1])

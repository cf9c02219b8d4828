"""Files named on the command line: only regular files are read or written, never more than the limit, never waiting.

Paths are drawn by hypothesis from what a path can name: devices, FIFOs, directories, links to them, missing
places, and regular files just under, at and over the limit. Every read and write runs under an alarm, so one that
would block (a FIFO) or never end (/dev/zero) fails the test instead of hanging the suite.
"""

import os
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz.errors import InputError
from rnnviz.files.checkpoint import load_checkpoint
from rnnviz.files.disk import check_writable, read_limited, write_bytes

LIMIT = 1000


@contextmanager
def at_most(seconds: int):
    def stop(*_):
        raise TimeoutError("blocked: a read or write of a file waited for something that never came")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_place(root, kind: str, size: int = 0) -> str:
    """A path in `root` naming a thing of `kind`, made now."""
    path = root / f"{kind.replace('/', '_')}-{size}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "link to a fifo":
        os.mkfifo(root / "target-fifo")
        path.symlink_to(root / "target-fifo")
    elif kind == "regular":
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: the size is claimed without writing it
    elif kind == "missing":
        pass
    else:
        return kind  # a device path as it is
    return str(path)


OTHER_KINDS = ["/dev/zero", "/dev/null", "/dev/urandom", "fifo", "directory", "link to /dev/zero", "link to a fifo"]
places = st.one_of(st.sampled_from(OTHER_KINDS + ["missing"]).map(lambda kind: (kind, 0)),
                   st.tuples(st.just("regular"), st.sampled_from([0, 1, LIMIT - 1, LIMIT, LIMIT + 1, 10 * LIMIT])))
FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FEW
@given(place=places)
def test_only_a_regular_file_within_the_limit_is_read(tmp_path_factory, place):
    kind, size = place
    path = make_place(tmp_path_factory.mktemp("read"), kind, size)
    with at_most(10):
        if kind == "regular" and size <= LIMIT:
            assert read_limited(path, LIMIT) == bytes(size)
            return
        with pytest.raises(InputError) as caught:
            read_limited(path, LIMIT, "text file")
    message = str(caught.value)
    if kind == "regular":
        assert "larger than 0.001 MB (1,000 bytes), the most rnnviz reads for a text file" in message
    elif kind == "missing":
        assert "No such file" in message
    else:
        assert "it is a" in message and "give the path of a regular file" in message


@FEW
@given(place=places)
def test_only_a_regular_file_or_a_new_one_is_written(tmp_path_factory, place):
    kind, size = place
    path = make_place(tmp_path_factory.mktemp("write"), kind, size)
    with at_most(10):
        if kind in ("regular", "missing"):
            check_writable(path)
            write_bytes(path, b"weights")
            with open(path, "rb") as handle:
                assert handle.read() == b"weights"  # replaced, not appended to
            return
        for action in (check_writable, lambda where: write_bytes(where, b"weights")):
            with pytest.raises(InputError, match="give the path of a regular file"):
                action(path)
    if kind == "directory":
        assert os.listdir(path) == []


@pytest.mark.parametrize("kind", OTHER_KINDS)
def test_a_model_file_is_never_read_from_a_device_or_a_fifo(tmp_path, kind):
    with at_most(10), pytest.raises(InputError, match="give the path of a regular file"):
        load_checkpoint(make_place(tmp_path, kind))

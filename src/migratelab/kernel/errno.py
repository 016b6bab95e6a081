"""Errno numbers and names as x86_64 Linux defines them.

Status slots and syscall errors are plain negative ints inside the engine; these
helpers turn them into the names a learner sees in ``status[]`` and in strace.
"""

from __future__ import annotations

EPERM = 1
ENOENT = 2
ESRCH = 3
EIO = 5
E2BIG = 7
EAGAIN = 11
ENOMEM = 12
EACCES = 13
EFAULT = 14
EBUSY = 16
EEXIST = 17
ENODEV = 19
EINVAL = 22
ENOSYS = 38

NAMES: dict[int, str] = {
    EPERM: "EPERM",
    ENOENT: "ENOENT",
    ESRCH: "ESRCH",
    EIO: "EIO",
    E2BIG: "E2BIG",
    EAGAIN: "EAGAIN",
    ENOMEM: "ENOMEM",
    EACCES: "EACCES",
    EFAULT: "EFAULT",
    EBUSY: "EBUSY",
    EEXIST: "EEXIST",
    ENODEV: "ENODEV",
    EINVAL: "EINVAL",
    ENOSYS: "ENOSYS",
}
BY_NAME: dict[str, int] = {v: k for k, v in NAMES.items()}

#: What the conformance harness writes for a status slot the kernel never touched.
UNSET = -9999


def errno_name(value: int) -> str:
    """Return the symbolic name of a positive errno value (``14`` -> ``"EFAULT"``)."""
    return NAMES.get(value, f"E{value}")


def status_str(value: int) -> str:
    """Render one ``status[]`` slot the way the conformance results do.

    Node ids print as themselves, negative errnos as ``-EFAULT`` and a slot the
    kernel never wrote as ``UNSET``.
    """
    if value == UNSET:
        return "UNSET"
    if value < 0:
        return "-" + errno_name(-value)
    return str(value)


def parse_status(text: str) -> int:
    """Inverse of :func:`status_str`."""
    if text == "UNSET":
        return UNSET
    if text.startswith("-E"):
        return -BY_NAME[text[1:]]
    return int(text)

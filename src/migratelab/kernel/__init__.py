"""The simulated kernel: headless, standard library only, no UI imports.

Entry points: :class:`~migratelab.kernel.machine.Kernel` (a machine running one
profile), :func:`~migratelab.kernel.move_pages.sys_move_pages` (the syscall as a
generator of trace events) and :func:`~migratelab.kernel.invariants.check` (every
invariant at once).
"""

from migratelab.kernel.machine import Kernel, MachineSpec
from migratelab.kernel.move_pages import (
    MPOL_MF_MOVE,
    MPOL_MF_MOVE_ALL,
    SyscallResult,
    run_syscall,
    sys_move_pages,
)
from migratelab.kernel.profiles import PROFILES, Profile, get_profile

__all__ = [
    "MPOL_MF_MOVE", "MPOL_MF_MOVE_ALL", "PROFILES", "Kernel", "MachineSpec", "Profile",
    "SyscallResult", "get_profile", "run_syscall", "sys_move_pages",
]

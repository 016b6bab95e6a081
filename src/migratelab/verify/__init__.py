"""``migratelab verify``: level and scenario files run on the real, running kernel.

``syscalls`` (ctypes raw syscalls), ``host`` (what the machine is), ``restore``
(undo on any exit), ``runner`` / ``region`` / ``ops_memory`` / ``children`` /
``fill`` (the ops),
``cases`` / ``preflight`` / ``check`` (what a file asks, refusals, judging),
``report`` and ``cli``. This package sits beside the game: it uses the scenario
layer's ops and comparison code and nothing above it.
"""

#!/usr/bin/env python3
"""Oracle probe 108 (run inside the guest by scenarios/108_permissions_probe.json).

The ops language has no way to drop privileges or to put the task in a cpuset,
so this probe does it with raw syscalls and prints one JSON object per case:
- ltp11_*: LTP move_pages11 (shared pages touched by a child; the caller then
  switches its effective uid to nobody), MPOL_MF_MOVE_ALL and MPOL_MF_MOVE;
- cpuset_*: the task in a cgroup-v2 cpuset whose mems exclude node 1 (on a
  3-node guest: mems 0,2), then a request that names nodes 2, 1, 2.
Status slots are pre-filled with -9999 (printed as UNSET).
"""
import ctypes
import errno
import json
import mmap
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_move_pages = 279
PAGE = 4096
MOVE, MOVE_ALL = 2, 4


def addr_of(buf, i):
    return ctypes.addressof(ctypes.c_char.from_buffer(buf)) + i * PAGE


def move_pages(addrs, nodes, flags, pid=0):
    n = len(addrs)
    pages = (ctypes.c_void_p * n)(*addrs)
    status = (ctypes.c_int * n)(*([-9999] * n))
    nd = (ctypes.c_int * n)(*nodes) if nodes is not None else None
    ret = libc.syscall(ctypes.c_long(SYS_move_pages), ctypes.c_long(pid), ctypes.c_ulong(n),
                       pages, nd, status, ctypes.c_int(flags))
    err = ctypes.get_errno() if ret < 0 else 0
    def s(v):
        if v == -9999:
            return "UNSET"
        return str(v) if v >= 0 else "-" + errno.errorcode.get(-v, str(-v))
    return {"ret": ret, "errno": errno.errorcode.get(err) if err else None,
            "status": [s(v) for v in status]}


def query(addrs):
    return move_pages(addrs, None, 0)["status"]


def read(path):
    with open(path) as f:
        return f.read().strip()


def out(case, rec):
    print(json.dumps({"case": case, **rec}), flush=True)


def ltp11():
    buf = mmap.mmap(-1, 2 * PAGE, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    buf[0] = 1
    buf[PAGE] = 1
    addrs = [addr_of(buf, 0), addr_of(buf, 1)]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _ = buf[0] + buf[PAGE]      # the child touches both pages
        os.write(w, b"x")
        time.sleep(30)
        os._exit(0)
    os.read(r, 1)
    out("ltp11_before", {"where": query(addrs)})
    os.seteuid(65534)               # nobody; the effective capabilities go
    out("ltp11_move_all_as_nobody", move_pages(addrs, [1, 1], MOVE_ALL))
    out("ltp11_move_as_nobody", move_pages(addrs, [1, 1], MOVE))
    os.seteuid(0)
    out("ltp11_move_all_as_root", {**move_pages(addrs, [1, 1], MOVE_ALL), "after": query(addrs)})
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    out("ltp07_reaped_child", move_pages(addrs, [0, 0], MOVE, pid=pid))


def cpuset():
    root = "/sys/fs/cgroup"
    if not os.path.exists(root + "/cgroup.controllers"):
        os.system(f"mount -t cgroup2 none {root}")
    with open(root + "/cgroup.subtree_control", "w") as f:
        f.write("+cpuset")
    cg = root + "/mlprobe"
    os.makedirs(cg, exist_ok=True)
    nodes = read("/sys/devices/system/node/online")
    with open(cg + "/cpuset.mems", "w") as f:
        f.write("0,2")
    with open(cg + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    buf = mmap.mmap(-1, 4 * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for i in range(4):
        buf[i * PAGE] = 1
    addrs = [addr_of(buf, i) for i in range(4)]
    out("cpuset_setup", {"online": nodes, "mems": read(cg + "/cpuset.mems.effective"),
                         "where": query(addrs)})
    rec = move_pages(addrs[:3], [2, 1, 2], MOVE)
    out("cpuset_2_1_2", {**rec, "after": query(addrs[:3])})
    rec = move_pages([addrs[3]], [1], MOVE)
    out("cpuset_1_alone", {**rec, "after": query([addrs[3]])})
    with open(root + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    os.rmdir(cg)


if __name__ == "__main__":
    which = sys.argv[1]
    try:
        {"ltp11": ltp11, "cpuset": cpuset}[which]()
    except Exception as exc:    # report, do not hide: the record keeps stderr too
        out("error", {"what": repr(exc)})

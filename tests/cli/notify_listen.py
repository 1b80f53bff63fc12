#!/usr/bin/env python3
"""tests/cli/notify_listen.py SOCKET OUT SECONDS - stands in for systemd's
notification socket: binds an AF_UNIX datagram socket at SOCKET and appends
each datagram received to OUT (one line per VAR=value), for SECONDS at most."""
import os
import socket
import sys
import time

path, out, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out, "w").close()  # bound: the caller may start the server
end = time.monotonic() + limit
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    with open(out, "a") as f:
        f.write(d.decode("utf-8", "replace").rstrip("\n") + "\n")
        if d.startswith(b"STOPPING=1"):
            break
os.unlink(path)

#!/usr/bin/env python3
"""tests/cli/abuse.py - hostile and ordinary clients for tests/cli/cli_abuse.sh
(loopback only; every mode ends by itself within its own bound).

  abuse.py MODE PORT CA [options]   prints one result line per check as
                                    "key=value ..." for the shell to test

Modes:
  slowloris  N drippers finish the handshake and send one header byte every
             --every s (reconnecting when closed) while a normal client
             makes --requests requests, one each --gap s; prints
             "served=S refused=R dripper_closes=C"
  drip       one connection: handshake, then WHAT (header|body) one byte every
             --every s; prints "closed_after_ms=T" when the server closes
  idle       one request, then silent; prints "closed_after_ms=T" (from the
             end of the response to the server's close)
  slowread   GET --path with a small receive buffer, reading --rate bytes/s;
             prints "closed_after_ms=T got=B"
  hold       opens N keep-alive connections (one request each) and keeps
             them; prints "held=H" then waits for stdin to close
  get        one request; prints "status=CODE ttfb_ms=T"
"""
import argparse
import socket
import ssl
import sys
import threading
import time


def ctx_for(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    return ctx


def connect(args, rcvbuf=0, src=None):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        raw.bind((src, 0))
    raw.settimeout(args.timeout)
    raw.connect(("127.0.0.1", args.port))
    return ctx_for(args.ca).wrap_socket(raw, server_hostname="localhost")


def request(s, path="/", close=False):
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" %
               (path, "Connection: close\r\n" if close else "")).encode())


def read_response(s):
    """Reads one response with a Content-Length; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed before the response header")
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed in the body")
        body += d
    return status, body


def wait_closed(s, limit):
    """Seconds until the peer closes (EOF, reset or close_notify), or None."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            d = s.recv(65536)
            if not d:
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            return time.monotonic() - t0
    return None


def mode_slowloris(a):
    stop = threading.Event()
    closes = [0]
    lock = threading.Lock()

    def dripper():
        while not stop.is_set():
            try:
                s = connect(a)
            except (OSError, ssl.SSLError):
                stop.wait(0.2)
                continue
            try:
                msg = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 10000
                for i in range(len(msg)):
                    if stop.is_set():
                        break
                    s.send(msg[i:i + 1])
                    if stop.wait(a.every):
                        break
            except (OSError, ssl.SSLError):
                with lock:
                    closes[0] += 1
            finally:
                s.close()

    threads = [threading.Thread(target=dripper, daemon=True) for _ in range(a.n)]
    for t in threads:
        t.start()
    time.sleep(a.settle)  # let the drippers take every slot first
    served = refused = 0
    for _ in range(a.requests):
        try:
            s = connect(a)
            request(s, close=True)
            status, _ = read_response(s)
            s.close()
            if status == 200:
                served += 1
            else:
                refused += 1
        except (OSError, ssl.SSLError, ConnectionError, ValueError):
            refused += 1
        time.sleep(a.gap)
    stop.set()
    print("served=%d refused=%d dripper_closes=%d" % (served, refused, closes[0]))


def mode_drip(a):
    s = connect(a)
    if a.what == "header":
        msg = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100000
    else:
        s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n")
        msg = b"b" * 1000000
    t0 = time.monotonic()
    s.settimeout(a.every)
    for i in range(len(msg)):
        if time.monotonic() - t0 > a.limit:
            print("closed_after_ms=-1")
            return
        try:
            s.send(msg[i:i + 1])
            d = s.recv(65536)  # waits --every s unless the server speaks
            if not d:
                break
            if a.what == "header" or not d.startswith(b"HTTP/1.1 "):
                break
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            break
    print("closed_after_ms=%d" % ((time.monotonic() - t0) * 1000))


def mode_idle(a):
    s = connect(a)
    request(s)
    read_response(s)
    t = wait_closed(s, a.limit)
    print("closed_after_ms=%d" % (t * 1000 if t is not None else -1))


def mode_slowread(a):
    s = connect(a, rcvbuf=4096)
    request(s, a.path)
    t0 = time.monotonic()
    got = 0
    s.settimeout(1.0)
    while time.monotonic() - t0 < a.limit:
        try:
            d = s.recv(a.rate)
            if not d:
                break
            got += len(d)
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            break
        time.sleep(1.0)
    else:
        print("closed_after_ms=-1 got=%d" % got)
        return
    print("closed_after_ms=%d got=%d" % ((time.monotonic() - t0) * 1000, got))


def mode_hold(a):
    held = []
    for _ in range(a.n):
        s = connect(a, src=a.src)
        request(s)
        read_response(s)
        held.append(s)
    print("held=%d" % len(held), flush=True)
    sys.stdin.read()
    alive = 0
    for s in held:
        s.settimeout(0)
        try:
            alive += 1 if s.recv(1) else 0
        except (ssl.SSLWantReadError, BlockingIOError):
            alive += 1
        except (OSError, ssl.SSLError):
            pass
    print("alive=%d" % alive)


def mode_get(a):
    s = connect(a, src=a.src)
    t0 = time.monotonic()
    request(s, a.path, close=True)
    status, _ = read_response(s)
    print("status=%d ttfb_ms=%.1f" % (status, (time.monotonic() - t0) * 1000))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("port", type=int)
    p.add_argument("ca")
    p.add_argument("--n", type=int, default=1)
    p.add_argument("--every", type=float, default=1.0)
    p.add_argument("--requests", type=int, default=15)
    p.add_argument("--gap", type=float, default=0.5)
    p.add_argument("--settle", type=float, default=2.0)
    p.add_argument("--what", default="header")
    p.add_argument("--path", default="/")
    p.add_argument("--rate", type=int, default=100)
    p.add_argument("--limit", type=float, default=60.0)
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--src", default=None)
    a = p.parse_args()
    {"slowloris": mode_slowloris, "drip": mode_drip, "idle": mode_idle, "slowread": mode_slowread,
     "hold": mode_hold, "get": mode_get}[a.mode](a)


if __name__ == "__main__":
    main()

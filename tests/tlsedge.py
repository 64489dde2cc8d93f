#!/usr/bin/env python3
# tlsedge.py - a test's stand-in for an edge (issue 15): connects to a
# core's listen_tls with a host certificate and sends kagid frames.
#
#   tlsedge.py PORT CERT KEY CA [--tls12] ARG...
#
# Each ARG is a JSON request, sent and answered in turn on the one
# connection (the answer printed, one line), or "!CMD": CMD run through
# the shell between two requests, or "?EOF": wait up to 3 s, sending
# nothing, for the core to close the connection ("CLOSED BY CORE", else
# "STILL OPEN").  CERT and KEY may be "-" (none).
# A failed handshake prints "HANDSHAKE: why"; a connection the core
# closed prints "CLOSED".
import json, socket, ssl, struct, subprocess, sys

port, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
args = sys.argv[5:]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(ca)
if args and args[0] == "--tls12":
    args = args[1:]
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
else:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
if cert != "-":
    ctx.load_cert_chain(cert, key)
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
try:
    s = ctx.wrap_socket(raw)
except (ssl.SSLError, OSError) as e:
    print("HANDSHAKE:", e)
    sys.exit(0)


def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


for a in args:
    if a.startswith("!"):
        subprocess.run(a[1:], shell=True, check=False)
        continue
    if a == "?EOF":
        s.settimeout(3)
        try:
            got = s.recv(1)
            print("CLOSED BY CORE" if not got else "DATA")
        except socket.timeout:
            print("STILL OPEN")
        except (ssl.SSLError, OSError):
            print("CLOSED BY CORE")
        continue
    body = a.encode()
    try:
        s.sendall(b"KG\x01\x00" + struct.pack(">I", len(body)) + body)
        hdr = recv(8)
        if hdr is None:
            print("CLOSED")
            break
        reply = recv(struct.unpack(">I", hdr[4:8])[0])
        if reply is None:
            print("CLOSED")
            break
        print(json.dumps(json.loads(reply), sort_keys=True))
    except (ssl.SSLError, OSError) as e:
        print("CLOSED", e)
        break

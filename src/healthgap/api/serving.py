"""Running the app under uvicorn on a listening socket of our own, so that its transport
settings apply to every connection (ADR 0812).

The send buffer (``SO_SNDBUF``) is set on the listening socket; accepted connections inherit
it. A small fixed buffer keeps a large answer's bytes in the CPU cache between the server's
copy into the kernel and the client's copy out: on this project's 2-core machine a 1.15 MB
answer over loopback cost the server 300 µs of CPU with the kernel's automatic sizing and
170–200 µs with 128 KiB (the client about the same saving). Below 64 KiB a loopback
connection stalls (each large segment waits for an acknowledgement), so smaller values are
refused. ``0`` keeps the kernel's automatic sizing, better for a far client on a slow link
talking to the server directly (no reverse proxy on the same machine).
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["MIN_SEND_BUFFER", "SEND_BUFFER", "check_send_buffer", "listening_socket", "run"]

#: The default send buffer per connection in bytes (Linux doubles what is asked for).
SEND_BUFFER = 128 * 1024
#: The smallest send buffer accepted (other than 0, the kernel's automatic sizing).
MIN_SEND_BUFFER = 64 * 1024


def check_send_buffer(size: int) -> int:
    """``size`` when it is 0 or at least :data:`MIN_SEND_BUFFER`; ValueError otherwise."""
    if size != 0 and size < MIN_SEND_BUFFER:
        raise ValueError(
            f"send buffer {size} bytes is too small: give 0 (the kernel's automatic sizing) "
            f"or at least {MIN_SEND_BUFFER} bytes"
        )
    return size


def listening_socket(config: Any, send_buffer: int) -> socket.socket:
    """The socket ``config`` (a ``uvicorn.Config``) binds, with ``send_buffer`` set on it
    (0: left to the kernel); uvicorn listens on it."""
    sock: socket.socket = config.bind_socket()
    if check_send_buffer(send_buffer):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    return sock


def run(app: Any, *, host: str, port: int, send_buffer: int = SEND_BUFFER) -> bool:
    """Serve ``app`` on ``host:port`` until interrupted; False when it did not start (a
    failing lifespan). A port that cannot be bound exits as ``uvicorn.run`` does."""
    import uvicorn

    check_send_buffer(send_buffer)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    sock = listening_socket(config, send_buffer)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return bool(server.started)

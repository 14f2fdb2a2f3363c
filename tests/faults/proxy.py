"""A TCP forwarder the fault tests put between a process and PostgreSQL, to stop "the database" for that process
alone: the PostgreSQL server itself is shared with every other test on the machine and is never stopped.

    proxy = TcpProxy(("127.0.0.1", 5432)); proxy.start()    postgresql://...@127.0.0.1:{proxy.port}/...
    proxy.stop()     new connections refused, every open one closed (the processes see the server go away)
    proxy.start()    the same port again: the database is back

Green sockets: the test process runs under eventlet (the root conftest.py), so the forwarding goes on while the
test waits on its HTTP requests.
"""
from __future__ import annotations

import socket

import eventlet


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self._listener = self._accepting = None
        self._open: set = set()

    def start(self) -> None:
        self._listener = eventlet.listen(("127.0.0.1", self.port))
        self._accepting = eventlet.spawn(self._accept, self._listener)

    def stop(self) -> None:
        self._accepting.kill()
        self._listener.close()
        for sock in list(self._open):
            _close(sock)
        self._open.clear()

    def _accept(self, listener) -> None:
        while True:
            client, _ = listener.accept()
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                _close(client)
                continue
            self._open |= {client, upstream}
            eventlet.spawn(self._pipe, client, upstream)
            eventlet.spawn(self._pipe, upstream, client)

    def _pipe(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except (OSError, EOFError):  # EOFError: eventlet's, for a socket closed while this waited on it
            pass
        finally:
            for sock in (source, sink):
                self._open.discard(sock)
                _close(sock)


def _close(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # the peer reads the end of the stream now, as when a server goes away
    except OSError:
        pass
    sock.close()

"""Every RPC the gateway makes has a deadline: nameko 2.14 waits for a reply for ever, so a stopped service would
hold each request, and with it one of the gateway's workers, until the client gave up.

    call.service.applicants.register(body)        the answer, or Unavailable (503, Retry-After) after
                                                  GATEWAY_RPC_TIMEOUT seconds
    ....checks_for_applicant.call_async(id)       the same, the deadline counted from the call

A request that missed its deadline also expires on the broker at that moment (the message's TTL), so a stopped
service that comes back does not act on a request its caller was told had failed: that is why the gateway may
release the request's Idempotency-Key. A service that missed a deadline is not waited for again until it answers:
while one call to it (a probe) waits, the others answer 503 at once, so that a stopped service holds one worker, not
all of them. The first answer from it, a refusal included, ends that.

nameko at the edge: the per-service state is a SharedExtension, so both proxies of a service (reads and commands)
and every worker of one gateway container see it.
"""
from __future__ import annotations

import time

import eventlet
from nameko.exceptions import UnknownService
from nameko.extensions import SharedExtension

from . import metrics
from .problems import Unavailable


class Answering(SharedExtension):
    """Which services missed their last deadline in this gateway, and until when a probe of each is waited for."""

    def setup(self):
        self._probing_until: dict[str, float] = {}  # service -> deadline of the probe waiting; absent: it answers

    def admit(self, service: str, timeout: float) -> None:
        """Raises Unavailable at once while a probe of a service that missed its deadline still waits."""
        until = self._probing_until.get(service)
        if until is None:
            return
        now = time.monotonic()
        if now < until:
            metrics.rpc_unanswered(service, "not_waited")
            raise Unavailable()
        self._probing_until[service] = now + timeout  # this call is the probe

    def answered(self, service: str) -> None:
        self._probing_until.pop(service, None)

    def missed(self, service: str) -> None:
        metrics.rpc_unanswered(service, "timeout")
        self._probing_until.setdefault(service, 0.0)  # the next call is a probe


class Deadlined:
    """A nameko ServiceProxy (made when first used) whose calls have a deadline."""

    def __init__(self, make_proxy, service: str, answering: Answering, timeout: float):
        self._make_proxy, self._proxy = make_proxy, None
        self.service, self.answering, self.timeout = service, answering, timeout

    @property
    def proxy(self):
        if self._proxy is None:
            self._proxy = self._make_proxy()
        return self._proxy

    def __getattr__(self, method: str) -> "_Method":
        return _Method(self, method)


class _Method:
    def __init__(self, calls: Deadlined, name: str):
        self.calls, self.name = calls, name

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()

    def call_async(self, *args, **kwargs) -> "_Reply":
        calls = self.calls
        calls.answering.admit(calls.service, calls.timeout)
        deadline = time.monotonic() + calls.timeout
        with _Deadline(deadline, calls):  # publishing waits too: for the broker's confirm
            reply = getattr(calls.proxy, self.name).call_async(*args, **kwargs)
        return _Reply(calls, reply, deadline)


class _Reply:
    def __init__(self, calls: Deadlined, reply, deadline: float):
        self.calls, self.reply, self.deadline = calls, reply, deadline

    def result(self):
        with _Deadline(self.deadline, self.calls, self.reply):
            return self.reply.result()


class _Deadline:
    """Cuts the block off at `deadline` with Unavailable, and notes whether the service answered: any answer does,
    a refusal or a remote error included; UnknownService (no queue at all) and an outer timeout say nothing."""

    def __init__(self, deadline: float, calls: Deadlined, reply=None):
        self.deadline, self.calls, self.reply = deadline, calls, reply

    def __enter__(self):
        self.timer = eventlet.Timeout(max(0.0, self.deadline - time.monotonic()))
        return self

    def __exit__(self, kind, error, traceback):
        self.timer.cancel()
        if error is self.timer:
            self.calls.answering.missed(self.calls.service)
            if self.reply is not None:
                _forget(self.calls.proxy, self.reply)
            raise Unavailable() from None
        if self.reply is not None and (kind is None or (issubclass(kind, Exception)
                                                        and not issubclass(kind, UnknownService))):
            self.calls.answering.answered(self.calls.service)
        return False


def _forget(proxy, reply) -> None:
    """nameko keeps the event of each reply it waits for until the reply comes; one that never comes would stay
    for the process's life (ReplyListener._reply_events, nameko 2.14)."""
    events = getattr(proxy.reply_listener, "_reply_events", {})
    for correlation_id, event in list(events.items()):
        if event is reply.reply_event:
            events.pop(correlation_id, None)
            return

"""Prometheus metrics: requests and their latencies by method, route template and status."""
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter("kontakt_gateway_requests", "HTTP requests answered by the gateway",
                   ["method", "route", "status"])
LATENCY = Histogram("kontakt_gateway_request_seconds", "Time to answer an HTTP request",
                    ["method", "route", "status"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

READ_CACHE = Counter("kontakt_gateway_read_cache", "Applicant reads answered from the gateway's cache or not",
                     ["result"])  # hit, miss
RPC_UNANSWERED = Counter("kontakt_gateway_rpc_unanswered", "RPC calls answered 503 by the gateway itself: past "
                         "their deadline (timeout), or not made while a service that missed one is probed "
                         "(not_waited)", ["service", "outcome"])


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route, str(status)).observe(seconds)


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


def read_cache(result: str) -> None:
    READ_CACHE.labels(result).inc()


def rpc_unanswered(service: str, outcome: str) -> None:
    RPC_UNANSWERED.labels(service, outcome).inc()

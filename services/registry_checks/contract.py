"""What the gateway, the register simulator and other services may import from registry_checks: the RPC
service's name, the manual result body, the limit on listing refused results, and the inbound contract for
register services (see docs/register-contract.md). Nothing else of this package is public."""
from .app import REFUSED_LIMIT_MAX
from .schemas import ManualResultSchema
from .settings import register_keys
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, timestamp_of
from .spec import SERVICE
from .topology import INBOUND_EXCHANGE, declare_inbound

__all__ = ["SERVICE", "ManualResultSchema", "REFUSED_LIMIT_MAX", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign",
           "timestamp_of", "INBOUND_EXCHANGE", "declare_inbound", "register_keys"]

"""What the gateway, the register simulator and other services may import from registry_checks: the RPC
service's name, the manual result body, and the inbound contract for register services (see
docs/register-contract.md). Nothing else of this package is public."""
from .schemas import ManualResultSchema
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, timestamp_of
from .spec import INBOUND_EXCHANGE, SERVICE, declare_inbound, register_keys

__all__ = ["SERVICE", "ManualResultSchema", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "timestamp_of",
           "INBOUND_EXCHANGE", "declare_inbound", "register_keys"]

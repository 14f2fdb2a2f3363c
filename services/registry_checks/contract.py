"""What the gateway, the register simulator and other services may import from registry_checks: the RPC
service's name, the manual result and conflict resolution bodies, the limits and reason codes of the refused
results, and the inbound contract for register services (see docs/register-contract.md). Nothing else of this
package is public."""
from .app import REFUSED_LIMIT_MAX, REFUSED_PAGE_SIZE_MAX
from .app.results import INTERNAL_ERROR
from .inbound import REFUSAL_REASONS
from .schemas import ManualResultSchema, ResolveConflictSchema
from .settings import register_keys
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, timestamp_of
from .spec import SERVICE
from .topology import INBOUND_EXCHANGE, declare_inbound

REFUSAL_CODES = (*REFUSAL_REASONS, INTERNAL_ERROR)  # every reason_code a refused result may have

__all__ = ["SERVICE", "ManualResultSchema", "ResolveConflictSchema", "REFUSED_LIMIT_MAX", "REFUSED_PAGE_SIZE_MAX",
           "REFUSAL_CODES", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "timestamp_of", "INBOUND_EXCHANGE",
           "declare_inbound", "register_keys"]

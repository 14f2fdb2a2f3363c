"""What the gateway and other services may import from payments: the RPC service's name, the request bodies its
commands take, and the rate keys a PublishRatesBody may set. Nothing else of this package is public."""
from .domain.rate_table import skr_defaults
from .schemas import ApprovePaymentRunBody, ApproveReportBody, PublishRatesBody, SetTaxDetailsBody
from .spec import SPEC

SERVICE = SPEC.name
RATE_KEYS = tuple(sorted(skr_defaults().keys))  # the keys of the rate table (rates/skr.csv)

__all__ = ["SERVICE", "RATE_KEYS", "ApprovePaymentRunBody", "ApproveReportBody", "PublishRatesBody",
           "SetTaxDetailsBody"]

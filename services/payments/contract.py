"""What the gateway and other services may import from payments: the RPC service's name and the request bodies
its commands take. Nothing else of this package is public."""
from .schemas import ApprovePaymentRunBody, ApproveReportBody, PublishRatesBody, SetTaxDetailsBody
from .spec import SPEC

SERVICE = SPEC.name

__all__ = ["SERVICE", "ApprovePaymentRunBody", "ApproveReportBody", "PublishRatesBody", "SetTaxDetailsBody"]

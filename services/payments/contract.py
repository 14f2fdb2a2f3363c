"""What the gateway and other services may import from payments: the RPC service's name, the request bodies its
commands take, the rate keys a PublishRatesBody may set, and the withholding bases finance may record. Nothing
else of this package is public."""
from .domain.rate_table import skr_defaults
from .domain.tax import TAX_TABLES_NOT_SUPPORTED, WITHHOLDING_BASES
from .schemas import (ApproveOmkostnadExcessBody, ApprovePaymentRunBody, ApproveReportBody, DecideArvodeLevelBody,
                      PublishRatesBody, SetTaxDetailsBody)
from .spec import SPEC

SERVICE = SPEC.name
RATE_KEYS = tuple(sorted(skr_defaults().keys))  # the keys of the rate table (rates/skr.csv)

__all__ = ["SERVICE", "RATE_KEYS", "WITHHOLDING_BASES", "TAX_TABLES_NOT_SUPPORTED", "ApproveOmkostnadExcessBody",
           "ApprovePaymentRunBody", "ApproveReportBody", "DecideArvodeLevelBody", "PublishRatesBody",
           "SetTaxDetailsBody"]

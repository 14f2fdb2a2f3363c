"""What the gateway and other services may import from applicants: the RPC service's name, the request bodies
its commands take, and the values its answers use. Nothing else of this package is public."""
from .domain.applicant import ROLES  # the roles an applicant may apply for (kontaktperson, kontaktfamilj, ...)
from .projection import MAX_PAGE_SIZE, STATUSES
from .schemas import (ApproveApplicantBody, ChangeAvailabilityBody, RecordInterviewBody, RecordReferenceBody,
                      RegisterApplicantBody, RejectApplicantBody, WithdrawApplicantBody)
from .spec import SPEC

SERVICE = SPEC.name

__all__ = ["SERVICE", "ROLES", "MAX_PAGE_SIZE", "STATUSES", "ApproveApplicantBody", "ChangeAvailabilityBody",
           "RecordInterviewBody", "RecordReferenceBody", "RegisterApplicantBody", "RejectApplicantBody",
           "WithdrawApplicantBody"]

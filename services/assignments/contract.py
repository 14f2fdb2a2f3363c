"""What the gateway and other services may import from assignments: the RPC service's name, the request bodies
its commands take, and the limits and values its answers use. Nothing else of this package is public, and nothing
here imports nameko."""
from .app.matching import MAX_CANDIDATES
from .app.needs import MAX_PAGE_SIZE
from .domain.assignment import ASSIGNMENT_STATUSES
from .domain.need import NEED_STATUSES
from .schemas import (CloseClientNeedBody, CorrectMeetingBody, DeclineOfferBody, EndAssignmentBody,
                      InterruptAssignmentBody, LogMeetingBody, OfferAssignmentBody, RecordSupervisionBody,
                      RegisterClientNeedBody, ReportDeviationBody, RequestEndBody, ResumeAssignmentBody,
                      ReviseAssignmentPlanBody, StartAssignmentBody)
from .spec import SPEC

SERVICE = SPEC.name

__all__ = ["SERVICE", "ASSIGNMENT_STATUSES", "NEED_STATUSES", "MAX_CANDIDATES", "MAX_PAGE_SIZE",
           "CloseClientNeedBody", "CorrectMeetingBody", "DeclineOfferBody", "EndAssignmentBody",
           "InterruptAssignmentBody", "LogMeetingBody", "OfferAssignmentBody", "RecordSupervisionBody",
           "RegisterClientNeedBody", "ReportDeviationBody", "RequestEndBody", "ResumeAssignmentBody",
           "ReviseAssignmentPlanBody", "StartAssignmentBody"]

"""The assignments domain, read first: two deciders and the commands they take.

- NEED ("need-<uuid>", need.py): the municipality's decision (beslut) that a client gets kontaktperson,
  kontaktfamilj or skkp. Commands: RegisterClientNeed, CloseClientNeed.
- ASSIGNMENT ("assignment-<uuid>", assignment.py): one volunteer for one need, from the offer to the end.
  Commands: OfferAssignment, AcceptOffer, DeclineOffer, StartAssignment, LogMeeting, CorrectMeeting,
  ReportDeviation, RecordSupervision, RequestEnd, EndAssignment, FlagAssignment, InterruptAssignment,
  ResumeAssignment.

Beside them, pure helpers the service layer calls: matching.py (who may take a need, ranked with reasons)
and worklist.py (IVO reports of decisions not carried out, follow-ups due, deviations and flags).
Everything here is pure: the time comes from the command's `at` (an aware datetime), never from the clock.
"""
from .assignment import (  # noqa: F401
    ASSIGNMENT, END_REASONS, FLAG_REASONS, MEETING_STATUSES, SUPERVISION_KINDS, AcceptOffer, Assignment,
    CorrectMeeting, DeclineOffer, EndAssignment, Expense, FlagAssignment, InterruptAssignment, LogMeeting,
    OfferAssignment, RecordSupervision, ReportDeviation, RequestEnd, ResumeAssignment, StartAssignment,
    client_view)
from .need import (  # noqa: F401
    CLOSE_REASONS, INSATSER, LEGAL_BASES, NEED, Client, ClientInput, ClientNeed, CloseClientNeed,
    RegisterClientNeed)
from .plan import Arvode, Omkostnad, Plan  # noqa: F401

DECIDERS = {"need": NEED, "assignment": ASSIGNMENT}

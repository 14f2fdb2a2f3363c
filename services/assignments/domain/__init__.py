"""The assignments service's rules, pure Python: read these first. Two kinds of stream, one module and one decider
each (see docs/domain.md, "Matching" and "Assignments and meetings"):

    need-<uuid>        need.py        NEED        RegisterClientNeed -> ClientNeedRegistered
                                                  CloseClientNeed -> ClientNeedClosed
    assignment-<uuid>  assignment.py  ASSIGNMENT  OfferAssignment -> AssignmentOffered, AcceptOffer, DeclineOffer,
                                                  StartAssignment, LogMeeting, CorrectMeeting, ReportDeviation,
                                                  RecordSupervision, RequestEnd, EndAssignment, FlagAssignment,
                                                  InterruptAssignment, ResumeAssignment

A need is the municipality's decision (beslut) that a client gets kontaktperson, kontaktfamilj or skkp; an
assignment is one volunteer for one need, from the offer to the end.

The rules that are not a stream: meetings and stays in meetings.py; who may be offered a need in eligibility.py
(the volunteer as the pool holds them in volunteer.py) and in what order in matching.py; the genomförandeplan and
its compensation terms in plan.py; the case worker's worklist and the IVO report of decisions not carried out in
worklist.py; free texts in texts.py.

Everything here is pure: the time comes from the command's `at` (an aware datetime), never from the clock.
"""

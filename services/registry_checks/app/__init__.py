"""What registry_checks does, as plain functions over the Kernel: service.py calls them, and so do the tests.

    reactions    react: ApplicantRegistered -> one CheckRequested per required register;
                 ApplicantWithdrawn / ApplicantRejected -> CheckCancelled for every pending check
    results      receive_result: a message from the inbound exchange -> CheckCompleted, or a refusal kept;
                 record_manual_result: a recruiter keys in a paper extract;
                 resolve_conflict: a recruiter resolves a keyed-in result the register's answer contradicted
    checks       find_check, checks_for_applicant, renew_check, worklist: what recruiters read and ask again
    expiry       expire_due: CheckExpired for every clear result past its last day (hourly)
    operations   list_refused_results (admins: their municipalities' only), expire_due_on_request, health

Each function that answers a person checks the caller first (services.common.roles): another municipality's
check is "not found", a role that may not act is "forbidden".
"""
from .checks import checks_for_applicant, find_check, renew_check, worklist
from .expiry import expire_due
from .operations import (REFUSED_LIMIT_MAX, REFUSED_PAGE_SIZE_MAX, expire_due_on_request, health,
                         list_refused_results)
from .reactions import react
from .results import manual_result_command, receive_result, record_manual_result, resolve_conflict

__all__ = ["checks_for_applicant", "find_check", "renew_check", "worklist", "expire_due", "REFUSED_LIMIT_MAX",
           "REFUSED_PAGE_SIZE_MAX", "expire_due_on_request", "health", "list_refused_results", "react",
           "manual_result_command", "receive_result", "record_manual_result", "resolve_conflict"]

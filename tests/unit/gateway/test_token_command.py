"""`make token` / `python -m gateway.token`: a token the local gateway accepts, for the user it names, with roles
granted per municipality."""
import subprocess
from pathlib import Path

import jwt
import pytest

from gateway import auth, token

ROOT = Path(__file__).resolve().parents[3]
VOLUNTEER_ID = "3f0c2a9e-6b1d-4c55-9a7e-1d2b3c4d5e6f"


def minted(capsys, *argv: str) -> str:
    assert token.main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def test_a_volunteer_token_names_the_volunteer_given_as_sub_and_the_local_gateway_accepts_it(capsys):
    # when a volunteer's token is minted with their applicant id
    minted_token = minted(capsys, "--role", "volunteer", "--municipality", "0180", "--sub", VOLUNTEER_ID)
    # then it is theirs, with the issuer, audience and kid the local gateway expects, and the gateway accepts it
    header = jwt.get_unverified_header(minted_token)
    claims = jwt.decode(minted_token, options={"verify_signature": False})
    assert header["kid"] == auth.LOCAL_KID
    assert (claims["sub"], claims["iss"], claims["aud"]) == (VOLUNTEER_ID, auth.LOCAL_ISSUER, auth.LOCAL_AUDIENCE)
    assert claims["roles"] == {"0180": ["volunteer"]}
    caller = auth.authenticate(f"Bearer {minted_token}")
    assert caller.actor == VOLUNTEER_ID and caller.has_role_in("0180", "volunteer")


def test_grants_give_different_roles_in_different_municipalities(capsys):
    minted_token = minted(capsys, "--grant", "0180=recruiter", "--grant", "1440=case_worker,auditor")
    caller = auth.authenticate(f"Bearer {minted_token}")
    assert caller.has_role_in("0180", "recruiter") and not caller.has_role_in("1440", "recruiter")
    assert caller.has_role_in("1440", "case_worker") and caller.has_role_in("1440", "auditor")


def test_make_token_passes_sub_on():
    # `make -n` prints the command without running it (nor installing anything)
    printed = subprocess.run(["make", "-n", "token", "ROLE=volunteer", "MUNICIPALITY=1440", f"SUB={VOLUNTEER_ID}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert f"gateway.token --role volunteer --municipality 1440 --sub {VOLUNTEER_ID}" in printed
    assert "KONTAKT_ENV=development" in printed


def test_outside_development_no_token_is_minted_without_a_secret(capsys, monkeypatch):
    # given production mode and no GATEWAY_JWT_SECRET
    monkeypatch.setenv("KONTAKT_ENV", "production")
    for name in auth.KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # when a token is asked for, then none is printed and the missing key is named
    assert token.main(["--role", "recruiter", "--municipality", "0180"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "GATEWAY_JWT_SECRET" in err and auth.DEVELOPMENT_SECRET not in err


@pytest.mark.parametrize("argv", [["--municipality", "0180"], ["--grant", "0180=superuser"],
                                  ["--role", "recruiter", "--municipality", "9999"]],
                         ids=["no-role", "not-a-role", "not-a-kommunkod"])
def test_a_token_without_a_valid_grant_is_refused(argv):
    with pytest.raises(SystemExit) as exit_:
        token.main(argv)
    assert exit_.value.code == 2

"""Secrets catalog classes of issue 18: each redacts its value, stays on its line, and
leaves the near misses alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.secrets_corpus import cases, fresh_cases
from guard.content.catalog import secret_rules
from guard.regex import compile_regex
from tests.content.conftest import make_fakes
from tests.content.redaction import SECRETS, redact

MULTILINE = {"private_key", "okta_api_token", "jenkins_secret", "netrc_credentials",
             "jwt_secret", "gradle_credentials", "password_in_code_call",
             "wrapped_secret_assignment", "putty_private_key", "password_in_markup",
             "env_name_value"}
"""Formats that span lines: a PEM block, a Terraform block naming okta, Jenkins's setup
banner, a .netrc entry, a YAML block, Gradle's credentials {}, a constructor's arguments,
a quoted value a code formatter wrapped onto the line after its name, a PuTTY key's private
lines, an answer file's <Password> with its <Value> below, a Kubernetes env name with its value
below."""

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "data" / "content_corpus.yaml")
                        .read_text("utf-8"))
FAKES = make_fakes()
OWN = [c for c in cases() if c.values] + fresh_cases()
SAMPLES = [c["text"].format(**FAKES) for c in CORPUS["secrets"]] + [c.text for c in OWN]


SLASHED = "/Xk2p9QvLr8sT4wZ1yB6nM3cF7hJ0dG5aE+uIoP"
AZURE = "xQ58Q~Zk3m.Pq7Rt_Vw9Yz1Bc4Df6Gh8Jk0Lm2Np"
SAS = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3k%3D"


def test_the_multiline_rules_are_the_formats_that_span_lines() -> None:
    assert {r.name for r in secret_rules() if r.multiline} == MULTILINE


@pytest.mark.parametrize("rule", [r for r in secret_rules() if not r.multiline],
                         ids=lambda r: r.name)
def test_no_single_line_rule_matches_across_a_line_break(rule: object) -> None:
    regex = compile_regex(rule.regex)  # type: ignore[attr-defined]
    for sample in SAMPLES:
        broken = re.sub(r"[ \t]+", "\n", sample)
        for variant in (broken, sample.replace("=", "=\n").replace(":", ":\n")):
            for match in regex.finditer(variant):
                inner = match.group(0)[1:-1]  # a boundary character may be the line break
                assert "\n" not in inner, (variant, match.group(0))


@pytest.mark.parametrize("case", OWN, ids=lambda c: c.kind)
def test_every_own_class_redacts_its_secret_value(case: object) -> None:
    redacted = redact(case.text)  # type: ignore[attr-defined]
    for value in case.values:  # type: ignore[attr-defined]
        assert value not in redacted


@pytest.mark.parametrize("case", [c for c in cases() if not c.values], ids=lambda c: c.kind)
def test_benign_look_alikes_are_left_alone(case: object) -> None:
    assert SECRETS.scan(case.text).hits == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [
    "password:\n  secretKeyRef:\n    name: db-credentials\n",
    "api_key:\n  valueFrom: vault\n",
    "client_secret =\n    load_from_env()\n",
    "--password\nhunter2isnotit",
    "mysql -u root -p\nshop_db_2024",
    "token:\n  sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
])
def test_a_name_and_a_value_on_different_lines_are_no_secret(text: str) -> None:
    assert SECRETS.scan(text).hits == []


def test_a_quoted_value_wrapped_onto_the_next_line_is_still_its_names() -> None:
    value = "1//03xWRt8YaYa3CgYIARAAGAMSNwF-L9Iru9FyuTrDSa7"
    assert value not in redact(f"  refresh_token:\n    '{value}',\n")
    token = "k8Zq2Lw9Xv4Rt7Yp1Mn5Bc3Df6Gh"
    assert token not in redact(f"  client_secret =\n      \"{token}\"\n")
    assert SECRETS.scan(f"client_secret:\n\n  {token}\n").hits == []  # unquoted, a line apart


@pytest.mark.parametrize(("text", "secret"), [
    ("REDIS_URL=redis://:S3cr3t-Pw@cache:6379", "S3cr3t-Pw"),
    ("mongodb+srv://app:p@ss123!@cluster0.net/db", "p@ss123!"),
    ("mysql -uroot -pS3cretPass shop", "S3cretPass"),
    ("mysqldump -p'Tr0ub4dor&3' shop", "Tr0ub4dor&3"),
    ("PsExec.exe \\\\srv -u CORP\\ops -p Winter2026! cmd", "Winter2026!"),
    ("ipmitool -H 10.0.0.9 -U root -P calvin42 power on", "calvin42"),
    ("keytool -list -keystore k.jks -storepass chang3it", "chang3it"),
    ("openssl rsa -in k.pem -passin pass:Hunter2x", "Hunter2x"),
    ("redis-cli -a R3disPw! ping", "R3disPw!"),
    ("ldapwhoami -x -D cn=admin -w Adm1nPw", "Adm1nPw"),
    ("htpasswd -nb admin Sup3rPw", "Sup3rPw"),
    ("echo 'ops:N3wPass!' | sudo chpasswd", "N3wPass!"),
    ("REDISCLI_AUTH=Rc4uth redis-cli ping", "Rc4uth"),
    ("secret key: " + SLASHED, SLASHED),
    ("SECRET_KEY = 'k3^%(+=x@v9-q!w&39w4+n3*k*$abcd'", "k3^%(+=x@v9-q!w&39w4+n3*k*$abcd"),
    ("the app secret is " + AZURE + " (expires in May)", AZURE),
    ("mysqladmin -u root password N3wRootPw", "N3wRootPw"),
    ("nmcli dev wifi connect Home password W1f1Pass!", "W1f1Pass!"),
    ("net user admin P@ssw0rd1 /add", "P@ssw0rd1"),
    ("schtasks /create /tn x /RU CORP\\svc /RP Sched2026!", "Sched2026!"),
    ('ssh-keygen -t ed25519 -N "K3yPass!" -f k', "K3yPass!"),
    ("lftp -u ops,Ftp9Pass ftp.corp.io", "Ftp9Pass"),
    ('echo "Sud0Pass!" | sudo -S apt update', "Sud0Pass!"),
    ("echo Reg1stryPw | docker login -u ci --password-stdin reg.io", "Reg1stryPw"),
    ("sqlplus -s sys/Oracle_1@db as sysdba", "Oracle_1"),
    ("vault login s.Qw7Rt2Yu9Io4Pa6Sd1Fg3Hj5Kl8Zx", "s.Qw7Rt2Yu9Io4Pa6Sd1Fg3Hj5Kl8Zx"),
    ("az storage blob list --account-key " + SLASHED[1:], SLASHED[1:]),
    ("https://a.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=" + SAS, SAS),
    ("smtp://me@corp.io:Mail9Pw!@smtp.corp.io:587", "Mail9Pw!"),
    ("gpg --batch --passphrase Gpg9Pass! -c notes.txt", "Gpg9Pass!"),
])
def test_cli_url_and_quoted_values_are_redacted_whole(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted and "***" in redacted


@pytest.mark.parametrize(("text", "secret"), [
    ("contraseña: Gato2023!x", "Gato2023!x"), ("пароль = Kot2023!x", "Kot2023!x"),
    ("密码\uff1aMima2023x", "Mima2023x"), ("mot de passe : Soleil42x", "Soleil42x"),
    ("Das Passwort lautet Sommer2024!", "Sommer2024!"), ("Mi contraseña es Gato2023.", "Gato2023"),
    ("the wifi password is Sunset2024 and the guest one is open", "Sunset2024"),
])
def test_passwords_named_in_other_languages_and_stated_in_sentences(text: str, secret: str
                                                                    ) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize("text", [
    "my password is incorrect", "the password is 12 characters long.",
    "Password was reset on 2024-01-02.", "password is required for 2 users",
    "password = auth[2]", "la contraseña es incorrecta",
])
def test_sentences_about_passwords_are_no_secret(text: str) -> None:
    assert SECRETS.scan(text).hits == []


@pytest.mark.parametrize("text", [
    "mysql -u root -p shop", "mkdir -p /srv/app", "docker run -p 8080:80 nginx",
    "usage: sshpass -p password ssh host",
    "ssh://git@github.com/org/repo.git", "http://localhost:8080/path",
    "the value at /usr/local/share/Firefox/defaults/pref is read first",
    "SECRET_KEY = '%(secret_key)s'", "TOKEN=${CI_JOB_TOKEN}",
    "we connect client/server pairs over TLS", "sqlplus /nolog",
    "kubectl get secret db-credentials-2 -o yaml", "--token-file /run/secrets/token2",
    "echo $DB_PASSWORD | docker login -u ci --password-stdin",
    "az webapp create -g rg -p shopPlan2 -n web", "docker run -p 5432:5432 postgres",
])
def test_near_misses_of_the_new_classes(text: str) -> None:
    found = SECRETS.scan(text).detectors
    assert found in ([], ["cli_password_flag"]) if "sshpass" in text else found == []


SAFE = st.text(alphabet=" abcdefg.,;\n", max_size=40)


@given(SAFE, SAFE, st.sampled_from(OWN))
def test_redaction_removes_every_value_and_touches_only_its_sample(
        before: str, after: str, case: object) -> None:
    text = f"{before}\n{case.text}\n{after}"  # type: ignore[attr-defined]
    redacted = redact(text)
    for value in case.values:  # type: ignore[attr-defined]
        assert value not in redacted
    assert redacted.startswith(before + "\n") and redacted.endswith("\n" + after)

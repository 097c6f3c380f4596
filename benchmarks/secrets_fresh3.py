"""guard's third untuned secrets round (``FRESH_3``): secrets where files and tools put them.

Written on 2026-12-06 and measured once before any rule change (benchmarks/README.md,
"Content detection quality"). Rounds one and two (:mod:`benchmarks.secrets_corpus`,
:mod:`benchmarks.secrets_fresh`) were written beside the rules, so this one takes its
surroundings from elsewhere: Dockerfiles, Kubernetes manifests and Helm values, Terraform,
shell history and CLI transcripts, stack traces and log lines carrying JSON, Windows
(PowerShell, ``.bat``, registry exports), quoted and escaped values, URLs with credentials of
other schemes, and multi-line material (PEM blocks in YAML block scalars, escaped in JSON,
pretty-printed service-account files). Every value is random (seeded); each positive names
the values redaction must remove.

The negatives are the hard look-alikes those places are full of: digests of every kind
(lockfiles, Subresource Integrity, Git LFS pointers, image digests, SSH and TLS
fingerprints), UUIDs and request ids, commit SHAs, base64 images and CSP nonces,
placeholders (``<YOUR_KEY>``, ``xxxx``, ``REPLACE_ME``) and references (``${API_KEY}``,
``%(password)s``, Terraform ``var.``, Jinja), values already masked by a logger, fixtures
named fake, minified JavaScript, and documentation describing a key's format.
"""

from __future__ import annotations

import base64
import json
import random
import string

from benchmarks.secrets_corpus import ALNUM, B64, HEX, UPPER32, Case, _b64_secret, _c, _password

URLSAFE = ALNUM + "_-"
UPPER_ALNUM = string.ascii_uppercase + string.digits


def _uuid(rng: random.Random) -> str:
    return "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12))


def _pem(rng: random.Random, lines: int = 5) -> str:
    return "\n".join(_c(rng, 64, B64) for _ in range(lines))


def _values(rng: random.Random) -> dict[str, str]:
    """One set of random values; the templates pick what they need."""
    pem = _pem(rng)
    return {
        "pw": _password(rng), "pw2": _password(rng), "word_pw": _c(rng, 6, string.ascii_lowercase)
        + _c(rng, 4, string.digits) + _c(rng, 3, string.ascii_uppercase),
        "quoted_pw": _c(rng, 5) + '\\"' + _c(rng, 4) + "#" + _c(rng, 3, string.digits),
        "ghpat": "github_pat_" + _c(rng, 22) + "_" + _c(rng, 59),
        "ghp": "ghp_" + _c(rng, 36), "glpat": "glpat-" + _c(rng, 20, URLSAFE),
        "xoxb": "xoxb-" + _c(rng, 12, string.digits) + "-" + _c(rng, 13, string.digits) + "-"
        + _c(rng, 24), "slack_hook": "https://hooks.slack.com/services/T" + _c(rng, 8, UPPER_ALNUM)
        + "/B" + _c(rng, 10, UPPER_ALNUM) + "/" + _c(rng, 24),
        "sk_live": "sk_live_" + _c(rng, 99), "rk_live": "rk_live_" + _c(rng, 99),
        "hf": "hf_" + _c(rng, 34, string.ascii_letters), "sg": "SG." + _c(rng, 22, URLSAFE) + "."
        + _c(rng, 43, URLSAFE), "aiza": "AIza" + _c(rng, 35, URLSAFE),
        "ant": "sk-ant-api03-" + _c(rng, 93, URLSAFE) + "AA",
        "proj": "sk-proj-" + _c(rng, 64, URLSAFE),
        "dp": "dp.st.prd." + _c(rng, 43), "glsa": "glsa_" + _c(rng, 32) + "_" + _c(rng, 8, HEX),
        "mailgun": "key-" + _c(rng, 32, HEX), "dd": _c(rng, 32, HEX),
        "shpat": "shpat_" + _c(rng, 32, HEX), "hvs": "hvs." + _c(rng, 90, URLSAFE),
        "dapi": "dapi" + _c(rng, 32, HEX), "pmak": "PMAK-" + _c(rng, 24, HEX) + "-"
        + _c(rng, 34, HEX), "tg": str(rng.randrange(10**8, 10**9)) + ":AA" + _c(rng, 33, URLSAFE),
        "npm": "npm_" + _c(rng, 36), "akia": "AKIA" + _c(rng, 16, UPPER32), "aws": _b64_secret(rng),
        "azkey": _b64_secret(rng, 86) + "==", "age": "AGE-SECRET-KEY-1"
        + _c(rng, 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
        "heroku": _uuid(rng), "twsid": "AC" + _c(rng, 32, HEX), "twtok": _c(rng, 32, HEX),
        "opaque": _c(rng, 40, URLSAFE), "hex40": _c(rng, 40, HEX), "b64_32": _b64_secret(rng, 44),
        "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.urlsafe_b64encode(json.dumps(
            {"sub": _c(rng, 8), "exp": rng.randrange(1_800_000_000, 1_900_000_000)}).encode())
        .decode().rstrip("=") + "." + _c(rng, 43, URLSAFE),
        "pem": pem, "pem_json": pem.replace("\n", "\\n"), "pem_yaml": pem.replace("\n", "\n    "),
        "discord_hook": "https://discord.com/api/webhooks/" + str(rng.randrange(10**17, 10**18))
        + "/" + _c(rng, 68, URLSAFE),
    }


FRESH_3 = [
    # Dockerfiles and images
    ("dockerfile env", "FROM node:20-alpine\nENV NPM_TOKEN={npm}\nRUN npm ci\n", "npm"),
    ("dockerfile npmrc echo", "RUN echo \"//registry.npmjs.org/:_authToken={npm}\" > ~/.npmrc "
     "&& npm ci", "npm"),
    ("dockerfile arg default", "ARG GITHUB_TOKEN={ghp}\nRUN git clone https://$GITHUB_TOKEN@github"
     ".com/corp/lib.git", "ghp"),
    ("docker run -e", "docker run -d -e POSTGRES_PASSWORD={pw} -p 5432:5432 postgres:16", "pw"),
    ("docker login", "$ docker login registry.corp.io -u ci -p {pw}\nLogin Succeeded", "pw"),
    # Kubernetes and Helm
    ("k8s stringData", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n"
     "  SLACK_BOT_TOKEN: {xoxb}\n", "xoxb"),
    ("k8s configmap url", "kind: ConfigMap\ndata:\n  DATABASE_URL: postgres://app:{pw}@pg.db.svc"
     ".cluster.local:5432/shop\n", "pw"),
    ("helm values", "postgresql:\n  auth:\n    username: app\n    password: \"{pw}\"\n"
     "    database: shop\n", "pw"),
    ("kubectl create secret", "kubectl create secret generic stripe --from-literal="
     "STRIPE_KEY={sk_live} -n billing", "sk_live"),
    ("k8s pem block scalar", "stringData:\n  tls.key: |\n    -----BEGIN RSA PRIVATE KEY-----\n"
     "    {pem_yaml}\n    -----END RSA PRIVATE KEY-----\n", "pem"),
    # Terraform
    ("terraform provider", 'provider "github" {{\n  owner = "corp"\n  token = "{ghp}"\n}}\n',
     "ghp"),
    ("terraform db", 'resource "aws_db_instance" "main" {{\n  engine   = "postgres"\n'
     '  username = "app"\n  password = "{pw}"\n}}\n', "pw"),
    ("tfvars", 'datadog_api_key = "{dd}"\ndatadog_site    = "datadoghq.eu"\n', "dd"),
    ("terraform aws provider", 'provider "aws" {{\n  region     = "eu-west-1"\n'
     '  access_key = "{akia}"\n  secret_key = "{aws}"\n}}\n', "aws"),
    # shell history and CLI
    ("bash history mysql", "  501  cd /srv/app\n  502  mysql -h db -u root -p{pw} shop\n"
     "  503  exit\n", "pw"),
    ("sshpass", "sshpass -p '{pw}' ssh deploy@10.0.4.12 'sudo systemctl restart app'", "pw"),
    ("curl -u", "curl -u admin:{pw} -X POST https://jenkins.corp.io/job/deploy/build", "pw"),
    ("ldapsearch -w", 'ldapsearch -x -H ldap://dc1 -D "cn=admin,dc=corp,dc=io" -w {pw} '
     '-b "dc=corp,dc=io"', "pw"),
    ("hf cli", "$ huggingface-cli login --token {hf}\nLogin successful", "hf"),
    ("gh auth", "echo {ghpat} | gh auth login --with-token", "ghpat"),
    ("vault login", "$ vault login {hvs}\nSuccess! You are now authenticated.", "hvs"),
    ("databricks configure", "databricks configure --host https://adb-1.azuredatabricks.net "
     "--token {dapi}", "dapi"),
    # stack traces and logs
    ("sqlalchemy trace", "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) FATAL:  "
     "password authentication failed\n(Background on this error at: https://sqlalche.me/e/20/e3q8)"
     "\n  engine = create_engine('postgresql+psycopg2://etl:{pw}@10.2.0.5/dw')", "pw"),
    ("java trace jdbc", "Caused by: java.sql.SQLException: Access denied for user 'app'@'10.0.1.7'"
     "\n\tat com.corp.Db.connect(Db.java:42) url=jdbc:mysql://db:3306/shop?user=app&password={pw}",
     "pw"),
    ("log json bearer", '2026-12-01T10:04:11Z INFO http.request {{"method":"GET","path":"/v1/me",'
     '"headers":{{"authorization":"Bearer {jwt}","accept":"*/*"}}}}', "jwt"),
    ("log json api key", '{{"level":"debug","msg":"calling upstream","config":{{"api_key":"'
     '{proj}","model":"gpt-4o"}}}}', "proj"),
    ("python traceback kwargs", 'File "/app/notify.py", line 12, in send\n    sg = '
     "SendGridAPIClient(api_key='{sg}')\nurllib.error.HTTPError: "
     "HTTP Error 401: Unauthorized", "sg"),
    ("nginx log query", '10.0.0.7 - - [01/Dec/2026:10:00:01 +0000] "GET /hook?token={opaque}&'
     'ref=main HTTP/1.1" 200 12', "opaque"),
    # URLs with credentials
    ("amqp url", "CELERY_BROKER_URL=amqp://worker:{pw}@rabbit.internal:5672/prod", "pw"),
    ("redis empty user", "REDIS_URL=redis://:{pw}@cache.internal:6379/0", "pw"),
    ("git config url", '[remote "origin"]\n\turl = https://oauth2:{glpat}@gitlab.corp.io/team/'
     "app.git\n", "glpat"),
    ("git credentials file", "https://jdoe:{ghp}@github.com\n", "ghp"),
    ("smtp url", "EMAIL_URL=smtp+tls://alerts@corp.io:{pw}@smtp.mailgun.org:587", "pw"),
    ("ftp url", "lftp ftp://backup:{pw}@ftp.corp.io/nightly", "pw"),
    ("slack webhook", "ALERT_WEBHOOK={slack_hook}", "slack_hook"),
    ("discord webhook", "requests.post('{discord_hook}', json={{'content': 'deploy done'}})",
     "discord_hook"),
    # Windows
    ("powershell env", '$env:ANTHROPIC_API_KEY = "{ant}"\npython .\\agent.py', "ant"),
    ("powershell securestring", "$pw = ConvertTo-SecureString '{pw}' -AsPlainText -Force",
     "pw"),
    ("bat set", "@echo off\r\nset DB_USER=sa\r\nset DB_PASSWORD={pw}\r\nsqlcmd -S .\\SQLEXPRESS",
     "pw"),
    ("aws credentials windows", "C:\\Users\\jdoe\\.aws\\credentials:\n[default]\n"
     "aws_access_key_id = {akia}\naws_secret_access_key = {aws}\n", "aws"),
    ("net use", "net use \\\\fs01\\finance {pw} /user:CORP\\svc_backup /persistent:yes", "pw"),
    # quoted, escaped and code
    ("escaped json string", '{{"env": "{{\\"PASSWORD\\": \\"{pw}\\"}}"}}', "pw"),
    ("escaped quote in value", 'db_password = "{quoted_pw}"', "quoted_pw"),
    ("getenv default", 'OPENAI_KEY = os.getenv("OPENAI_API_KEY", "{proj}")', "proj"),
    ("php variable", "<?php\n$db_host = 'localhost';\n$db_pass = '{pw}';\n", "pw"),
    ("go const", 'const shopifyToken = "{shpat}"', "shpat"),
    ("dotnet appsettings", '<appSettings>\n  <add key="MailgunKey" value="{mailgun}" />\n'
     "</appSettings>", "mailgun"),
    ("kafka jaas", "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
     'required username="svc" password="{pw}";', "pw"),
    ("java properties", "spring.mail.host=smtp.corp.io\nspring.mail.password={pw}\n", "pw"),
    ("ansible become", "all:\n  vars:\n    ansible_user: deploy\n    ansible_become_pass: "
     "{pw}\n", "pw"),
    ("toml poetry", '[http-basic.corp]\nusername = "ci"\npassword = "{pw}"\n', "pw"),
    ("ini twilio", "[twilio]\naccount_sid = {twsid}\nauth_token = {twtok}\n", "twtok"),
    ("heroku env", "HEROKU_API_KEY={heroku}", "heroku"),
    ("markdown table", "| name | value |\n|---|---|\n| POSTMAN_KEY | {pmak} |\n| TEAM | web |",
     "pmak"),
    ("chat telegram", "my bot stopped answering, token is {tg} - is it revoked?", "tg"),
    ("chat word password", "the wifi password for the guest network is {word_pw} btw", "word_pw"),
    ("doppler", "doppler run --token {dp} -- npm start", "dp"),
    ("grafana", 'GF_TOKEN="{glsa}" grafana-cli dashboards export', "glsa"),
    ("google maps android", '<string name="google_maps_key" translatable="false">{aiza}</string>',
     "aiza"),
    ("stripe restricted", "STRIPE_RESTRICTED_KEY='{rk_live}'", "rk_live"),
    ("azure storage conn", "DefaultEndpointsProtocol=https;AccountName=corpdata;AccountKey={azkey};"
     "EndpointSuffix=core.windows.net", "azkey"),
    ("age key file", "# created: 2026-11-30T10:00:00Z\n# public key: age1qqqq\n{age}\n", "age"),
    # multi-line
    ("pem escaped in json", '{{"ssl_key": "-----BEGIN EC PRIVATE KEY-----\\n{pem_json}\\n-----END'
     ' EC PRIVATE KEY-----\\n"}}', "pem"),
    ("gcp sa pretty", '{{\n  "type": "service_account",\n  "project_id": "shop-prod",\n'
     '  "private_key": "-----BEGIN PRIVATE KEY-----\\n{pem_json}\\n-----END PRIVATE KEY-----\\n",'
     '\n  "client_email": "ci@shop-prod.iam.gserviceaccount.com"\n}}', "pem"),
    ("encrypted pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{pem}\n-----END ENCRYPTED PRIVATE "
     "KEY-----", "pem"),
    ("base64 secret yaml", "jwt:\n  signing_secret: {b64_32}\n  ttl: 3600\n", "b64_32"),
]
"""(class, template, names of the values that must be gone)."""

NEGATIVES_3 = [
    # placeholders and references
    ("angle key", "ENV OPENAI_API_KEY=<YOUR_KEY>\nENV STRIPE_KEY=<YOUR_STRIPE_SECRET_KEY>"),
    ("x filler env", "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("replace me", 'password = "REPLACE_ME"\napi_key = "CHANGE_ME_BEFORE_DEPLOY"'),
    ("your key here", "export HF_TOKEN=your-hugging-face-token-here"),
    ("dollar brace", 'token: "${{API_KEY}}"\npassword: "${{DB_PASSWORD:-}}"'),
    ("python percent", "dsn = 'postgresql://%(user)s:%(password)s@%(host)s/%(db)s' % cfg"),
    ("python format", 'url = f"redis://:{{password}}@{{host}}:6379/0"'),
    ("terraform var", 'resource "aws_db_instance" "main" {{\n  password = var.db_password\n'
     "  username = local.db_user\n}}"),
    ("terraform random", "  password = random_password.db.result\n  token = "
     "data.vault_generic_secret.api.data[\"token\"]"),
    ("jinja", "api_token: \"{{{{ vault_api_token }}}}\"\ndb_pass: \"{{{{ lookup('env', "
     "'DB_PASS') }}}}\""),
    ("powershell env read", "$token = $env:GITHUB_TOKEN\n$pw = Read-Host -AsSecureString"),
    ("bat reference", "set PGPASSWORD=%DB_PASSWORD%\r\npsql -h db -U app"),
    ("empty values", 'password: ""\napi_key: null\ntoken: ~\nsecret = None'),
    ("mustache", "Authorization: Bearer {{{{access_token}}}}"),
    ("docker secret ref", "secrets:\n  db_password:\n    file: ./secrets/db_password.txt"),
    ("ellipsis key", "Set ANTHROPIC_API_KEY to your key (it starts with sk-ant-api03-...)."),
    ("aws arn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-password-AbC1dE"),
    ("vault path", "vault kv get -field=password secret/data/prod/postgres"),
    ("keychain cmd", "security find-generic-password -s github -w"),
    # masked by the writer
    ("masked log", "2026-12-01 10:00:02 INFO connect url=postgres://app:****@db/shop "
     "token=[FILTERED] api_key=<redacted>"),
    ("masked json", '{{"authorization": "Bearer [REDACTED]", "x-api-key": "***"}}'),
    ("masked trace", "psycopg2.OperationalError: connection to server at \"db\" failed: "
     "password=******** user=app"),
    # digests and lockfiles
    ("pnpm lock", "  /left-pad@1.3.0:\n    resolution: {{integrity: sha512-{b64_86}==}}\n"
     "    dev: false"),
    ("poetry lock", '[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\n'
     'content-hash = "{hex64}"'),
    ("composer lock", '"dist": {{"type": "zip", "reference": "{hex40}", "shasum": ""}}'),
    ("gemfile lock", "CHECKSUMS\n  rake (13.2.1) sha256={hex64}\n  rack (3.1.8) sha256={hex64b}"),
    ("sri script", '<script src="https://cdn.corp.io/app.js" integrity="sha384-{b64_64}" '
     'crossorigin="anonymous"></script>'),
    ("git lfs pointer", "version https://git-lfs.github.com/spec/v1\noid sha256:{hex64}\n"
     "size 1048576"),
    ("image digest k8s", "      containers:\n      - name: api\n        image: ghcr.io/corp/api@"
     "sha256:{hex64}"),
    ("ssh fingerprint", "ED25519 key fingerprint is SHA256:{b64_43}.\nAre you sure you want to "
     "continue connecting (yes/no)?"),
    ("tls fingerprint", "SHA1 Fingerprint={colon_hex}"),
    ("sha256sum check", 'RUN echo "{hex64}  terraform.zip" | sha256sum -c -'),
    ("md5 list", "{hex32}  backup-2026-11-30.tar.gz\n{hex32b}  backup-2026-12-01.tar.gz"),
    ("sha512 release", "sha512: {hex128}"),
    ("webpack chunks", '<script src="/static/js/main.{hex8}.js"></script><link href="/static/'
     'css/main.{hex8b}.css">'),
    # ids
    ("git log", "commit {hex40}\nMerge: {hex7} {hex7b}\nAuthor: Jane <jane@corp.io>\n\n"
     "    Merge pull request #812"),
    ("uuid json", '{{"id": "{uuid}", "tenant_id": "{uuid2}", "status": "active"}}'),
    ("sln guid", 'Project("{{{uuid_up}}}") = "Api", "Api\\Api.csproj", "{{{uuid_up2}}}"'),
    ("request ids", "x-amzn-RequestId: {uuid}\nx-request-id: req_{alnum24}\ntraceparent: "
     "00-{hex32}-{hex16}-01"),
    ("eth tx", "Transaction {eth_tx} confirmed in block 19283746"),
    ("ipfs cid", "ipfs://bafybei{b32_52}/metadata.json"),
    ("windows sid", "S-1-5-21-{d10}-{d10b}-{d10c}-1104"),
    ("oauth public", "https://login.corp.io/authorize?client_id=web&state={alnum24}&"
     "code_challenge={b64url_43}&code_challenge_method=S256"),
    ("csp nonce", "Content-Security-Policy: script-src 'nonce-{b64_22}' 'strict-dynamic'"),
    # media and encoded non-secrets
    ("markdown image", "![logo](data:image/png;base64,{png})"),
    ("ca bundle", "webhooks:\n- clientConfig:\n    caBundle: {cert_b64}"),
    ("pgp public", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{pem}\n-----END PGP PUBLIC KEY BLOCK"
     "-----"),
    ("ssh pub in authorized_keys", 'command="/usr/bin/backup",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1'
     "NTE5AAAAI{b64_43} backup@nas"),
    # fixtures, docs and code
    ("fake fixture", 'FAKE_GITHUB_TOKEN = "ghp_fake_token_for_tests_only"\n'
     'DUMMY_PASSWORD = "dummy-password"'),
    ("format doc", "GitLab personal access tokens start with glpat- followed by 20 characters; "
     "GitHub's with ghp_ followed by 36."),
    ("regex in code", "TOKEN_RE = re.compile(r\"^xox[baprs]-[0-9]{{10,13}}-"
     "[A-Za-z0-9-]{{24,}}$\")"),
    ("minified js", "function l(e){{return{{password:e.password,token:t.token,secret:n}}}}var u="
     "o.apiKey||r.apiKey,c=a.accessToken;"),
    ("js destructure", "const {{ apiKey, secretKey: sk, password = '' }} = config;"),
    ("sql column", "ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;"),
    ("html form", '<input type="password" name="password" id="password" autocomplete='
     '"current-password">'),
    ("cli help", "  -p, --password string   Password for the registry (or set "
     "REGISTRY_PASSWORD)\n  -t, --token string      API token"),
    ("password policy", "Passwords must be at least 12 characters and contain a digit."),
    ("hex colours json", '{{"primary": "#1E40AF", "secret": "#F59E0B", "token": "#10B981"}}'),
    ("feature flags", "secret_rotation_enabled=true\ntoken_ttl=3600\npassword_reset_url=/reset"),
    ("stack trace plain", 'Traceback (most recent call last):\n  File "/app/auth.py", line 88, in '
     "verify\n    raise InvalidToken(token_id)\nauth.InvalidToken: {uuid}"),
    ("k8s service account ref", "spec:\n  serviceAccountName: api\n  automountServiceAccountToken:"
     " false\n  imagePullSecrets:\n  - name: regcred"),
]
"""(class, template): the look-alikes of the places the positives come from."""


def _fill(rng: random.Random) -> dict[str, str]:
    cert = "-----BEGIN CERTIFICATE-----\n" + _pem(rng, 3) + "\n-----END CERTIFICATE-----\n"
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(200))
    return {
        "hex7": _c(rng, 7, HEX), "hex7b": _c(rng, 7, HEX), "hex8": _c(rng, 8, HEX),
        "hex8b": _c(rng, 8, HEX), "hex16": _c(rng, 16, HEX), "hex32": _c(rng, 32, HEX),
        "hex32b": _c(rng, 32, HEX), "hex40": _c(rng, 40, HEX), "hex64": _c(rng, 64, HEX),
        "hex64b": _c(rng, 64, HEX), "hex128": _c(rng, 128, HEX), "uuid": _uuid(rng),
        "uuid2": _uuid(rng), "uuid_up": _uuid(rng).upper(), "uuid_up2": _uuid(rng).upper(),
        "b64_22": _c(rng, 22, B64), "b64_43": _c(rng, 43, B64), "b64_64": _c(rng, 64, B64),
        "b64_86": _c(rng, 86, B64), "b64url_43": _c(rng, 43, URLSAFE),
        "b32_52": _c(rng, 52, "abcdefghijklmnopqrstuvwxyz234567"), "alnum24": _c(rng, 24),
        "eth_tx": "0x" + _c(rng, 64, HEX), "colon_hex": ":".join(_c(rng, 2, "0123456789ABCDEF")
                                                               for _ in range(20)),
        "d10": _c(rng, 10, string.digits), "d10b": _c(rng, 10, string.digits),
        "d10c": _c(rng, 10, string.digits), "png": base64.b64encode(png).decode(),
        "cert_b64": base64.b64encode(cert.encode()).decode(), "pem": _pem(rng),
    }


def fresh3_cases(seed: int = 18) -> list[Case]:
    """The positives and negatives of this round, with values from ``seed``."""
    rng = random.Random(seed + 3)
    out = []
    for kind, template, names in FRESH_3:
        values = _values(rng)
        out.append(Case(kind, template.format(**values),
                        tuple(values[n] for n in names.split())))
    for kind, template in NEGATIVES_3:
        out.append(Case(kind, template.format(**_fill(rng))))
    return out

"""guard's own secrets set: generated credentials in contexts the public set does not use.

The public Nosey Parker rows tuned the catalog, so recall on them says little about
text nobody here has seen. This set is written from the failing *classes* of issue 18
(a key id beside its secret, base64 secrets that start with ``/`` or ``+``, connection
URLs with an empty user, CLI password flags, values quoted with symbols) in forms the
public set lacks: CLI transcripts, shell history, CI logs, prose, config files of other
clouds. Every value is random (seeded), so no real-looking key sits in git and a rule
cannot learn the examples. Each positive names the values that must be gone after
redaction; the negatives are benign look-alikes (hashes, UUIDs in logs, base64 images,
commit SHAs, placeholders, ordinary CLI flags).
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
UPPER32 = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    values: tuple[str, ...] = ()  # what redaction must remove (empty: a negative)


def _c(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64_secret(rng: random.Random, n: int = 40, lead: str = "") -> str:
    """A base64 secret with upper, lower and digits (``lead``: its first character)."""
    while True:
        value = lead + _c(rng, n - len(lead), B64)
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def _password(rng: random.Random) -> str:
    return _c(rng, 4, string.ascii_letters) + _c(rng, 3, string.digits) + rng.choice("!#%^*") \
        + _c(rng, 5)


def _values(rng: random.Random) -> dict[str, str]:
    return {
        "akia": "AKIA" + _c(rng, 16, UPPER32),
        "asia": "ASIA" + _c(rng, 16, UPPER32),
        "aws": _b64_secret(rng),
        "aws_slash": _b64_secret(rng, lead="/"),
        "aws_plus": _b64_secret(rng, lead="+"),
        "session": "IQoJb3JpZ2luX2Vj" + _c(rng, 200, B64),
        "twilio_sk": "SK" + _c(rng, 32, HEX),
        "twilio_ac": "AC" + _c(rng, 32, HEX),
        "twilio_secret": _c(rng, 32),
        "twilio_auth": _c(rng, 32, HEX),
        "azure_id": "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "azure_secret": _c(rng, 3) + rng.choice(string.digits) + "Q~" + _c(rng, 34, ALNUM + "_~.-"),
        "ali_id": "LTAI" + _c(rng, 20),
        "ali_secret": _c(rng, 30),
        "tc_id": "AKID" + _c(rng, 32),
        "tc_secret": _c(rng, 32),
        "do_id": "DO00" + _c(rng, 16, string.ascii_uppercase + string.digits),
        "do_secret": _b64_secret(rng, 43),
        "cf_token": _c(rng, 40, ALNUM + "_-"),
        "goog": "GOOG1" + _c(rng, 56, string.ascii_uppercase + string.digits),
        "scw": "SCW" + _c(rng, 17, string.ascii_uppercase + string.digits),
        "uuid": "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "ycid": "YCAJ" + _c(rng, 21), "ycs": "YC" + _c(rng, 38),
        "cf_global": _c(rng, 37, HEX),
        "pw": _password(rng),
        "pw2": _password(rng),
        "pw_at": _c(rng, 5) + "@" + _c(rng, 4, string.digits) + "!",
        "hex40": _c(rng, 40, HEX),
        "b64": _b64_secret(rng, 44),
        "minio": _c(rng, 40),
        "django": _c(rng, 20, string.ascii_lowercase + string.digits) + "^%(+=@!&*$" + _c(rng, 20),
        "pem_body": _c(rng, 64, B64),
    }


POSITIVES = [
    # a key id beside its secret, in the forms people paste
    ("aws configure", "$ aws configure\nAWS Access Key ID [None]: {akia}\n"
     "AWS Secret Access Key [None]: {aws}\nDefault region name [None]: eu-west-1\n", "aws"),
    ("aws configure /", "$ aws configure\nAWS Access Key ID [****************ABCD]: {akia}\n"
     "AWS Secret Access Key [****************wxyz]: {aws_slash}\n", "aws_slash"),
    ("aws export +", "export AWS_ACCESS_KEY_ID={akia}\nexport AWS_SECRET_ACCESS_KEY={aws_plus}\n",
     "aws_plus"),
    ("aws prose", "Here are the creds for the staging bucket: key id {akia}, secret {aws}. "
     "Please rotate them after the demo.", "aws"),
    ("aws prose colon", "Access key: {akia}\nSecret: {aws_slash}\n", "aws_slash"),
    ("aws sts json", '{{"Credentials": {{"AccessKeyId": "{asia}", "SecretAccessKey": "{aws_plus}", '
     '"SessionToken": "{session}", "Expiration": "2026-01-01T00:00:00Z"}}}}', "aws_plus session"),
    ("aws csv", "User name,Access key ID,Secret access key\nci-bot,{akia},{aws}\n", "aws"),
    ("aws table", "| key id | secret |\n|---|---|\n| {akia} | {aws_slash} |\n", "aws_slash"),
    ("aws env inline", "AWS_ACCESS_KEY_ID={akia} AWS_SECRET_ACCESS_KEY={aws} aws s3 ls", "aws"),
    ("aws configure set", "aws configure set aws_secret_access_key {aws_plus} --profile ci",
     "aws_plus"),
    ("twilio prose", "Twilio API key SID {twilio_sk} and its secret {twilio_secret}",
     "twilio_secret"),
    ("twilio code", "client = Client('{twilio_sk}', '{twilio_secret}', '{twilio_ac}')",
     "twilio_secret"),
    ("twilio account", "account sid {twilio_ac}\nauth token: {twilio_auth}\n", "twilio_auth"),
    ("twilio curl", "curl -X GET https://api.twilio.com/2010-04-01/Accounts.json "
     "-u {twilio_ac}:{twilio_auth}", "twilio_auth"),
    ("azure env", "AZURE_CLIENT_ID={azure_id}\nAZURE_CLIENT_SECRET={azure_secret}\n",
     "azure_secret"),
    ("azure cli", "az login --service-principal -u {azure_id} -p {azure_secret} --tenant contoso",
     "azure_secret"),
    ("azure prose", "the app registration's secret value is {azure_secret}", "azure_secret"),
    ("alibaba", "AccessKey ID: {ali_id}\nAccessKey Secret: {ali_secret}\n", "ali_secret"),
    ("alibaba cli", "aliyun configure set --access-key-id {ali_id} --access-key-secret {ali_secret}"
     " --region cn-hangzhou", "ali_secret"),
    ("tencent", "SecretId = {tc_id}\nSecretKey = {tc_secret}\n", "tc_secret"),
    ("digitalocean spaces", "spaces key {do_id} secret {do_secret}", "do_secret"),
    ("cloudflare", "CLOUDFLARE_API_TOKEN={cf_token}\n", "cf_token"),
    ("cloudflare global", 'curl -H "X-Auth-Email: ops@corp.io" -H "X-Auth-Key: {cf_global}" '
     "https://api.cloudflare.com/client/v4/zones", "cf_global"),
    ("gcs hmac", "Access ID: {goog}\nSecret: {aws_plus}\nState: ACTIVE", "aws_plus"),
    ("scaleway", "scw init access-key={scw} secret-key={uuid}", "uuid"),
    ("yandex", "static key created:\n  key_id: {ycid}\n  secret: {ycs}\n", "ycs"),
    ("minio", "mc alias set prod https://minio.internal:9000 admin {minio}", "minio"),
    # connection URLs and CLI passwords
    ("redis empty user", "REDIS_URL=redis://:{pw}@cache.internal:6379/0", "pw"),
    ("postgres empty user", "psql postgres://:{pw}@db.internal/app", "pw"),
    ("url password with @", "amqp://svc:{pw_at}@mq.internal:5672/", "pw_at"),
    ("mysql -p", "mysql -u root -p{pw} shop < dump.sql", "pw"),
    ("mysqldump quoted", "mysqldump -uadmin -p'{pw}' --all-databases > all.sql", "pw"),
    ("--password=", "influx auth --username admin --password={pw}", "pw"),
    ("--password space", "mongosh --username app --password {pw} --host db1", "pw"),
    ("-p quoted", "docker login -u deploy -p '{pw}' registry.corp.io", "pw"),
    ("PGPASSWORD", "PGPASSWORD={pw} psql -h db -U app -d shop", "pw"),
    ("sshpass", "sshpass -p '{pw}' ssh ops@10.0.0.5", "pw"),
    ("curl -u", "curl -u admin:{pw} https://jenkins.internal/api/json", "pw"),
    ("htpasswd", "htpasswd -b -c /etc/nginx/.htpasswd admin {pw}", "pw"),
    ("redis-cli -a", "redis-cli -h cache -a {pw} PING", "pw"),
    ("sqlcmd -P", "sqlcmd -S tcp:sql01,1433 -U sa -P {pw} -Q \"SELECT 1\"", "pw"),
    ("ldapsearch -w", "ldapsearch -x -D cn=admin,dc=corp -w {pw} -b dc=corp", "pw"),
    ("keytool", "keytool -importkeystore -srckeystore a.p12 -srcstorepass {pw} "
     "-deststorepass {pw2}",
     "pw pw2"),
    ("openssl pass:", "openssl pkcs12 -export -in c.pem -out c.p12 -passout pass:{pw}", "pw"),
    ("smbclient", "smbclient //fs01/share -U backup%{pw}", "pw"),
    ("net use", "net use Z: \\\\fs01\\share {pw} /user:CORP\\backup", "pw"),
    ("chpasswd", "echo 'deploy:{pw}' | chpasswd", "pw"),
    ("wget", "wget --user=ci --password={pw} https://repo.internal/a.tgz", "pw"),
    ("7z", "7z x backup.7z -p{pw}", "pw"),
    ("zip -P", "zip -P {pw} secrets.zip notes.txt", "pw"),
    ("ipmitool", "ipmitool -I lanplus -H 10.1.1.9 -U ADMIN -P {pw} power status", "pw"),
    ("rabbitmqctl", "rabbitmqctl add_user svc {pw}", "pw"),
    # names with spaces, quoted values with symbols, multi-line formats
    ("prose secret key", "secret key: {b64}", "b64"),
    ("django quoted", "SECRET_KEY = '{django}'", "django"),
    ("yaml password", "database:\n  user: app\n  password: {pw}\n  host: db\n", "pw"),
    ("log line", "2026-03-01 12:00:01 INFO connecting with password={pw} to db01", "pw"),
    ("toml token", 'api_token = "{hex40}"', "hex40"),
    ("pem pkcs8", "-----BEGIN PRIVATE KEY-----\n{pem_body}\n{pem_body}\n-----END PRIVATE KEY-----",
     "pem_body"),
]
"""(class, template, names of the values that must be gone)."""

FRESH = [
    ("aws credentials file", "[default]\naws_access_key_id = {asia}\n"
     "aws_secret_access_key = {aws_plus}\naws_session_token = {session}\n", "aws_plus session"),
    ("terraform aws", 'provider "aws" {{\n  access_key = "{akia}"\n'
     '  secret_key = "{aws_slash}"\n}}', "aws_slash"),
    ("boto3", 's3 = boto3.resource("s3", aws_access_key_id="{akia}", '
     'aws_secret_access_key="{aws}")', "aws"),
    ("aws chat", "i put {akia} as the id and {aws_plus} as the secret but it says "
     "SignatureDoesNotMatch", "aws_plus"),
    ("aws actions log", "Run aws-actions/configure-aws-credentials@v4\n"
     "  aws-access-key-id: {akia}\n  aws-secret-access-key: {aws_slash}\n", "aws_slash"),
    ("docker -e aws", "docker run -e AWS_ACCESS_KEY_ID={akia} -e AWS_SECRET_ACCESS_KEY={aws} img",
     "aws"),
    ("minio json", '{{"accessKey": "{akia}", "secretKey": "{aws_plus}", "api": "s3v4"}}',
     "aws_plus"),
    ("twilio env", "TWILIO_API_KEY={twilio_sk}\nTWILIO_API_SECRET={twilio_secret}\n",
     "twilio_secret"),
    ("twilio node", "const accountSid = '{twilio_ac}';\nconst authToken = '{twilio_auth}';\n"
     "const client = require('twilio')(accountSid, authToken);", "twilio_auth"),
    ("alibaba python", "client = AcsClient('{ali_id}', '{ali_secret}', 'cn-hangzhou')",
     "ali_secret"),
    ("tencent python", 'cred = credential.Credential("{tc_id}", "{tc_secret}")', "tc_secret"),
    ("azure credential", 'ClientSecretCredential(tenant, "{azure_id}", "{azure_secret}")',
     "azure_secret"),
    ("celery broker", "CELERY_BROKER_URL=rediss://:{pw}@redis.internal:6380/0", "pw"),
    ("mysql long flags", "mysql --user=root --password={pw} shop", "pw"),
    ("psql conninfo", 'psql "host=db user=app password={pw} dbname=shop"', "pw"),
    ("sshpass attached", "sshpass -p{pw} scp backup.tgz ops@10.0.0.7:/srv", "pw"),
    ("docker attached", "docker login -u ci -p{pw} registry.corp.io", "pw"),
    ("net use user first", "net use \\\\fs01\\share /user:CORP\\bob {pw}", "pw"),
    ("ansible extra vars", 'ansible-playbook site.yml -e "ansible_password={pw}"', "pw"),
    ("mongo quoted", "mongo -u admin -p '{pw}' --authenticationDatabase admin", "pw"),
    ("prose password", "The wifi password is {pw} and the guest network has none.", "pw"),
    ("spring yaml", "spring:\n  datasource:\n    username: app\n    password: {pw}\n", "pw"),
    ("dotenv slash", 'API_SECRET="{aws_slash}"', "aws_slash"),
    ("az sp long", "az login --service-principal --username {azure_id} --password {azure_secret} "
     "--tenant corp.onmicrosoft.com", "azure_secret"),
    ("powershell", '$pw = ConvertTo-SecureString "{pw}" -AsPlainText -Force', "pw"),
    ("jdbc", "jdbc:mysql://db:3306/shop?user=app&password={pw}&useSSL=true", "pw"),
    ("k8s stringData", "stringData:\n  DB_PASSWORD: {pw}\n  API_TOKEN: {hex40}\n", "pw hex40"),
    ("ini", "[database]\nhost = db\npass = {pw}\n", "pw"),
]
"""Written after the rules above, and not tuned on: how the classes carry to new phrasings."""

NEGATIVES = [
    ("commit sha", "Merge {hex40} into main (fast-forward)"),
    ("git log", "commit {hex40}\nAuthor: Ann <ann@corp.io>\nDate:   Mon Mar 2 10:00 2026\n"),
    ("sha256", "sha256sum: {hex64}  release.tar.gz"),
    ("uuid log", "2026-03-01T10:00:00Z request_id={uuid} status=200 duration=12ms"),
    ("uuid json", '{{"id": "{uuid}", "tenant": "{uuid2}", "kind": "order"}}'),
    ("base64 image", "<img src=\"data:image/png;base64,{png}\" alt=\"logo\">"),
    ("placeholder aws", "AWS_ACCESS_KEY_ID=<your-access-key-id>\n"
     "AWS_SECRET_ACCESS_KEY=<your-secret>"),
    ("placeholder env", "export API_KEY=${{API_KEY}}\nexport DB_PASSWORD=$DB_PASSWORD\n"),
    ("mysql prompt", "mysql -u root -p shop"),
    ("mkdir -p", "mkdir -p /var/lib/app && cp -pr src/ dst/"),
    ("docker port", "docker run -p 8080:80 -v /data:/data nginx"),
    ("path", "Copy the file to /usr/local/share/applications/Firefox/defaults.json"),
    ("url no password", "git clone https://github.com/corp/app.git && ssh://git@host/repo"),
    ("prose password", "Forgot your password? Reset it from the account page; "
     "passwords must be 12 characters long."),
    ("yaml refs", "password:\n  secretKeyRef:\n    name: db\n    key: password\n"),
    ("python", "def check(password: str) -> bool:\n    return len(password) >= 12\n"),
    ("table", "| name | password policy |\n|---|---|\n| admin | rotate every 90 days |\n"),
    ("sri hash", '<script src="app.js" integrity="sha384-{b64_64}"></script>'),
    ("manual", "Pass -p to preserve permissions and --password-file to read it from disk."),
    ("support mail", "Hi team, the key id in the ticket is our account alias, not a secret. "
     "Thanks, Ann"),
    ("npm lock", '"integrity": "sha512-{b64_86}=="'),
    ("cli help", "usage: mysql [-u USER] [-p[PASSWORD]] [--password[=PASSWORD]] [DATABASE]"),
    ("docker ports", "docker run -d -p 5432:5432 -p 6379:6379 --name dev postgres:16"),
    ("az plan", "az webapp create -g shop-rg -p shopPlan2 -n shop-web --runtime PYTHON:3.12"),
    ("ssh tunnel", "ssh -p 2222 -L 5432:db.internal:5432 ops@bastion.corp.io"),
    ("rsync", "rsync -avz -e 'ssh -p 2201' build/ deploy@web01:/srv/app/"),
    ("tar", "tar -czpf backup-2026-03-01.tar.gz /etc /var/www"),
    ("pip", "pip install -r requirements.txt --index-url https://pypi.corp.io/simple"),
    ("kubectl", "kubectl create secret generic db --from-file=password=./pw.txt -n prod"),
    ("token prose", "The access token expires after 3600 seconds; refresh it with the "
     "refresh token grant described in section 4.2."),
    ("csv ids", "order_id,customer_id,sku\n{hex40},{uuid},A-1001\n"),
    ("jwt docs", "A JWT has three parts: header.payload.signature, each base64url encoded."),
    ("sha in yaml", "image:\n  digest: sha256:{hex64}\n  tag: v1.4.2\n"),
    ("support mail pw", "Hello, I reset my password yesterday but the portal still says "
     "my password: expired. Could you check? Regards, Bob"),
    ("log auth fail", "2026-03-01 10:00:02 WARN auth failed for user=alice reason=bad_password "
     "ip=10.2.3.4 attempts=3"),
    ("aws docs", "Use aws configure to set your access key ID and secret access key; "
     "never commit them."),
    ("twilio docs", "Your Account SID starts with AC and your API key SID starts with SK."),
    ("hash list", "{hex40}\n{hex40b}\n{hex40c}"),
]


def fresh_cases(seed: int = 18) -> list[Case]:
    """The positives of :data:`FRESH`, with values from ``seed``."""
    rng = random.Random(seed + 1)
    out = []
    for kind, template, names in FRESH:
        values = _values(rng)
        out.append(Case(kind, template.format(**values),
                        tuple(values[n] for n in names.split())))
    return out


def cases(seed: int = 18) -> list[Case]:
    """Every positive and negative, with values from ``seed``."""
    rng = random.Random(seed)
    out: list[Case] = []
    for kind, template, names in POSITIVES:
        values = _values(rng)
        out.append(Case(kind, template.format(**values),
                        tuple(values[n] for n in names.split())))
    fill: dict[str, Callable[[], str]] = {
        "hex40": lambda: _c(rng, 40, HEX), "hex40b": lambda: _c(rng, 40, HEX),
        "hex40c": lambda: _c(rng, 40, HEX), "hex64": lambda: _c(rng, 64, HEX),
        "uuid": lambda: "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "png": lambda: base64.b64encode(bytes(rng.randrange(256) for _ in range(300))).decode(),
        "b64_64": lambda: _c(rng, 64, B64), "b64_86": lambda: _c(rng, 86, B64),
    }
    for kind, template in NEGATIVES:
        values = {name: make() for name, make in fill.items()}
        values["uuid2"] = fill["uuid"]()
        out.append(Case(kind, template.format(**values)))
    return out

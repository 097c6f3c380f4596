"""guard's second untuned secrets round (``FRESH_2``): formats and surroundings of no earlier set.

:mod:`benchmarks.secrets_corpus` was written with the rules (and its ``FRESH`` part just
after them), so it says little about how the catalog carries to text nobody here wrote. This
round was written on 2026-12-06, before any rule change, in the style of other scanners' rule
test cases: per class a true positive and the false positives such sets list beside it.

Positives: other providers' key formats with their published structure (Discord, Linear,
Notion, Stripe webhooks, Sentry, PlanetScale, Supabase, Airtable, Replicate, Perplexity,
Contentful, Terraform Cloud, Bitbucket, Dropbox, Meta) and known formats in new surroundings:
.env, YAML, JSON, TOML, INI, XML, PHP, properties, Kubernetes secrets (base64 values),
compose and CI files, many databases' connection strings and JDBC URLs, SQL, ``curl``
headers, Basic auth, private keys of several kinds, id and secret on separate lines. Every
value is random (seeded); each positive names the values redaction must remove.

Negatives: placeholders, variable references, hashes and digests, UUIDs, base64 images and
fonts, public keys and certificates, JWT-shaped doc examples, low-entropy strings, names
holding "password"/"token"/"secret" with code on the right, test fixtures, CSS colours,
long identifiers, encrypted blobs meant to be committed, public (publishable) keys.
"""

from __future__ import annotations

import base64
import random
import string

from benchmarks.secrets_corpus import ALNUM, B64, HEX, UPPER32, Case, _b64_secret, _c, _password

URLSAFE = ALNUM + "_-"
LOWER_ALNUM = string.ascii_lowercase + string.digits


def _b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def _pem(rng: random.Random, lines: int = 4) -> str:
    return "\n".join(_c(rng, 64, B64) for _ in range(lines))


def _values(rng: random.Random) -> dict[str, str]:
    """One set of random values; the templates pick what they need."""
    pw = _password(rng)
    user_pw = "deploy:" + pw
    return {
        "pw": pw, "pw2": _password(rng), "user_pw_b64": _b64(user_pw), "pw_b64": _b64(pw),
        "discord": _b64(str(rng.randrange(10**17, 10**18))).rstrip("=") + "." + _c(rng, 6, URLSAFE)
        + "." + _c(rng, 27, URLSAFE),
        "linear": "lin_api_" + _c(rng, 40), "notion": "secret_" + _c(rng, 43),
        "whsec": "whsec_" + _c(rng, 32), "sentry": "sntryu_" + _c(rng, 64, HEX),
        "pscale": "pscale_tkn_" + _c(rng, 43, URLSAFE), "supabase": "sbp_" + _c(rng, 40, HEX),
        "airtable": "pat" + _c(rng, 14) + "." + _c(rng, 64, HEX), "replicate": "r8_" + _c(rng, 37),
        "pplx": "pplx-" + _c(rng, 48), "contentful": "CFPAT-" + _c(rng, 43, URLSAFE),
        "tfc": _c(rng, 14) + ".atlasv1." + _c(rng, 67, URLSAFE),
        "atbb": "ATBB" + _c(rng, 32) + _c(rng, 8, HEX.upper()),
        "dropbox": "sl." + _c(rng, 136, URLSAFE), "meta": "EAAG" + _c(rng, 180),
        "squ": "squ_" + _c(rng, 40, HEX), "npm": "npm_" + _c(rng, 36),
        "pypi": "pypi-AgEIcHlwaS5vcmc" + _c(rng, 70, URLSAFE), "ghp": "ghp_" + _c(rng, 36),
        "akia": "AKIA" + _c(rng, 16, UPPER32), "aws": _b64_secret(rng),
        "aws_slash": _b64_secret(rng, lead="/"), "aws_plus": _b64_secret(rng, lead="+"),
        "opaque": _c(rng, 40, URLSAFE), "apikey": _c(rng, 32), "hex32": _c(rng, 32, HEX),
        "hex128": _c(rng, 128, HEX), "laravel": "base64:" + _b64_secret(rng, 43) + "=",
        "wp_salt": _c(rng, 20) + "|+;%-" + _c(rng, 20) + "]@" + _c(rng, 12),
        "client_id": "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "client_secret": _c(rng, 34, ALNUM + "_-"), "gitlab_old": _c(rng, 20, URLSAFE),
        "apr1": "$apr1$" + _c(rng, 8, ALNUM + "./") + "$" + _c(rng, 22, ALNUM + "./"),
        "pem": _pem(rng), "ppk": _pem(rng, 3),
    }


FRESH_2 = [
    # other providers' formats
    ("discord .env", "DISCORD_BOT_TOKEN={discord}\nGUILD_ID=8123\n", "discord"),
    ("linear json", '{{"linear": {{"apiKey": "{linear}", "team": "ENG"}}}}', "linear"),
    ("notion toml", '[notion]\ntoken = "{notion}"\ndatabase = "tasks"\n', "notion"),
    ("stripe webhook yaml", "stripe:\n  webhook_secret: {whsec}\n", "whsec"),
    ("sentry cli", "sentry-cli --auth-token {sentry} releases new 1.4.2", "sentry"),
    ("planetscale env", "PLANETSCALE_SERVICE_TOKEN={pscale}", "pscale"),
    ("supabase chat", "I ran supabase login with {supabase} and it still says unauthorized",
     "supabase"),
    ("airtable js", "const base = new Airtable({{ apiKey: '{airtable}' }}).base('app1');",
     "airtable"),
    ("replicate shell", "export REPLICATE_API_TOKEN={replicate}", "replicate"),
    ("perplexity python", 'client = OpenAI(api_key="{pplx}", base_url="https://api.perplexity.ai")',
     "pplx"),
    ("contentful ini", "[contentful]\nmanagement_token={contentful}\n", "contentful"),
    ("terraformrc", 'credentials "app.terraform.io" {{\n  token = "{tfc}"\n}}\n', "tfc"),
    ("bitbucket app password", "git clone https://jdoe:{atbb}@bitbucket.org/corp/app.git",
     "atbb"),
    ("dropbox token", "dbx = dropbox.Dropbox('{dropbox}')", "dropbox"),
    ("meta token", "curl 'https://graph.facebook.com/v19.0/me?access_token={meta}'", "meta"),
    ("sonar token ci", "env:\n  SONAR_TOKEN: {squ}\n  SONAR_HOST_URL: https://sonar.corp.io\n",
     "squ"),
    # config files of many kinds
    ("npmrc", "//registry.npmjs.org/:_authToken={npm}\nalways-auth=true\n", "npm"),
    ("npmrc basic", "registry=https://nexus.corp.io/repository/npm/\n_auth={user_pw_b64}\n",
     "user_pw_b64"),
    ("pypirc", "[pypi]\nusername = __token__\npassword = {pypi}\n", "pypi"),
    ("docker config.json", '{{"auths": {{"registry.corp.io": {{"auth": "{user_pw_b64}"}}}}}}',
     "user_pw_b64"),
    ("k8s secret data", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\n"
     "data:\n  username: YWRtaW4=\n  password: {pw_b64}\n", "pw_b64"),
    ("compose list", "services:\n  db:\n    image: postgres:16\n    environment:\n"
     "      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD={pw}\n", "pw"),
    ("compose mapping", "    environment:\n      MYSQL_ROOT_PASSWORD: \"{pw}\"\n", "pw"),
    ("gitlab ci", "variables:\n  DEPLOY_PASSWORD: \"{pw}\"\n  DEPLOY_USER: ci\n", "pw"),
    ("maven settings.xml", "<server>\n  <id>nexus</id>\n  <username>deploy</username>\n"
     "  <password>{pw}</password>\n</server>", "pw"),
    ("spring xml", '<property name="password" value="{pw}"/>', "pw"),
    ("my.cnf", "[client]\nuser=root\npassword={pw}\n", "pw"),
    ("pgpass", "db.internal:5432:shop:app:{pw}\n", "pw"),
    ("wp-config", "define( 'DB_PASSWORD', '{pw}' );\ndefine( 'AUTH_KEY', '{wp_salt}' );",
     "pw wp_salt"),
    ("laravel env", "APP_NAME=Shop\nAPP_KEY={laravel}\nAPP_DEBUG=false\n", "laravel"),
    ("rails secrets", "production:\n  secret_key_base: {hex128}\n", "hex128"),
    ("redis.conf", "bind 127.0.0.1\nrequirepass {pw}\nmaxmemory 2gb\n", "pw"),
    ("sql alter user", "ALTER USER app WITH PASSWORD '{pw}';", "pw"),
    ("mysql identified by", "CREATE USER 'app'@'%' IDENTIFIED BY '{pw}';", "pw"),
    ("wpa_supplicant", 'network={{\n    ssid="Office"\n    psk="{pw}"\n}}', "pw"),
    ("htpasswd file", "admin:{apr1}\n", "apr1"),
    # connection strings and URLs
    ("jdbc oracle thin", "jdbc:oracle:thin:scott/{pw}@//db.internal:1521/ORCL", "pw"),
    ("jdbc sqlserver", "jdbc:sqlserver://db:1433;databaseName=shop;user=sa;password={pw};"
     "encrypt=true", "pw"),
    ("jdbc postgres", "spring.datasource.url=jdbc:postgresql://db:5432/shop?user=app&"
     "password={pw}", "pw"),
    ("mongodb srv", "MONGO_URI=mongodb+srv://app:{pw}@cluster0.ab1cd.mongodb.net/shop?"
     "retryWrites=true", "pw"),
    ("ado.net azure", "Server=tcp:shop.database.windows.net,1433;Initial Catalog=shop;"
     "User ID=app;Password={pw};Encrypt=True;", "pw"),
    ("snowflake", "snowflake://etl:{pw}@xy12345.eu-west-1/analytics", "pw"),
    # HTTP
    ("curl bearer", 'curl -H "Authorization: Bearer {opaque}" https://api.corp.io/v2/me',
     "opaque"),
    ("curl x-api-key", "curl -s -H 'X-API-Key: {apikey}' https://api.corp.io/items", "apikey"),
    ("curl private-token", 'curl --header "PRIVATE-TOKEN: {gitlab_old}" '
     "https://gitlab.corp.io/api/v4/projects", "gitlab_old"),
    ("http basic dump", "GET /api/v1/status HTTP/1.1\nHost: nas.local\n"
     "Authorization: Basic {user_pw_b64}\n", "user_pw_b64"),
    ("requests auth tuple", "r = requests.get(url, auth=('admin', '{pw}'))", "pw"),
    # private keys
    ("openssh key", "-----BEGIN OPENSSH PRIVATE KEY-----\n{pem}\n-----END OPENSSH PRIVATE KEY-----",
     "pem"),
    ("gcp service account", '{{"type": "service_account", "private_key_id": "{hex32}", '
     '"private_key": "-----BEGIN PRIVATE KEY-----\\n{pem}\\n-----END PRIVATE KEY-----\\n"}}',
     "pem"),
    ("putty ppk", "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: ops\n"
     "Public-Lines: 2\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nCx\nPrivate-Lines: 3\n{ppk}\n"
     "Private-MAC: {hex32}\n", "ppk"),
    # id and secret on separate lines
    ("aws pretty json", '{{\n  "aws_access_key_id": "{akia}",\n'
     '  "aws_secret_access_key": "{aws_slash}"\n}}', "aws_slash"),
    ("aws rails credentials", "aws:\n  access_key_id: {akia}\n  secret_access_key: {aws_plus}\n",
     "aws_plus"),
    ("aws console labels", "Access key ID\n{akia}\nSecret access key\n{aws}\n", "aws"),
    ("oauth client yaml", "oauth:\n  client_id: {client_id}\n  client_secret: {client_secret}\n",
     "client_secret"),
]
"""(class, template, names of the values that must be gone)."""

NEGATIVES_2 = [
    # placeholders and references
    ("angle placeholder", "OPENAI_API_KEY=<your-openai-key>\nANTHROPIC_API_KEY=<your-key>"),
    ("env reference", "export GITHUB_TOKEN=${{GITHUB_TOKEN}}\nexport NPM_TOKEN=$NPM_TOKEN"),
    ("actions secrets", "env:\n  SONAR_TOKEN: ${{{{ secrets.SONAR_TOKEN }}}}\n"
     "  NPM_TOKEN: {{{{ secrets.NPM_TOKEN }}}}"),
    ("helm value", "password: {{{{ .Values.db.password | b64enc }}}}"),
    ("changeme", "admin_password: changeme\nadmin_user: admin"),
    ("x mask", "api_key: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("star mask", 'password: "********"\ntoken: "****************"'),
    ("aws example", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
     "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("truncated key", "Your key starts with sk-proj-... and ends with ...a1B2; paste it once."),
    ("masked github", "token: ghp_************************************"),
    ("python environ", 'token = os.environ["GITHUB_TOKEN"]\npassword = os.getenv("DB_PASSWORD")'),
    ("node env", "const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);"),
    ("java getenv", 'String password = System.getenv("DB_PASSWORD");'),
    ("docker secret file", "POSTGRES_PASSWORD_FILE=/run/secrets/db_password"),
    ("azure pipelines var", "az login -u $(ARM_CLIENT_ID) -p $(ARM_CLIENT_SECRET)"),
    ("windows env", "net use Z: \\\\fs01\\share %SHARE_PASSWORD% /user:%SHARE_USER%"),
    ("k8s ref", "env:\n- name: API_TOKEN\n  valueFrom:\n    secretKeyRef:\n      name: api\n"
     "      key: token"),
    ("doc url", "postgresql://USER:PASSWORD@HOST:5432/DATABASE"),
    # hashes and digests
    ("git sha", "Fixed in {hex40} (cherry-picked from {hex40b})."),
    ("pinned action", "    - uses: actions/checkout@{hex40}  # v4.1.1"),
    ("npm integrity", '"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n'
     '"integrity": "sha512-{b64_86}=="'),
    ("yarn sha1", 'left-pad@^1.3.0:\n  integrity sha1-{b64_27}='),
    ("cargo lock", '[[package]]\nname = "serde"\nversion = "1.0.197"\nchecksum = "{hex64}"'),
    ("go.sum", "golang.org/x/crypto v0.21.0 h1:{b64_43}=\n"),
    ("pip hash", "requests==2.31.0 \\\n    --hash=sha256:{hex64}"),
    ("docker digest", "FROM python:3.12-slim@sha256:{hex64}"),
    ("etag", 'HTTP/1.1 200 OK\nETag: "{hex32}"\nContent-MD5: {b64_22}=='),
    ("checksum file", "{hex64}  guard-1.4.2.tar.gz\n{hex64b}  guard-1.4.2-py3-none-any.whl"),
    # UUIDs
    ("request ids", "X-Request-Id: {uuid}\nX-Correlation-Id: {uuid2}"),
    ("k8s uid", "metadata:\n  name: web\n  uid: {uuid}\n  resourceVersion: \"81723\""),
    ("client id only", "AZURE_CLIENT_ID={uuid}\nAZURE_TENANT_ID={uuid2}"),
    # base64 media
    ("css font", "@font-face {{ font-family: Inter; src: url(data:font/woff2;base64,{font}) }}"),
    ("svg image", '<img src="data:image/svg+xml;base64,{svg}" width="16">'),
    # public material
    ("ssh public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64_43} ops@laptop"),
    ("rsa public key", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{b64_86}{b64_86} jdoe@host"),
    ("public key pem", "-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----"),
    ("certificate", "-----BEGIN CERTIFICATE-----\n{pem}\n-----END CERTIFICATE-----"),
    ("known_hosts", "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI{b64_86}"),
    ("wireguard public", "[Peer]\nPublicKey = {b64_43}=\nAllowedIPs = 10.0.0.2/32"),
    ("stripe publishable", "const stripe = Stripe('pk_live_{alnum24}');"),
    ("mapbox public", "mapboxgl.accessToken = 'pk.eyJ1IjoiY29ycCIsImEiOiJ{alnum24}.{alnum22}';"),
    # JWT-shaped doc examples
    ("jwt doc template", "Authorization: Bearer <token>, where <token> looks like "
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.<signature>"),
    ("jwt truncated", "The response holds an access_token (eyJhbGciOiJSUzI1NiIsImtpZCI6...)."),
    # low entropy, sequences, code on the right-hand side
    ("sequential key", 'api_key = "abcdefghijklmnopqrstuvwxyz0123456789"'),
    ("repeated hex", "secret: 0123456789abcdef0123456789abcdef"),
    ("form read", 'password = request.form.get("password")\nuser = User.query.get(uid)'),
    ("jwt encode", 'token = jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")'),
    ("secret gen", "secret_key = secrets.token_urlsafe(32)"),
    ("hash assign", "self.password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())"),
    ("await token", "const accessToken = await getAccessTokenSilently({{ audience }});"),
    ("pydantic field", 'api_key: SecretStr = Field(..., description="Key for the upstream API")'),
    ("go getenv", 'password := os.Getenv("PG_PASSWORD")'),
    ("js object", "return {{ username, password: hashedPassword2, token: issueToken(user) }};"),
    ("ts type", "type Credentials = {{ password: string; refreshToken: string | null }};"),
    # test fixtures
    ("pytest fixture", '@pytest.fixture\ndef api_key():\n    return "test-api-key"'),
    ("mock token", 'mock_token = "fake-token-for-unit-tests"'),
    ("test password", 'assert login("alice", "wrong-password") is False'),
    # colours and identifiers
    ("css colours", ".btn {{ color: #1a2b3c; background: #ffcc00; border-color: #3366ff; }}"),
    ("design tokens", ":root {{ --token-primary: #0b5fff; --token-secondary: #e2e8f0; }}"),
    ("long identifier", "class AbstractSecretManagerAccessTokenRefreshSchedulerFactoryBean2 {{}}"),
    ("config names", "auth_token_ttl_seconds: 86400\npassword_min_length: 12\n"
     "token_endpoint: https://login.corp.io/oauth2/v2.0/token"),
    # encrypted material meant to be committed
    ("ansible vault", "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  {hex64}\n"
     "  {hex64b}"),
    ("sops", "password: ENC[AES256_GCM,data:{b64_22},iv:{b64_43}=,tag:{b64_22}==,type:str]"),
]
"""(class, template): benign look-alikes of the kinds a rule-test-case set lists."""


def _fill(rng: random.Random) -> dict[str, str]:
    png = bytes(rng.randrange(256) for _ in range(240))
    return {
        "hex32": _c(rng, 32, HEX), "hex40": _c(rng, 40, HEX), "hex40b": _c(rng, 40, HEX),
        "hex64": _c(rng, 64, HEX), "hex64b": _c(rng, 64, HEX),
        "uuid": "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "uuid2": "-".join(_c(rng, n, HEX) for n in (8, 4, 4, 4, 12)),
        "b64_22": _c(rng, 22, B64), "b64_27": _c(rng, 27, B64), "b64_43": _c(rng, 43, B64),
        "b64_86": _c(rng, 86, B64), "font": base64.b64encode(png).decode(),
        "svg": _b64('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M0 0h'
                    + str(rng.randrange(100)) + 'v16H0z"/></svg>'),
        "pem": _pem(rng), "alnum24": _c(rng, 24), "alnum22": _c(rng, 22, URLSAFE),
        "lower": _c(rng, 12, LOWER_ALNUM),
    }


def fresh2_cases(seed: int = 18) -> list[Case]:
    """The positives and negatives of this round, with values from ``seed``."""
    rng = random.Random(seed + 2)
    out = []
    for kind, template, names in FRESH_2:
        values = _values(rng)
        out.append(Case(kind, template.format(**values),
                        tuple(values[n] for n in names.split())))
    for kind, template in NEGATIVES_2:
        out.append(Case(kind, template.format(**_fill(rng))))
    return out

# ruff: noqa: RUF001  (Turkish text and names, dotless i on purpose)
"""A third untuned PII round: the six entities in forms, CSV, JSON, chat logs and addresses.

Written on 2026-12-06 and measured once before any rule change (benchmarks/README.md,
"untuned"). :mod:`benchmarks.pii_crowded` put PII among other numbers in prose; this round
puts it in the shapes records come in (form fields, CSV rows with a header, JSON records,
chat transcripts with timestamps, postal addresses) in ten languages, beside number
distractors of other kinds: ISBNs, GPS coordinates, semantic versions, dates, hex colours,
prices, phone-like product and part numbers, EAN barcodes, CIDR network blocks, OIDs,
SWIFT/BIC codes, ABA routing numbers and sort codes.

Labels are exact and follow docs/policies.md: phone numbers, e-mail addresses, cards,
IBANs, SSNs, IPv4 and IPv6 addresses. CIDR blocks (``10.20.0.0/16``, ``inet
192.168.4.17/24``) are IP addresses, as the public recognizer cases label them
(``192.168.1.0/24``, ``2001:db8::/32``); the first measure of this round took network
blocks for distractors (benchmarks/README.md gives both figures).
"""

from __future__ import annotations

import ipaddress
import random
import string

from benchmarks import pii_crowded
from benchmarks.pii_crowded import GENERATORS, Gen, _d
from benchmarks.pii_made import Row

SEED = 2027
ROWS = 150

TEMPLATES: dict[str, tuple[str, ...]] = {
    "forms": (
        "Name: {person}\nPhone: {phone}\nEmail: {email}\nDate of birth: {date}\nISBN ordered: "
        "{isbn}",
        "Nachname: Brandt\nTelefon: {phone}\nE-Mail: {email}\nIBAN: {iban}\nBIC: {bic}",
        "Nom : Laurent\nTéléphone : {phone}\nCourriel : {email}\nCode produit : {partno}",
        "Nombre: Lucía Ortega\nTeléfono: {phone}\nCorreo: {email}\nReferencia: {partno}",
        "Applicant SSN: {ssn}\nRouting no.: {routing}\nAccount: {account}\nAmount: {price}",
        "Card number: {card}\nExpiry: {expiry}\nBilling phone: {phone}\nOrder total: {price}",
        "Ad Soyad: Ayşe Yılmaz\nTelefon: {phone}\nE-posta: {email}\nIBAN: {iban}",
    ),
    "csv": (
        "id,name,phone,email,signup\n{n},{person},{phone},{email},{date}",
        "sku,ean,price,colour\n{partno},{ean},{price},{hex}\n{partno},{ean},{price},{hex}",
        "host,ip,netmask_cidr,os_version\nweb-{n},{ipv4},{cidr},{semver}",
        "isbn;title;price;published\n{isbn};Networks;{price};{date}\n{isbn};Storage;{price};{date}",
        "customer_id,iban,bic,amount\n{n},{iban},{bic},{price}",
        "timestamp,src,dst,bytes\n{datetime},{ipv6},{ipv4},{n}",
    ),
    "json": (
        '{"customer": {"name": "{person}", "phone": "{phone}", "email": "{email}"}, '
        '"order": {"sku": "{partno}", "total": "{price}"}}',
        '{"device": {"ip": "{ipv4}", "ipv6": "{ipv6}", "firmware": "{semver}", '
        '"location": "{gps}"}}',
        '{"payment": {"card": "{card}", "iban": "{iban}", "swift": "{bic}"}, '
        '"created": "{datetime}"}',
        '{"subnet": "{cidr}", "gateway": "{ipv4}", "oid": "{oid}", "theme": "{hex}"}',
        '{"book": {"isbn": "{isbn}", "price": "{price}", "ean": "{ean}"}, "version": '
        '"{semver}"}',
        '{"ssn": "{ssn}", "routing": "{routing}", "dob": "{date}", "contact": "{email}"}',
    ),
    "chat": (
        "[{clock}] dana: can you call me on {phone}?\n[{clock}] support: sure, and the order "
        "{partno} ships {date}",
        "[{clock}] jürgen: meine Nummer ist {phone}, Mail {email}\n[{clock}] bot: danke!",
        "<amélie> mon numéro : {phone} ; le colis coûte {price}\n<bot> noté",
        "{clock} lucía: mándame un mensaje al {phone} o a {email}",
        "[{clock}] ops: box {ipv4} ({ipv6}) runs {semver}; subnet {cidr}",
        "[{clock}] piotr: mój numer {phone}, konto {iban}",
        "[{clock}] sven: ring mig på {phone}, ISBN på boken är {isbn}",
        "[{clock}] marco: the card {card} was declined, price {price}",
    ),
    "addresses": (
        "{person}\n{building} Market Street, Suite {n}\nSan Francisco, CA 94103\nTel. {phone}",
        "Jürgen Brandt\nHauptstraße {building}\n10115 Berlin\nTelefon {phone}\n{email}",
        "Amélie Laurent\n{building} rue de Rivoli\n75001 Paris\nTél. {phone}",
        "Femke de Vries\nKerkstraat {building}\n1017 GC Amsterdam\nTel: {phone}",
        "Marco Bianchi\nVia Roma {building}\n00184 Roma\nCell. {phone}\nGPS {gps}",
        "Joana Ferreira\nRua Augusta {building}\n1100-053 Lisboa\nTelemóvel {phone}",
    ),
    "tech": (
        "Certificate OID {oid}, serial {hexserial}, issued to {email}",
        "inet {host_cidr} brd {ipv4} scope global eth0\ninet6 {ipv6}/64 scope global",
        "Released {semver} on {date}; build {build}; see ISBN {isbn} for the manual.",
        "Allow {cidr} and {cidr}; deny {ipv4}. Colour {hex}.",
        "SWIFT {bic}, sort code {sortcode}, account {account}, beneficiary {iban}",
        "Part no. {partno} replaces {partno}; price {price}; EAN {ean}.",
        "snmpget -v2c -c public {ipv4} {oid}",
    ),
}
LABELLED = {"phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS", "card": "CREDIT_CARD",
            "iban": "IBAN_CODE", "ipv4": "IP_ADDRESS", "ipv6": "IP_ADDRESS", "ssn": "US_SSN",
            "host_cidr": "IP_ADDRESS", "cidr": "IP_ADDRESS"}


def isbn(rng: random.Random) -> str:
    """An ISBN-13 with its check digit, hyphenated as publishers print it, or an ISBN-10."""
    if rng.random() < 0.7:
        body = rng.choice(("978", "979")) + _d(rng, 9)
        check = -sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10
        digits = body + str(check)
        return rng.choice((digits, f"{digits[:3]}-{digits[3]}-{digits[4:8]}-{digits[8:12]}-"
                                   f"{digits[12]}", f"{digits[:3]}-{digits[3:5]}-{digits[5:9]}-"
                                   f"{digits[9:12]}-{digits[12]}"))
    body = _d(rng, 9)
    check = -sum(int(c) * (10 - i) for i, c in enumerate(body)) % 11
    last = "X" if check == 10 else str(check)
    return f"{body[0]}-{body[1:4]}-{body[4:9]}-{last}"


def ean(rng: random.Random) -> str:
    body = rng.choice(("40", "50", "76", "80", "87")) + _d(rng, 10)
    return body + str(-sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10)


def cidr(rng: random.Random) -> str:
    """A network block: its host bits zero."""
    prefix = rng.choice((8, 12, 16, 20, 24, 28))
    net = ipaddress.IPv4Network((rng.randint(0x0A000000, 0xDFFFFFFF), prefix), strict=False)
    return str(net)


def host_cidr(rng: random.Random) -> str:
    prefix = rng.choice((16, 24, 26))
    while True:
        iface = ipaddress.IPv4Interface((rng.randint(0x0A000000, 0xDFFFFFFF), prefix))
        if iface.ip != iface.network.network_address:
            return str(iface)


def partno(rng: random.Random) -> str:
    """Product and part numbers grouped like phone numbers."""
    return rng.choice((f"{_d(rng, 3)}-{_d(rng, 3)}-{_d(rng, 4)}", f"{_d(rng, 4)} {_d(rng, 3)} "
                       f"{_d(rng, 3)}", f"SKU-{_d(rng, 8)}", f"0{_d(rng, 3)}-{_d(rng, 6)}",
                       f"{_d(rng, 2)}.{_d(rng, 3)}.{_d(rng, 3)}.{_d(rng, 2)}"))


def semver(rng: random.Random) -> str:
    core = f"{rng.randint(0, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 200)}"
    return rng.choice((core, "v" + core, f"{core}-rc.{rng.randint(1, 9)}",
                       f"{core}.{rng.randint(1, 9999)}", f"{core}+build.{rng.randint(1, 999)}"))


def oid(rng: random.Random) -> str:
    return rng.choice(("1.3.6.1.4.1." + ".".join(str(rng.randint(1, 60000)) for _ in range(3)),
                       f"2.5.4.{rng.randint(3, 45)}", f"1.2.840.113549.1.1.{rng.randint(1, 14)}",
                       f"1.3.6.1.2.1.2.2.1.{rng.randint(1, 22)}"))


def price(rng: random.Random) -> str:
    whole, cents = rng.randint(1, 99_999), rng.randint(0, 99)
    return rng.choice((f"${whole:,}.{cents:02d}", f"{whole},{cents:02d} €", f"£{whole}.{cents:02d}",
                       f"{whole:,} {rng.choice(('SEK', 'PLN', 'TRY'))}", f"R$ {whole},{cents:02d}"))


EXTRA: dict[str, Gen] = {
    "isbn": isbn, "ean": ean, "cidr": cidr, "host_cidr": host_cidr, "partno": partno,
    "semver": semver, "oid": oid, "price": price,
    "hex": lambda r: "#" + "".join(r.choice("0123456789ABCDEF") for _ in range(r.choice((3, 6)))),
    "n": lambda r: str(r.randint(1, 99999)), "clock": lambda r: f"{r.randint(0, 23):02d}:"
    f"{r.randint(0, 59):02d}", "build": lambda r: _d(r, r.choice((5, 7, 8))),
    "sortcode": lambda r: f"{_d(r, 2)}-{_d(r, 2)}-{_d(r, 2)}",
    "hexserial": lambda r: ":".join("".join(r.choice(string.hexdigits[:16]) for _ in range(2))
                                    for _ in range(8)),
}


def rows(seed: int = SEED, count: int = ROWS) -> list[Row]:
    """``count`` rows, the classes in turn, each a random template of its class."""
    generators = {**GENERATORS, **EXTRA}
    rng = random.Random(seed)
    classes = list(TEMPLATES)
    out = []
    for i in range(count):
        cls = classes[i % len(classes)]
        out.append(pii_crowded.fill(rng, f"forms {cls}", rng.choice(TEMPLATES[cls]),
                                    generators, LABELLED))
    return out

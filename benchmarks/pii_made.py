"""A labelled PII set made here, from templates and values generated in code.

The public sets (``quality_pii``) were used for tuning; this set checks each class of
input on writing they do not contain: support mail and invoices in several languages
whose order, invoice, ticket and tracking numbers are not phone numbers; logs with
addresses beside changelogs with four-part versions and SNMP/LDAP text with OIDs; IBANs
of many countries (valid check digits computed here) in any case and spacing; cards in
their real groupings beside cards' digits inside longer runs; SSNs in every writing
beside invalid ones. Phone numbers are random digits that libphonenumber calls valid in
their region, written the way that region writes them.

Its untuned class, real PII among IMEIs, timestamps, postcodes, MAC addresses and the
other numbers synthetic multilingual sets carry, is :mod:`benchmarks.pii_crowded`.

Every row is ``{"text", "spans": [(label, start, end)], "cls"}``; ``cls`` names the class
of input, so a report can say which class a miss or a false positive belongs to.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

Part = str | tuple[str, str]  # literal text, or (entity label, value)
Row = dict[str, Any]

SEED = 18
PHONE_SHAPES: dict[str, tuple[str, ...]] = {
    # region: national writings, "9" any digit, "N" 2-9
    "US": ("(N99) N99-9999", "N99-N99-9999", "N99.N99.9999", "N99 N99 9999"),
    "GB": ("07N99 999999", "020 N999 9999", "01N1 N99 9999"),
    "DE": ("0151 99999999", "030 N9999999", "0N9 N999999", "0171/9999999"),
    "FR": ("06 99 99 99 99", "01 N9 99 99 99", "07.99.99.99.99"),
    "ES": ("6N9 999 999", "91N 999 999"),
    "IT": ("3N9 999 9999", "02 N999 9999"),
    "NL": ("06-N9999999", "020 N99 9999"),
}
CALLING_CODES = {"US": "1", "GB": "44", "DE": "49", "FR": "33", "ES": "34", "IT": "39", "NL": "31"}

PHONE_SAID = (
    "Please call me back on {}.", "You can reach me at {} after 5pm.", "Mobile: {}",
    "Tel. {}", "My cell is {}, text me anytime.", "Rufen Sie mich bitte unter {} an.",
    "Meine Handynummer: {}", "Vous pouvez m'appeler au {}.", "Mi móvil es el {}.",
    "Chiamami al {} quando puoi.", "Bel me even op {}.", "Phone number on file: {}",
    "Order 5521 arrived damaged - call me at {} please.",
    "Re: invoice 88213. My phone: {}",
    "Bestellung 40021: bitte rufen Sie mich unter {} an.", '{"phone": "{}"}',
    "msisdn={} status=delivered",
)
NUMBERING = (
    "Your order {} has shipped.", "Order #{} - payment received.", "Invoice no. {} is attached.",
    "Customer ID: {}", "Ticket {} was closed by the agent.", "Tracking number: {}",
    "Booking reference {} confirmed.", "Policy number {} renews in May.", "Serial no. {}",
    "PO {} approved.", "Confirmation number: {}", "Case {} has been escalated.",
    "Account number {} is overdrawn.", "Your reference is {}.", "Transaction ID {} failed.",
    "Bestellnummer: {}", "Rechnungsnummer {} vom 3. Mai", "Ihre Kundennummer lautet {}.",
    "Sendungsnummer {}", "numéro de commande : {}", "N° de facture {}",
    "Votre numéro client est {}.", "número de pedido {}", "Nº de referencia: {}",
    "numero d'ordine {}", "número da encomenda {}", "bestelnummer {}", "ordrenummer {}",
    "tilausnumero {}", "numer zamówienia {}", "Claim {} is under review.",
    "Membership no. {} expires soon.", "Receipt #{}", "order_id={} status=shipped",
    '{"customerId": "{}", "tier": "gold"}', "created_at={} user=ana",
)
IP_SAID = (
    "Failed password for root from {} port 22 ssh2", "client_ip={} status=403",
    "X-Forwarded-For: {}", "GET /api/v2/users 200 312ms remote={}",
    "The VPN gave me the address {} this morning.", "ping {} timed out",
    "snmpwalk -v2c -c public {} 1.3.6.1.2.1.1",
)
VERSIONS = (
    "Upgraded to version {} last night.", "Release {} fixes the login bug.",
    "Bump libfoo from {} to 1.9.0.2", "Firmware {} is now available.", "build {} passed",
    "[assembly: AssemblyVersion(\"{}\")]", "Installed v{} on all hosts.",
    "Driver version: {}", "## {}-beta (2024-03-01)", "Versión {} disponible.",
)
OIDS = (
    "OID {} (commonName)", "sysDescr .{}.1.0 = STRING: Linux", "objectIdentifier {}",
    "attributetypes: ( {} NAME 'cn' SUP name )", "the OID is {} for this attribute",
)
IBAN_FORMATS = {  # country: BBAN shape ("n" digit, "a" letter, "c" either)
    "DE": "n" * 18, "FR": "n" * 10 + "c" * 11 + "nn", "GB": "aaaa" + "n" * 14,
    "NL": "aaaa" + "n" * 10, "ES": "n" * 20, "IT": "a" + "n" * 10 + "c" * 12,
    "BE": "n" * 12, "CH": "n" * 5 + "c" * 12, "AT": "n" * 16, "PL": "n" * 24,
    "SE": "n" * 20, "NO": "n" * 11, "FI": "n" * 14, "PT": "n" * 21, "IE": "aaaa" + "n" * 14,
}
IBAN_SAID = (
    "IBAN: {}", "Please transfer the refund to {}.", "Kontoverbindung: IBAN {}",
    "RIB / IBAN : {}", "my iban is {}", "Bank details - {} (BIC on request)",
)
SSN_SAID = (
    "SSN: {}", "My social security number is {}.", "SSN#{}", "Social Security No. {}",
    "ssn {} for the W-2", "Employee SSN - {}", "SS# {}",
)
FRESH_PHONE = (  # written after the rules above were settled, measured before any change
    "Kind regards\nPriya Natarajan | Accounts Payable\nT: {}\nwww.example.com",
    "M: {} (best after 2pm)", "Ph. {}", "Direct line {}", "Switchboard: {}",
    "Can you text {} when the courier is close?", "Emergency contact - {} (my sister)",
    "Llámame al {}, gracias.", "Mon numéro : {}", "Ring {} and ask for Sven.",
    "Order 4471 is late and nobody picks up at {}.", "WhatsApp only: {}",
)
FRESH_NEGATIVE = (
    "Ticket INC0012345 linked to problem 8812093344.", "Batch 20240517 finished in 341 s.",
    "Parcel id 3310042881 left the hub at 06:12.", "The loan ref. 5092837746 was approved.",
    "Patient MRN 40018832 admitted to ward 7.", "Voucher code 7712094412 expired.",
    "Downloaded by 1204331 users since 2019.", "unix time 1716000000 = 2024-05-18",
    "Rechnung Nr. 2024-88120 vom 17.05.2024", "Numéro de dossier 9931002211",
    "Pedido nº 4410293381 enviado.", "SKU 8711253001 back in stock",
    "nginx/1.25.3.1 started", "Kernel 5.15.0.107 booted", "OID 2.5.29.19 basicConstraints",
    "snmpget .1.3.6.1.2.1.1.3.0", "libcurl==8.4.0.1", "release 10.0.22631.3447 (Windows)",
)
FRESH_IP = (
    '203.0.113.9 - - [17/May/2024:10:22:01 +0000] "GET / HTTP/1.1" 200 512',
    "allow {} via eth0", "deny from {}", "Connection reset by {} port 443",
    "DHCPACK on {} to 3c:22:fb:11:0a:9e", "my home IP is {} if you need to whitelist it",
)
FRESH_IBAN = (
    "Bankverbindung: Sparkasse · IBAN {} · BIC COBADEFFXXX", "Wire to {} (ref INV-2291)",
    "iban:{}", "Payee account {}, please confirm.",
)

BENIGN = (
    "The build took 12 minutes and 345678 tests ran.", "Meeting moved to 10:30 on 2024-05-17.",
    "Total due: 12 345 678 EUR incl. VAT.", "for i in range(10000000): total += i",
    "Population grew from 8,123,456 to 8,456,789.", "ERROR 2024-05-17T10:22:01Z code=5003",
    "Room 1204, floor 12, building 3.", "Patch 4.2 lands on 17/05/2024.",
)


def _digits(rng: random.Random, shape: str) -> str:
    return "".join(str(rng.randint(2, 9)) if c == "N" else str(rng.randint(0, 9)) if c == "9"
                   else c for c in shape)


def phone(rng: random.Random, region: str) -> str:
    """A number valid in ``region`` (libphonenumber), written as that region writes it,
    sometimes with its ``+country`` prefix."""
    import phonenumbers as pn

    while True:
        written = _digits(rng, rng.choice(PHONE_SHAPES[region]))
        number = pn.parse(written, region)
        if pn.is_valid_number(number):
            break
    if rng.random() < 0.25:
        return pn.format_number(number, pn.PhoneNumberFormat.INTERNATIONAL)
    return written


def identifier(rng: random.Random) -> str:
    """An order, invoice or tracking number: often digits a region calls a valid phone."""
    import phonenumbers as pn

    kind = rng.randrange(5)
    if kind == 0:
        return f"{rng.randint(2015, 2026)}-{rng.randint(0, 999999):06d}"
    if kind == 1:
        seven = (f"{rng.randint(0, 10**7 - 1):07d}" for _ in range(2))
        return f"{rng.randint(100, 999)}-{next(seven)}-{next(seven)}"
    while True:  # a bare run of digits a configured region reads as a phone number
        digits = str(rng.randint(10 ** 7, 10 ** 11))
        if any(pn.is_valid_number(pn.parse(digits, r)) for r in ("US", "DE", "GB", "FR", "IN")):
            return digits


def _octet(rng: random.Random) -> int:
    return rng.choice((rng.randint(0, 9), rng.randint(10, 99), rng.randint(100, 255)))


def ipv4(rng: random.Random) -> str:
    return ".".join(str(_octet(rng)) for _ in range(4))


def version(rng: random.Random) -> str:
    return ".".join(str(rng.randint(0, 30)) for _ in range(4))


def oid(rng: random.Random) -> str:
    return rng.choice(("1.3.6.1", "2.5.4", "1.2.840", "2.16.840")) + "".join(
        f".{rng.randint(1, 20)}" for _ in range(rng.randint(1, 6)))


def iban(rng: random.Random, country: str) -> str:
    """A valid IBAN of ``country`` (its ISO 7064 mod 97-10 check digits computed here)."""
    bban = "".join(rng.choice(string.digits) if c == "n" else rng.choice(string.ascii_uppercase)
                   if c == "a" else rng.choice(string.digits + string.ascii_uppercase)
                   for c in IBAN_FORMATS[country])
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def iban_written(rng: random.Random, value: str) -> str:
    grouped = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
    return rng.choice((value, grouped, value.lower(), grouped.lower(), grouped.replace(" ", "-")))


def luhn(payload: str) -> str:
    total = 0
    for i, char in enumerate(reversed(payload)):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return payload + str(-total % 10)


def card(rng: random.Random) -> str:
    prefix, length = rng.choice((("4", 16), ("51", 16), ("2221", 16), ("37", 15), ("6011", 16),
                                 ("4", 19), ("35", 16), ("62", 16)))
    digits = luhn(prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1)))
    if length == 15 and rng.random() < 0.5:
        return f"{digits[:4]} {digits[4:10]} {digits[10:]}"
    if rng.random() < 0.7:
        return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))
    return digits


def ssn(rng: random.Random, valid: bool = True) -> str:
    area, group, serial = rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999)
    if area == 666:
        area = 667
    if not valid:
        area, group, serial = rng.choice(((0, group, serial), (666, group, serial),
                                          (area, 0, serial), (area, group, 0)))
    sep = rng.choice(("-", "-", " ", "", "."))
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def _row(cls: str, *parts: Part) -> Row:
    text, spans = "", []
    for part in parts:
        if isinstance(part, tuple):
            spans.append((part[0], len(text), len(text) + len(part[1])))
            text += part[1]
        else:
            text += part
    return {"text": text, "spans": spans, "cls": cls}


def _fill(template: str, label: str | None, value: str, cls: str) -> Row:
    before, after = template.split("{}", 1)
    return _row(cls, before, (label, value) if label else value, after)


def rows(seed: int = SEED, per_class: int = 60) -> list[Row]:
    """The whole set: ``per_class`` rows of every class."""
    rng = random.Random(seed)
    made: list[Row] = []
    classes: dict[str, Callable[[], Row]] = {
        "phone said": lambda: _fill(rng.choice(PHONE_SAID), "PHONE_NUMBER",
                                    phone(rng, rng.choice(list(PHONE_SHAPES))), "phone said"),
        "phone in signature": lambda: _row(
            "phone in signature", "Best regards,\nDana Whitfield\nAcme Logistics\n",
            ("PHONE_NUMBER", phone(rng, rng.choice(("US", "GB", "DE", "FR")))), "\n"),
        "numbering word": lambda: _fill(rng.choice(NUMBERING), None, identifier(rng),
                                        "numbering word"),
        "ip address": lambda: _fill(rng.choice(IP_SAID), "IP_ADDRESS", ipv4(rng), "ip address"),
        "version": lambda: _fill(rng.choice(VERSIONS), None, version(rng), "version"),
        "oid": lambda: _fill(rng.choice(OIDS), None, oid(rng), "oid"),
        "iban": lambda: _fill(rng.choice(IBAN_SAID), "IBAN_CODE", iban_written(
            rng, iban(rng, rng.choice(list(IBAN_FORMATS)))), "iban"),
        "iban bad checksum": lambda: _fill(rng.choice(IBAN_SAID), None, iban_written(
            rng, _broken(iban(rng, rng.choice(list(IBAN_FORMATS))))), "iban bad checksum"),
        "card": lambda: _fill(rng.choice(("Card: {}", "my visa {} exp 04/27", "cc {}",
                                          "Kartennummer {}", "charge it to {} please")),
                              "CREDIT_CARD", card(rng), "card"),
        "card digits in a longer run": lambda: _row(
            "card digits in a longer run", rng.choice(("Ref ", "Account ", "ID ")),
            _longer_run(rng), " recorded."),
        "ssn": lambda: _fill(rng.choice(SSN_SAID), "US_SSN", ssn(rng), "ssn"),
        "ssn invalid": lambda: _fill(rng.choice(SSN_SAID), None, ssn(rng, False), "ssn invalid"),
        "benign": lambda: _row("benign", rng.choice(BENIGN)),
        "fresh phone": lambda: _fill(rng.choice(FRESH_PHONE), "PHONE_NUMBER",
                                     phone(rng, rng.choice(list(PHONE_SHAPES))), "fresh phone"),
        "fresh negative": lambda: _row("fresh negative", rng.choice(FRESH_NEGATIVE)),
        "fresh ip": lambda: _fresh_ip(rng),
        "fresh iban": lambda: _fill(rng.choice(FRESH_IBAN), "IBAN_CODE", iban_written(
            rng, iban(rng, rng.choice(list(IBAN_FORMATS)))), "fresh iban"),
    }
    for make in classes.values():
        made += [make() for _ in range(per_class)]
    return made


def _fresh_ip(rng: random.Random) -> Row:
    template = rng.choice(FRESH_IP)
    if "{}" not in template:
        return _row("fresh ip", ("IP_ADDRESS", template[:11]), template[11:])
    return _fill(template, "IP_ADDRESS", ipv4(rng), "fresh ip")


def _broken(value: str) -> str:
    at = rng_free_position(value)
    digit = value[at]
    return value[:at] + str((int(digit) + 1) % 10) + value[at + 1:]


def rng_free_position(value: str) -> int:
    """The last digit of the value: changing one digit always breaks mod 97."""
    return max(i for i, c in enumerate(value) if c.isdigit())


def _longer_run(rng: random.Random) -> str:
    """A card's digits (Luhn-valid) with more digit groups around them, or as 7-7."""
    digits = luhn("4" + "".join(str(rng.randint(0, 9)) for _ in range(14)))
    grouped = " ".join(digits[i:i + 4] for i in range(0, 16, 4))
    fourteen = luhn("51" + "".join(str(rng.randint(0, 9)) for _ in range(11)))
    return rng.choice((f"{grouped} {rng.randint(10, 99)}", f"{rng.randint(1000, 9999)} {grouped}",
                       f"{fourteen[:7]}-{fourteen[7:]}", f"{digits}{rng.randint(10**4, 10**6)}"))

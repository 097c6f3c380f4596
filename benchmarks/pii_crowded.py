# ruff: noqa: RUF001  (Turkish text and names, dotless i on purpose)
"""The ``untuned`` class of the made PII set: real PII crowded by the other numbers around it.

Synthetic multilingual PII sets write the six entities next to many other kinds of numbers
and dotted or dashed tokens: IMEIs (15 Luhn-valid digits), bank account and routing
numbers, PINs, postcodes, dates and times in many writings, amounts, VINs, BIC codes,
crypto addresses, GPS coordinates, MAC addresses, user-agent strings with four-part
versions, masked cards, passport, licence and tax numbers, ages, heights and building
numbers. This set was written (templates in ten languages, values computed here) and
measured once before any rule was changed for it (benchmarks/README.md, "untuned").

Labels are exact: phone numbers (valid in their country, in its writings and the
international ones, with and without a phone word), IBANs (check digits computed here)
in any case and spacing, SSNs in every writing, e-mail addresses with plus-tags,
subdomains and non-ASCII domains, cards unbroken or grouped, IPv4 and IPv6 addresses.
Nothing else is an entity: a masked card, an IMEI, a routing number or a version is not.
"""

from __future__ import annotations

import ipaddress
import random
import re
import string
from collections.abc import Callable

from benchmarks.pii_made import IBAN_FORMATS, Row, _row, iban, luhn

SEED = 2026
ROWS = 300
Gen = Callable[[random.Random], str]

TEMPLATES: dict[str, tuple[str, ...]] = {  # class: templates; {kind} is a generated value
    "devices": (
        "Device {imei} (IMEI) last seen at {ipv6} on {date}.",
        "IMEI: {imei}, MAC {mac}, signed in from {ipv4} at {time}.",
        "User agent {ua} from {ipv4}, session started {datetime}.",
        "Gerät mit IMEI {imei} und MAC-Adresse {mac} meldete sich von {ipv6}.",
        "Numéro IMEI {imei}, adresse IP {ipv4}, connecté le {date} à {time}.",
        "Dispositivo IMEI {imei} collegato da {ipv6} il {date}.",
        "Browser: {ua}; screen 1920x1080; IP {ipv4}",
        "Router MAC {mac} got lease {ipv4} for {pin} s; gateway {ipv6}.",
        "Cihaz IMEI {imei}, IP adresi {ipv4}, tarih {date}.",
    ),
    "banking": (
        "Wire {amount} to account {account}, routing {routing}, BIC {bic}.",
        "Card on file {masked}; new card {card} expires {expiry}, CVV {cvv}.",
        "Invoice {invoice} total {amount}, due {date}; pay to IBAN {iban}.",
        "Bitte überweisen Sie {amount} auf {iban} (BIC {bic}), Verwendungszweck {invoice}.",
        "Virement de {amount} vers le compte {iban}, code BIC {bic}, le {date}.",
        "Transferir {amount} a la cuenta {iban} antes del {date}, referencia {invoice}.",
        "Bonifico di {amount} sull'IBAN {iban}, causale fattura {invoice}.",
        "Maak {amount} over naar {iban} o.v.v. factuur {invoice}.",
        "Transfira {amount} para o IBAN {iban} até {date}.",
        "Przelew {amount} na rachunek {iban}, tytuł: faktura {invoice}.",
        "Betala {amount} till {iban} senast {date}; OCR {account}.",
        "{amount} tutarını {iban} hesabına gönderin; sipariş {invoice}.",
        "Paid {amount} with {card} on {datetime}; the old card {masked} is closed.",
        "Kartennummer {card}, gültig bis {expiry}, Prüfziffer {cvv}.",
        "Account {account} (routing {routing}) received {amount} on {date}.",
    ),
    "identity": (
        "Passport {passport}, driver's licence {licence}, SSN {ssn}.",
        "Tax ID {ein}; SSN {ssn}; born {date}, {age} years old.",
        "Employee file: {ssn}, hired {date}, salary {amount}, badge {pin}.",
        "Record for J. Alvarez: {ssn}, DOB {date}, ZIP {zip}, height {height}.",
        "Social security number {ssn} matches licence {licence}.",
        "Steuer-ID {de_tax}, geboren am {date}, Größe {height}, Reisepass {passport}.",
        "Pasaporte {passport}, NIE {nie}, edad {age} años, altura {height}.",
        "Codice fiscale {cf}, passaporto {passport}, nato il {date}.",
        "CPF {cpf}, passaporte {passport}, CEP {cep}.",
        "Applicant SSN: {ssn} / passport no. {passport} / tax number {ein}",
    ),
    "contact": (
        "Please call {phone} about parcel {tracking} before {time}.",
        "Reach me at {email} or {phone}; the door PIN is {pin}.",
        "{person} | Acme GmbH | {phone} | {email}",
        "Questions? {phone} (Mon-Fri {time}-{time}), or write to {email}.",
        "Rückruf unter {phone}, Kundennummer {account}, PLZ {zip}.",
        "Appelez-moi au {phone} ou écrivez à {email}. Code postal {zip}.",
        "Mi teléfono es {phone} y mi código postal {zip}; vivo en el número {building}.",
        "Il mio numero di cellulare è {phone}; codice fiscale {cf}.",
        "Bel mij op {phone} of mail {email}; postcode {nl_zip}.",
        "Meu celular é {phone}, CPF {cpf}, CEP {cep}.",
        "Proszę dzwonić pod numer {phone}, kod pocztowy {pl_zip}.",
        "Ring mig på {phone}, postnummer {se_zip}, port {building}.",
        "Telefon numaram {phone}, posta kodu {zip}, apartman {building}.",
        "{person}, {building} Main Street, Apt {apt}, {zip} - {phone}",
        "Contact: {person}, {phone}, {email}, born {date}",
        "Kontakt: {person}, {email}, {phone}, {datetime}",
    ),
    "other numbers": (
        "VIN {vin} registered on {date}; odometer {km} km; plate {plate}.",
        "Send {btc_amount} BTC to {btc} or ETH to {eth} before {time}.",
        "Ship to {building} Oak Avenue, Springfield {zip}. GPS {gps}.",
        "Order total {amount} on {date} at {time}; PIN {pin}; tracking {tracking}.",
        "Masked card {masked} was charged {amount} on {datetime}.",
        "Routing number {routing}, account number {account}, SWIFT {bic}.",
        "Licence {licence} valid until {date}; vehicle {vin}.",
        "Coordenadas {gps}, edificio {building}, piso {apt}, {datetime}.",
        "Standort {gps}, Höhe {height}, Zeit {datetime}, Gerät {imei}.",
        "{age} years, {height}, {weight}; appointment {datetime}; ward {building}.",
        "Wallet {btc}, tx fee {amount}, block {account}, {datetime}",
        "IMEI {imei} / serial {imei}; warranty until {date}.",
        "Browser {ua} with client hints {version}; build {date}.",
        "Tax number {ein}, VAT {vat}, registered {date}.",
        "Position {gps} logged at {time} by {mac}.",
    ),
}
FRESH: dict[str, tuple[str, ...]] = {  # written after the rules for TEMPLATES, measured first
    "fresh": (
        "Hi team, {person} here ({email}). My old handset {imei} is gone; new SIM PIN {pin}.",
        "Refund of {amount} approved {datetime}. Card used: {card}. Ref {tracking}.",
        "Kunde {person}, Tel. {phone}, IBAN {iban}, Auftrag {invoice} vom {date}.",
        "login ok user={email} ip={ipv4} ua=\"{ua}\" t={datetime}",
        "Patient DOB {date}, SSN {ssn}, weight {weight}, room {building}, MRN {account}.",
        "Client {person} - {phone} - {zip} - lat/long {gps}",
        "Stuur de factuur {invoice} naar {email}; rekening {iban}; vervaldatum {date}.",
        "Nuevo dispositivo IMEI {imei} desde la IP {ipv6} a las {time}.",
        "Dati: carta {card}, scadenza {expiry}, importo {amount}, telefono {phone}.",
        "Pedido {invoice}: {amount}, entrega {date}, rastreio {tracking}, tel {phone}.",
        "{person} <{email}> wrote on {datetime}: please wire {amount} to {iban}.",
        "Allowed hosts {ipv4}, {ipv6}; NTP synced {datetime}; uptime {km} s.",
        "Vehicle {vin}, owner licence {licence}, owner SSN {ssn}, mileage {km}.",
        "Adres: {building} Kerkstraat, {nl_zip}; mobiel {phone}; geboren {date}.",
        "Tel: {phone} | Fax: {phone} | {email} | VAT {vat}",
        "ETH {eth} received {btc_amount} at {datetime}; device {mac}.",
        "Sipariş {invoice}, kart {card}, tutar {amount}, IP {ipv4}.",
        "Ticket {account}: user {email} cannot log in from {ipv4} since {date} {time}.",
        "Nº de la Seguridad Social EE. UU.: {ssn}; pasaporte {passport}; tel. {phone}.",
        "Zahlung {amount} an {iban}; Kartenende {masked}; Gerät {imei}.",
    ),
}
LABELLED = {"phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS", "card": "CREDIT_CARD",
            "iban": "IBAN_CODE", "ipv4": "IP_ADDRESS", "ipv6": "IP_ADDRESS", "ssn": "US_SSN"}

PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PT", "PL", "SE", "TR", "BR",
                 "IN", "MX", "AU", "CH", "BE", "AT")
PEOPLE = ("Dana Whitfield", "Jürgen Brandt", "Amélie Laurent", "Lucía Ortega", "Piotr Nowak",
          "Ayşe Yılmaz", "Sven Lindqvist", "Joana Ferreira", "Marco Bianchi", "Femke de Vries")
EMAIL_SHAPES = ("{u}@{d}", "{u}+{tag}@{d}", "{u}@mail.{d}", "{u}.{v}@eu.corp.{d}",
                "{u}@{idn}", "{u}_{n}@{d}")
DOMAINS = ("example.com", "beispiel.de", "exemple.fr", "ejemplo.es", "esempio.it", "voorbeeld.nl",
           "exemplo.com.br", "example.co.uk", "przyklad.pl", "ornek.com.tr")
IDN = ("bücher.de", "müller-bau.at", "café-paris.fr", "señal.es", "xn--bcher-kva.de")


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def phone(rng: random.Random) -> str:
    """A valid number of a random country, in one of the ways people write it."""
    import phonenumbers as pn

    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice((pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE))
    example = pn.example_number_for_type(region, kind)
    national = pn.national_significant_number(example)
    while True:
        keep = rng.randint(2, 4)
        number = pn.parse(f"+{example.country_code}{national[:keep]}"
                          f"{_d(rng, len(national) - keep)}")
        if pn.is_valid_number(number):
            break
    return _written(rng, pn, number, region)


def _written(rng: random.Random, pn: object, number: object, region: str) -> str:
    fmt = pn.format_number
    form = pn.PhoneNumberFormat
    international, national = fmt(number, form.INTERNATIONAL), fmt(number, form.NATIONAL)
    e164 = fmt(number, form.E164)
    code = str(number.country_code)
    rest = international.split(" ", 1)[1]
    choices = [international, national, e164, f"00{code} {rest}", international.replace(" ", "-")]
    if region in ("DE", "GB", "CH", "AT", "NL", "BE") and national.startswith("0"):
        choices.append(f"+{code} (0){national[1:]}")
    if region == "US":
        digits = national.translate(str.maketrans("", "", "()- "))
        a, b, c = digits[:3], digits[3:6], digits[6:]
        choices += [f"{a}.{b}.{c}", f"({a}) {b}-{c} x{rng.randint(10, 999)}",
                    f"{a}-{b}-{c} ext. {rng.randint(1, 99)}", f"1-{a}-{b}-{c}"]
    return rng.choice(choices)


def email(rng: random.Random) -> str:
    user = rng.choice(("jane.doe", "j.smith", "mueller", "amelie", "l.ortega", "p_nowak", "ops",
                       "billing", "sven.l", "o'brien"))
    return rng.choice(EMAIL_SHAPES).format(
        u=user, d=rng.choice(DOMAINS), tag=rng.choice(("news", "shop", "2024", "x")),
        v=rng.randint(1, 99), n=rng.randint(1, 999), idn=rng.choice(IDN))


def card(rng: random.Random) -> str:
    prefix, length = rng.choice((("4", 16), ("51", 16), ("2223", 16), ("34", 15), ("6011", 16),
                                 ("4", 13), ("3528", 16), ("62", 16), ("36", 14)))
    digits = luhn(prefix + _d(rng, length - len(prefix) - 1))
    sep = rng.choice(("", " ", "-"))
    if length in (14, 15) and sep:
        return sep.join((digits[:4], digits[4:10], digits[10:]))
    return sep.join(digits[i:i + 4] for i in range(0, length, 4))


def imei(rng: random.Random) -> str:
    digits = luhn(rng.choice(("35", "86", "01", "49", "99")) + _d(rng, 12))
    return rng.choice((digits, digits, f"{digits[:2]}-{digits[2:8]}-{digits[8:14]}-{digits[14]}",
                       f"{digits[:2]} {digits[2:8]} {digits[8:14]} {digits[14]}"))


def routing(rng: random.Random) -> str:
    """An ABA routing number: its ninth digit checks 3-7-1 weights."""
    head = rng.choice(("0", "1", "2", "3")) + _d(rng, 7)
    total = sum(int(d) * w for d, w in zip(head, (3, 7, 1, 3, 7, 1, 3, 7), strict=False))
    return head + str(-total % 10)


def ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        if area != 666:
            break
    sep = rng.choice(("-", "-", " ", "."))
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def iban_any(rng: random.Random) -> str:
    value = iban(rng, rng.choice(list(IBAN_FORMATS)))
    grouped = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
    return rng.choice((value, grouped, value.lower(), grouped.lower(), grouped.replace(" ", "-"),
                       grouped.replace(" ", "  "), value[:4] + " " + value[4:]))


def ipv4(rng: random.Random) -> str:
    return str(ipaddress.IPv4Address(rng.randint(0x01000000, 0xDFFFFFFF)))


def ipv6(rng: random.Random) -> str:
    address = ipaddress.IPv6Address(rng.choice((0x2001_0DB8, 0xFE80_0000, 0x2A00_1450))
                                    << 96 | rng.getrandbits(rng.choice((16, 48, 64, 96))))
    return rng.choice((str(address), address.exploded, str(address).upper()))


def date(rng: random.Random) -> str:
    y, m, d = rng.randint(1950, 2026), rng.randint(1, 12), rng.randint(1, 28)
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return rng.choice((f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{m:02d}/{d:02d}/{y}",
                       f"{d} {months[m - 1]} {y}", f"{y}/{m:02d}/{d:02d}", f"{d:02d}-{m:02d}-{y}",
                       f"{y}{m:02d}{d:02d}", f"{d}/{m}/{y % 100:02d}"))


def time(rng: random.Random) -> str:
    h, m, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return rng.choice((f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}:{s:02d}", f"{h % 12 or 12}:{m:02d} "
                       + rng.choice(("AM", "PM")), f"{h}h{m:02d}", f"{h:02d}.{m:02d} Uhr"))


def datetime(rng: random.Random) -> str:
    return rng.choice((f"{date(rng)} {time(rng)}",
                       f"{rng.randint(2019, 2026)}-0{rng.randint(1, 9)}-"
                       f"{rng.randint(10, 28)}T{time(rng)[:5]}:00+02:00", str(rng.randint(
                           1_500_000_000, 1_800_000_000))))


def amount(rng: random.Random) -> str:
    whole, cents = rng.randint(1, 9_999_999), rng.randint(0, 99)
    us = f"{whole:,}.{cents:02d}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    return rng.choice((f"${us}", f"{eu} €", f"EUR {whole:,}".replace(",", " ") + f",{cents:02d}",
                       f"£{us}", f"CHF {whole:,}".replace(",", "'") + f".{cents:02d}",
                       f"{whole} TL", f"R$ {eu}", f"{us} USD", f"zł {eu}", f"{whole:,} kr"))


def version(rng: random.Random) -> str:
    return f"{rng.randint(1, 130)}.0.{rng.randint(1000, 6999)}.{rng.randint(1, 250)}"


def ua(rng: random.Random) -> str:
    chrome = version(rng)
    return rng.choice((
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{chrome} Safari/537.36",
        f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/{chrome} Safari/537.36 "
        f"Edg/{version(rng)}",
        f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:{rng.randint(90, 125)}.0) "
        f"Gecko/20100101 Firefox/{rng.randint(90, 125)}.0",
        f"Opera/9.80 (X11; Linux i686) Presto/2.12.{rng.randint(100, 999)} Version/12.16",
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A."
        f"{rng.randint(220000, 240000)}.005)"))


def masked(rng: random.Random) -> str:
    last = _d(rng, 4)
    return rng.choice((f"****-****-****-{last}", f"XXXX XXXX XXXX {last}", f"**** {last}",
                       f"4{_d(rng, 5)}******{last}", f"{_d(rng, 4)} {_d(rng, 2)}** **** {last}"))


def _alnum(rng: random.Random, n: int, alphabet: str = string.ascii_uppercase + string.digits
           ) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


UPPER = string.ascii_uppercase
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
GENERATORS: dict[str, Gen] = {
    "phone": phone, "email": email, "card": card, "iban": iban_any, "ipv4": ipv4, "ipv6": ipv6,
    "ssn": ssn, "imei": imei, "routing": routing, "date": date, "time": time,
    "datetime": datetime, "amount": amount, "ua": ua, "masked": masked, "version": version,
    "mac": lambda r: rng_sep(r, ":-", [f"{r.randint(0, 255):02X}" for _ in range(6)]),
    "account": lambda r: _d(r, r.choice((8, 9, 10, 11, 12))),
    "bic": lambda r: _alnum(r, 4, string.ascii_uppercase) + r.choice(("DE", "FR", "GB", "IT"))
    + _alnum(r, 2) + r.choice(("", "XXX")),
    "invoice": lambda r: r.choice((f"INV-{r.randint(2019, 2026)}-{_d(r, 5)}", _d(r, 8),
                                   f"{r.randint(2020, 2026)}/{_d(r, 6)}")),
    "expiry": lambda r: f"{r.randint(1, 12):02d}/{r.randint(25, 31)}",
    "cvv": lambda r: _d(r, 3), "pin": lambda r: _d(r, r.choice((4, 4, 6))),
    "passport": lambda r: r.choice((_d(r, 9), _alnum(r, 2, string.ascii_uppercase) + _d(r, 7),
                                    "C" + _alnum(r, 8))),
    "licence": lambda r: r.choice((f"D{_d(r, 3)}-{_d(r, 4)}-{_d(r, 4)}", f"{_alnum(r, 5)}"
                                   f"{_d(r, 6)}{_alnum(r, 5)}", f"B{_d(r, 7)}")),
    "ein": lambda r: f"{_d(r, 2)}-{_d(r, 7)}", "de_tax": lambda r: f"{_d(r, 2)} {_d(r, 3)} "
    f"{_d(r, 3)} {_d(r, 3)}", "nie": lambda r: f"X{_d(r, 7)}L",
    "cf": lambda r: _alnum(r, 6, string.ascii_uppercase) + _d(r, 2) + "A" + _d(r, 2) + "H501Z",
    "cpf": lambda r: f"{_d(r, 3)}.{_d(r, 3)}.{_d(r, 3)}-{_d(r, 2)}",
    "cep": lambda r: f"{_d(r, 5)}-{_d(r, 3)}", "zip": lambda r: r.choice((
        _d(r, 5), f"{_d(r, 5)}-{_d(r, 4)}", "SW1A 1AA", "M5V 2T6")),
    "nl_zip": lambda r: f"{r.randint(1000, 9999)} {_alnum(r, 2, string.ascii_uppercase)}",
    "pl_zip": lambda r: f"{_d(r, 2)}-{_d(r, 3)}", "se_zip": lambda r: f"{_d(r, 3)} {_d(r, 2)}",
    "building": lambda r: str(r.randint(1, 2400)), "apt": lambda r: f"{r.randint(1, 40)}B",
    "age": lambda r: str(r.randint(18, 90)), "height": lambda r: r.choice((
        f"{r.randint(150, 199)} cm", f"1.{r.randint(50, 99)} m",
        f"{r.randint(4, 6)}'{r.randint(0, 11)}\"")),
    "weight": lambda r: f"{r.randint(45, 120)} kg", "km": lambda r: f"{r.randint(1000, 250000):,}",
    "vin": lambda r: _alnum(r, 17, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"),
    "plate": lambda r: f"{_alnum(r, 2, UPPER)}-{_d(r, 3)}-{_alnum(r, 2, UPPER)}",
    "btc": lambda r: r.choice(("1", "3")) + _alnum(r, 33, BASE58),
    "btc_amount": lambda r: f"0.{_d(r, 4)}",
    "eth": lambda r: "0x" + _alnum(r, 40, "0123456789abcdef"),
    "gps": lambda r: r.choice((f"{r.uniform(-80, 80):.4f}, {r.uniform(-170, 170):.4f}",
                               f"{r.uniform(0, 80):.6f},{r.uniform(0, 170):.6f}",
                               f"{r.uniform(0, 80):.4f}° N, {r.uniform(0, 170):.4f}° W")),
    "tracking": lambda r: r.choice((f"1Z{_alnum(r, 16)}", _d(r, 12), f"JJD{_d(r, 18)}")),
    "vat": lambda r: r.choice(("DE", "FR", "IT")) + _d(r, 9 + r.randint(0, 2)),
    "person": lambda r: r.choice(PEOPLE),
}


def rng_sep(rng: random.Random, seps: str, parts: list[str]) -> str:
    return rng.choice(seps).join(parts) if rng.random() < 0.8 else (
        "".join(parts[:2]) + "." + "".join(parts[2:4]) + "." + "".join(parts[4:])).lower()


_SLOT = re.compile(r"\{(\w+)\}")


def fill(rng: random.Random, cls: str, template: str, generators: dict[str, Gen] | None = None,
         labelled: dict[str, str] | None = None) -> Row:
    """One row of ``template``: each slot a generated value, labelled if an entity (by
    ``generators`` and ``labelled``, this module's own when not given)."""
    generators, labelled = generators or GENERATORS, labelled or LABELLED
    parts: list[str | tuple[str, str]] = []
    at = 0
    for slot in _SLOT.finditer(template):
        parts.append(template[at:slot.start()])
        value = generators[slot.group(1)](rng)
        label = labelled.get(slot.group(1))
        parts.append((label, value) if label else value)
        at = slot.end()
    parts.append(template[at:])
    return _row(f"untuned {cls}", *parts)


def rows(seed: int = SEED, count: int = ROWS,
         templates: dict[str, tuple[str, ...]] = TEMPLATES) -> list[Row]:
    """``count`` rows, the classes in turn, each row a random template of its class."""
    rng = random.Random(seed)
    classes = list(templates)
    return [fill(rng, classes[i % len(classes)], rng.choice(templates[classes[i % len(classes)]]))
            for i in range(count)]


def fresh_rows() -> list[Row]:
    """The :data:`FRESH` templates, other values: a check of the rules made for the rest."""
    return rows(SEED + 1, 200, FRESH)

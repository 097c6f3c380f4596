"""The numbering lexicon: words that say a number is an order, invoice, ticket... number.

Shops, carriers, banks and help desks number everything, and many of their numbers are
digits some region's plan calls a valid phone number (``Order 4155550123``,
``Rechnungsnummer 3012345678``). A number a numbering word *labels* is that thing, not a
phone number, unless more says otherwise (:mod:`guard.pii.phones` decides: a phone word
nearer to it, a ``+country`` prefix, an area code in parentheses, or the grouping its
region writes phone numbers in, which no order number is written in).

A word labels a number when it is the nearest word before it, skipping at most two
small words that sit between a label and its value (``number``, ``no``, ``is``, ``de``:
``order number is``, ``numéro de commande``, ``Kundennummer lautet``), and no sentence
or clause ends between them (a comma, a full stop that ends no abbreviation, a line
break that follows no colon). So ``Order 5521 arrived - call me at ...`` labels nothing
(``at`` is nearest), nor ``About the order, my number is ...``.

Words are matched lower case and without accents (the detector reads the normalized
text). Besides the lists, a compound that ends in ``nummer``, ``numero`` or ``nr``
(``Kundennummer``, ``tilausnumero``, ``Bestellnr``) is a numbering word unless it names a
telephone (``Telefonnummer``, ``Handynr``, ``puhelinnumero``).
"""

from __future__ import annotations

import re

from guard.pii.recognizers import plain
from guard.pii.telephony import PHONE_WORDS

_NUMBERING: dict[str, tuple[str, ...]] = {
    "en": (
        "order", "orders", "invoice", "inv", "customer", "cust", "client", "ticket", "tkt",
        "tracking", "shipment", "parcel", "package", "consignment", "waybill", "awb",
        "account", "acct", "acc", "reference", "ref", "case", "booking", "reservation",
        "policy", "serial", "sn", "po", "purchase", "confirmation", "conf", "transaction",
        "txn", "trx", "receipt", "claim", "contract", "member", "membership", "loyalty",
        "card", "license", "licence", "permit", "registration", "reg", "passport",
        "application", "request", "req", "incident", "issue", "bug", "job", "batch", "lot",
        "sku", "item", "article", "part", "model", "product", "catalog", "catalogue",
        "voucher", "coupon", "promo", "rma", "return", "refund", "quote", "quotation",
        "estimate", "project", "subscription", "user", "userid", "uid", "id", "ids",
        "employee", "staff", "student", "patient", "record", "mrn", "file", "document",
        "doc", "docket", "dossier", "loan", "mortgage", "meter", "vin", "imei", "iccid",
        "isbn", "issn", "ean", "upc", "asin", "gtin", "ssn", "ss", "security", "sin", "nin",
        "tax", "vat", "tin", "ein", "itin", "routing", "aba", "iban", "bic", "swift",
        "pin", "otp", "code", "build", "version", "bill", "statement", "payment", "cheque",
        "transfer", "wire", "delivery", "dispatch", "shipping", "problem", "task", "defect",
        "timestamp", "epoch", "unix", "unixtime",
        # bank and branch codes beside account numbers: routing (ABA), sort code, BSB, IFSC
        "bank", "sort", "bsb", "ifsc", "clabe", "branch", "transit",
    ),
    "de": (
        "bestellung", "rechnung", "kunde", "kunden", "auftrag", "auftrags", "vertrag",
        "vorgang", "sendung", "paket", "buchung", "konto", "referenz", "aktenzeichen", "az",
        "beleg", "quittung", "lieferschein", "artikel", "fall", "lieferung", "zahlung",
        "mitglied", "ausweis", "versicherungsschein", "kennung", "blz", "bankleitzahl",
    ),
    "fr": (
        "commande", "facture", "client", "dossier", "suivi", "colis", "contrat", "compte",
        "adherent", "sinistre", "bon", "recu", "expedition", "livraison", "abonne", "serie",
    ),
    "es": (
        "pedido", "factura", "cliente", "referencia", "seguimiento", "reserva", "localizador",
        "poliza", "cuenta", "contrato", "expediente", "envio", "albaran", "socio", "orden",
        "serie", "caso", "incidencia", "siniestro", "recibo", "agencia", "sucursal",
    ),
    "it": (
        "ordine", "fattura", "riferimento", "pratica", "prenotazione", "spedizione",
        "tracciamento", "polizza", "contratto", "conto", "tessera", "seriale", "matricola",
        "codice", "ricevuta",
    ),
    "pt": (
        "encomenda", "fatura", "protocolo", "rastreamento", "rastreio", "apolice", "conta",
        "nota", "fiscal", "processo",
    ),
    "nl": ("bestelling", "factuur", "klant", "referentie", "zaak", "boeking", "polis",
           "rekening", "zending"),
    "da, no, sv": ("ordre", "faktura", "kund", "referens", "bokning", "arende", "sak",
                   "forsendelse", "sandning"),
    "fi": ("tilaus", "lasku", "asiakas", "viite", "varaus", "tili"),
    "pl": ("zamowienia", "zamowienie", "faktury", "klienta", "zgloszenia", "rezerwacji",
           "konta", "umowy", "przesylki"),
    "cs, ro, tr, hu": ("objednavky", "zakaznika", "smlouvy", "zasilky", "comanda", "comenzii",
                       "facturii", "clientului", "siparis", "musteri", "fatura", "kargo",
                       "takip", "rendeles", "szamla", "ugyfel"),
    "ru": ("заказа", "заказ", "счета", "счет", "договора", "клиента", "накладнои", "заявки",
           "посылки", "отслеживания"),
}

def _as_read(word: str) -> str:
    """``word`` as the detector's normalized view writes it (Cyrillic look-alikes of Latin
    letters folded: ``заказа`` reads ``зaкaзa``)."""
    from guard.content.normalize import normalize

    return normalize(word, fold_case=False).text.lower()


NUMBERING_WORDS = frozenset(form for words in _NUMBERING.values() for word in words
                            for form in (word, _as_read(word)))
"""Words that label a number as something other than a phone number, as written and as
the normalized view reads them."""

_FILLERS = (
    "number", "numbers", "no", "nos", "nr", "nro", "nbr", "num", "numero", "nummer",
    "numer", "n", "is", "was", "lautet", "ist", "est", "es", "e", "de", "del", "do", "da",
    "di", "d", "du", "des", "of", "the", "my", "your", "our", "time", "numar", "cislo",
    "numarasi", "numara", "szama", "szam", "номер",
)
FILLERS = frozenset(form for word in _FILLERS for form in (word, _as_read(word)))
"""Small words between a label and its value; at most :data:`MAX_FILLERS` are skipped
(``order number is``, but not ``the order, my number is``)."""
ABBREVIATION = 4
"""A full stop after a numbering word this short ends an abbreviation (``Inv.``, ``Ref.``,
``Acct.``), after a longer one a sentence (``I placed an order. 4155550123 is my cell``)."""
MAX_FILLERS = 2

SIGNS = frozenset("#")
"""``#`` before a number says it is a number of something (``№`` reads ``No``: a filler)."""

SUFFIXES = ("nummer", "nummern", "numero", "nr", "szam", "szama", "numarasi")
PHONE_STEMS = ("tel", "fax", "handy", "mobil", "ruf", "notruf", "puhelin", "gsm", "phone",
               "cell", "durchwahl", "festnetz", "tlf", "tfn", "whatsapp", "hivo")
"""A compound with one of these stems names a telephone: ``Telefonnummer``, ``Faxnr``."""

SKIPPED = frozenset(":-(/'\u2019\u00b0")
"""Punctuation between a label and its value: ``Order: ``, ``numero d'ordine``, ``N°``."""

KEY_CONTACT = frozenset({"contact", "msisdn", "sms", "dial", "number"})
"""Beside the phone words, parts of key names whose value may be a phone number:
``contact=``, ``msisdn=``, ``number=``."""
KEY_STEMS = ("phone", "mobile", "cellphone", "telephone", "telefon", "fax", "msisdn")
"""Key parts written joined: ``phonenumber``, ``telefonnummer``."""
_KEY = re.compile(r"(?P<name>[A-Za-z][\w.\-]*)(?P<quote>[\"']?)\s*(?P<sign>[=:])\s*[\"']?\Z")
_JOINED = re.compile(r"[_.\-]|[a-z][A-Z]")
"""A key name, not a word: ``order_id``, ``orderId``, ``order.id``."""
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

_IBAN_HEAD = re.compile(r"(?<![^\W_])[A-Za-z]{2}\d{2}(?:[ -][A-Za-z0-9]{4})+[ -]\Z")
"""A country code, check digits and groups of four: the head of an IBAN written in groups,
whose digit groups after it are the account number's, not a phone number."""
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|\n")
_LOOK_BACK = 80


def is_numbering_word(word: str) -> bool:
    """Whether ``word`` (lower case) labels a number as not a phone number."""
    if word in NUMBERING_WORDS:
        return True
    return (any(word.endswith(s) and len(word) > len(s) + 2 for s in SUFFIXES)
            and not word.startswith(PHONE_STEMS))


def numbered(text: str, start: int) -> bool:
    """Whether a numbering word (or ``#``) labels the number at ``text[start]``, or it is
    the value of a key that names no telephone (:func:`keyed`)."""
    key = keyed(text, start)
    if key is not None:
        return key
    tokens = _TOKEN.findall(plain(text[max(0, start - _LOOK_BACK):start].lower()))
    skipped = 0
    for at in range(len(tokens) - 1, -1, -1):
        token = tokens[at]
        if token in SIGNS:
            return True
        if token in SKIPPED:
            continue
        if token in "\n.":
            if _continues(token, tokens[at - 1] if at else ""):
                continue
            return False
        if not token.isalnum():
            return False
        if token in FILLERS and skipped < MAX_FILLERS:
            skipped += 1
            continue
        return is_numbering_word(token)
    return False


def continues_account(text: str, start: int) -> bool:
    """Whether the number at ``start`` follows the head of an IBAN written in groups
    (``NL54 VFOH 0891 9177 26``): the rest of an account number, however it is grouped."""
    return _IBAN_HEAD.search(text, max(0, start - _LOOK_BACK), start) is not None


def keyed(text: str, start: int) -> bool | None:
    """Whether the number at ``start``, the value of a key in code, a log line, JSON or a
    query string (``created_at=1700000000``, ``"order_id": "4155550123"``, ``orderId:``),
    is *not* a phone number: ``None`` when no such key stands right before it; ``False``
    when the key names a telephone or a contact (``phone=``, ``"mobileNumber":``)."""
    name = key_name(text, start)
    if name is None:
        return None
    return not any(names_telephone(part.lower()) for part in _PARTS.findall(name))


def key_name(text: str, start: int) -> str | None:
    """The name of the key in code, a log line, JSON or a query string whose value starts
    at ``start``; ``None`` when there is none (a label in prose, ``Order: ...``, is no key:
    the words decide)."""
    match = _KEY.search(text, max(0, start - _LOOK_BACK), start)
    if match is None:
        return None
    name, quote, sign = match.group("name", "quote", "sign")
    if sign == ":" and not quote and not _JOINED.search(name):
        return None
    return name


def names_telephone(part: str) -> bool:
    """Whether ``part`` (lower case) of a key or field name names a telephone or a
    contact: ``phone``, ``msisdn``, ``contact``, ``telefonnummer``."""
    return part in PHONE_WORDS or part in KEY_CONTACT or part.startswith(KEY_STEMS)


def _continues(token: str, before: str) -> bool:
    """Whether a line break or full stop still joins a label to its value: a line break
    after a colon (a form's field), a full stop that ends an abbreviation (``No.``,
    ``Inv.``)."""
    if token == "\n":
        return before == ":"
    return before in FILLERS or (is_numbering_word(before) and (
        len(before) <= ABBREVIATION or before.endswith("nr")))


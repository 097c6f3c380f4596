"""Which entities guard can detect, and which Presidio recognizer finds each.

The registry is explicit (never Presidio's "load everything" default): an entity
named in a policy builds exactly its recognizer, nothing else runs. Pattern
entities may carry a *candidate*: an RE2 regex that matches wherever the
recognizer could possibly match (a superset). Candidates serve twice: one
``re2.Set`` pass tells which recognizers can match a text at all, and each
recognizer then runs only on small windows around its candidates instead of the
whole text. Entities without a candidate are analyzed on the whole text.

This module imports nothing heavy: policy validation reads it without loading
Presidio or spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinEntity:
    """An entity Presidio's pattern recognizers detect."""

    name: str
    recognizer: str  # class in presidio_analyzer.predefined_recognizers; "guard": guard's own
    candidate: str | None = None  # RE2: present in every match; None = always analyze
    windowed: bool = False  # analyze only windows around candidates, not the whole text


_DIGITS_9 = r"\d{3}[- .]?\d{2}[- .]?\d{4}"

PATTERN_ENTITIES: dict[str, BuiltinEntity] = {e.name: e for e in (
    BuiltinEntity("EMAIL_ADDRESS", "EmailRecognizer", r"@", windowed=True),
    # guard's own recognizer (guard.pii.phones) on libphonenumber
    BuiltinEntity("PHONE_NUMBER", "guard", r"\d(?:[^\pL\n]{0,3}\d){5,}", windowed=True),
    # Presidio's recognizer (Luhn) with guard's issuer ranges beside its pattern (guard.pii.cards)
    BuiltinEntity("CREDIT_CARD", "CreditCardRecognizer", r"\d(?:[ -]?\d){11,18}",
                  windowed=True),
    # The whole value, not a prefix: a window cut at a space inside an IBAN would
    # end the match early and fail its checksum. Any case and spacing (guard.pii.ibans).
    BuiltinEntity("IBAN_CODE", "IbanRecognizer", r"[A-Za-z]{2}\d{2}(?:[ -]{0,3}[A-Za-z0-9]){8,}",
                  windowed=True),
    BuiltinEntity("IP_ADDRESS", "IpRecognizer",
                  r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]*:[0-9A-Fa-f]*:", windowed=True),
    BuiltinEntity("US_SSN", "UsSsnRecognizer", _DIGITS_9 + r"|\d{5}-\d{4}|\d{3}-\d{6}",
                  windowed=True),
    BuiltinEntity("US_ITIN", "UsItinRecognizer", r"9\d{2}[- ]?\d{2}[- ]?\d{4}", windowed=True),
    BuiltinEntity("URL", "UrlRecognizer", r"\.[A-Za-z]{2}|://", windowed=True),
    BuiltinEntity("MAC_ADDRESS", "MacAddressRecognizer", r"[0-9A-Fa-f]{2}[:.\-][0-9A-Fa-f]{2}",
                  windowed=True),
    BuiltinEntity("UUID", "UuidRecognizer", r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}", windowed=True),
    BuiltinEntity("CRYPTO", "CryptoRecognizer", r"(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,}",
                  windowed=True),
    BuiltinEntity("DATE_TIME", "DateRecognizer"),
    BuiltinEntity("US_BANK_NUMBER", "UsBankRecognizer", r"\d"),
    BuiltinEntity("US_DRIVER_LICENSE", "UsLicenseRecognizer"),
    BuiltinEntity("US_PASSPORT", "UsPassportRecognizer", r"\d"),
    BuiltinEntity("US_MBI", "UsMbiRecognizer"),
    BuiltinEntity("US_NPI", "UsNpiRecognizer", r"\d"),
    BuiltinEntity("ABA_ROUTING_NUMBER", "AbaRoutingRecognizer", r"\d"),
    BuiltinEntity("MEDICAL_LICENSE", "MedicalLicenseRecognizer"),
    BuiltinEntity("UK_NHS", "NhsRecognizer", r"\d"),
    BuiltinEntity("UK_NINO", "UkNinoRecognizer"),
    BuiltinEntity("UK_PASSPORT", "UkPassportRecognizer"),
    BuiltinEntity("UK_POSTCODE", "UkPostcodeRecognizer"),
    BuiltinEntity("UK_DRIVING_LICENCE", "UkDrivingLicenceRecognizer"),
    BuiltinEntity("CA_SIN", "CaSinRecognizer", r"\d"),
    BuiltinEntity("CA_POSTAL_CODE", "CaPostalCodeRecognizer"),
    BuiltinEntity("AU_ABN", "AuAbnRecognizer", r"\d"),
    BuiltinEntity("AU_ACN", "AuAcnRecognizer", r"\d"),
    BuiltinEntity("AU_TFN", "AuTfnRecognizer", r"\d"),
    BuiltinEntity("AU_MEDICARE", "AuMedicareRecognizer", r"\d"),
    BuiltinEntity("IN_PAN", "InPanRecognizer"),
    BuiltinEntity("IN_AADHAAR", "InAadhaarRecognizer", r"\d"),
    BuiltinEntity("IN_PASSPORT", "InPassportRecognizer"),
    BuiltinEntity("IN_VOTER", "InVoterRecognizer"),
    BuiltinEntity("ES_NIF", "EsNifRecognizer"),
    BuiltinEntity("ES_NIE", "EsNieRecognizer"),
    BuiltinEntity("IT_FISCAL_CODE", "ItFiscalCodeRecognizer"),
    BuiltinEntity("IT_VAT_CODE", "ItVatCodeRecognizer", r"\d"),
    BuiltinEntity("PL_PESEL", "PlPeselRecognizer", r"\d"),
    BuiltinEntity("FI_PERSONAL_IDENTITY_CODE", "FiPersonalIdentityCodeRecognizer"),
    BuiltinEntity("SE_PERSONNUMMER", "SePersonnummerRecognizer", r"\d"),
    BuiltinEntity("SG_NRIC_FIN", "SgFinRecognizer"),
    BuiltinEntity("DE_TAX_ID", "DeTaxIdRecognizer", r"\d"),
    BuiltinEntity("DE_VAT_ID", "DeVatIdRecognizer"),
    BuiltinEntity("KR_RRN", "KrRrnRecognizer", r"\d"),
    BuiltinEntity("TR_NATIONAL_ID", "TrNationalIdRecognizer", r"\d"),
)}
"""Pattern entities, detected without any NLP model."""

NER_ENTITIES: frozenset[str] = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})
"""Entities only a spaCy NER pipeline finds (``settings.pii.nlp_model``)."""

DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "CA", "BR", "IL")
"""Regions whose national formats the phone recognizer tries everywhere (Presidio's
defaults); numbers written with a ``+country`` prefix are found whatever the list."""

CONTEXT_PHONE_REGIONS = (
    # the EU and the EEA but Luxembourg (whose plan has valid numbers of 4 to 11 digits
    # of almost any shape: `2019 2020`, `(2 500 000`), Switzerland, the UK
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI",
    "NO", "CH", "GB",
    # populous others
    "US", "CA", "MX", "BR", "AR", "AU", "NZ", "IN", "IL", "TR", "UA", "RU", "ZA", "JP",
    "KR", "CN",
)
"""Regions whose national formats count only where a phone word precedes the number
or a label follows it (``Tel.: 60 56 85 91``, ``416 60 039 office``)."""


def known_entities(with_ner: bool) -> tuple[str, ...]:
    """Every built-in entity name a policy may list, sorted."""
    names = set(PATTERN_ENTITIES)
    if with_ner:
        names |= NER_ENTITIES
    return tuple(sorted(names))

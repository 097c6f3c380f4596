"""The telephony lexicon: words by which people say that a number is a phone number.

A phone word admits a national number that nothing else would: among the three words
before it, a phone word makes a 7-digit number of a configured region, or a 7-digit
number of any of some forty further regions, a phone number (:mod:`guard.pii.phones`).
Almost any 7 or 8 digits are valid *somewhere*, so the word is the only evidence, and a
word earns its place by how it is used, not by which misses it would fix:

- :data:`PHONE_WORDS` name the telephone or the act of phoning and rarely introduce any
  other number: the line (phone, mobile, cell, landline, fax, hotline, extension), the
  call (call, ring, dial), texts and voice messages (SMS, texting, voicemail), the apps
  numbers are written for (WhatsApp, Telegram). They count wherever they stand among the
  three words before the number.
- :data:`REACH_WORDS` are about reaching a person but have everyday senses too: the
  message in a thread, the answer to a question, the contact record, downloads that
  reached a figure, a function called a million times. They count only when they
  *introduce* the number with a preposition of destination (:data:`DESTINATIONS`), the
  verb, an object or not, then the preposition: ``not answering at ...``, ``messages to
  ...``, ``reach us on ...``, ``erreichbar unter ...``, ``joignable au ...``; never
  ``message #44512309``, ``answering 3 of 12 questions``, ``contact id 48213377``.

Left out on purpose: ``number`` (cards, orders and SSNs have numbers; it only raises a
score), the bare ``answer`` and ``reach`` (``the answer is 3628800``), ``line`` and
``app`` (code and software), ``llama`` (a model, not Spanish for *calls*), ``appel`` (the
French tender, ``appel d'offres n° ...``). Each language lists the inflections people
write; words are matched whole, lower case, without accents (text is matched on its
normalized view: ``telemóvel`` reads ``telemovel``); entries with a space are phrases.
"""

from __future__ import annotations

_PHONE_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "phone", "phones", "phoned", "phoning", "telephone", "telephoned", "telephoning",
        "tel", "mobile", "mob", "cell", "cellphone", "cellular", "landline", "hotline",
        "helpline", "fax", "pager", "extension", "ext", "contact number",
        "call", "callback", "ring", "rang", "ringing", "dial",
        "dials", "dialed", "dialled", "dialing", "dialling",
        "sms", "mms", "texted", "texting", "text me", "text us", "voicemail", "voice mail",
        "answerphone", "answering machine", "reach me",
        "whatsapp", "telegram", "viber", "imessage", "facetime", "skype",
    ),
    "de": (
        "telefon", "telefonnummer", "telefonisch", "telefonieren", "rufnummer", "handy",
        "handynummer", "mobil", "mobilnummer", "mobiltelefon", "festnetz", "durchwahl",
        "anruf", "anrufen", "angerufen", "ruf", "rufen", "anrufbeantworter",
    ),
    "fr": (
        "portable", "appeler", "appelez", "appelle", "rappeler", "rappelez", "texto",
        "repondeur", "telecopie",
    ),
    "es": (
        "telefono", "telf", "tfno", "movil", "celular", "llamar", "llame", "llamame",
        "llamenos", "llamada", "contestador",
    ),
    "pt": ("telefone", "telemovel", "telefonar", "ligar", "ligue", "ligacao"),
    "it": (
        "cellulare", "telefonare", "chiamare", "chiama", "chiamami", "chiamateci",
        "chiamata", "segreteria telefonica",
    ),
    "nl": ("telefoon", "telefoonnummer", "mobiel", "gsm", "bellen", "bel", "gebeld"),
    "da, no, sv": ("tlf", "tfn", "mobilnummer", "ringe", "ringa"),
    "fi": ("puhelin", "puh", "matkapuhelin", "soita", "soittaa"),
    "pl, cs": ("telefonu", "komorka", "dzwonic", "zadzwon", "volejte", "volat"),
}

_REACH_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "called", "calls", "calling", "text", "texts", "message", "messages", "messaged",
        "messaging", "signal", "answering", "reach", "reached", "reaching", "reachable",
        "contact", "contacted", "contacting", "contactable",
    ),
    "de": ("erreichbar", "erreichen", "nachricht", "kontakt"),
    "fr": ("joignable", "joindre", "contacter", "contactez"),
    "es": ("mensaje", "mensajes", "localizable", "contactar", "contacto"),
    "pt": ("mensagem", "contato", "contactar"),
    "it": ("messaggio", "reperibile", "contattare", "contattami"),
    "nl": ("bereikbaar",),
}

_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "en": ("at", "on", "to", "via", "under"),
    "de": ("unter", "an", "auf", "per"),
    "fr": ("au", "sur"),
    "es": ("al", "en"),
    "pt": ("no", "para", "pelo"),
    "nl": ("op",),
    "da, no, sv": ("pa",),
}


def _flat(lexicon: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word for words in lexicon.values() for word in words))


PHONE_WORDS = _flat(_PHONE_WORDS)
"""Words that say a number among the three words after them is a phone number."""

REACH_WORDS = _flat(_REACH_WORDS)
"""Words that say so only when a :data:`DESTINATIONS` word follows them."""

DESTINATIONS = frozenset(_flat(_DESTINATIONS))
"""Prepositions that introduce where someone is reached: the word right before the number."""

"""Dotted quads that are versions or OIDs are not IP addresses (guard/pii/versions.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.pii.build import pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.pii.versions import not_an_address

IPS = pattern_recognizer("IP_ADDRESS", DEFAULT_PHONE_REGIONS)


def addresses(text: str) -> list[str]:
    return [text[f.start:f.end] for f in IPS.find(text)]


@pytest.mark.parametrize("text", [
    "Upgraded to version 4.3.2.1 last night", "Version: 1.0.0.1", "version is 2.0.1.3",
    "Release 2.0.1.0 fixes the login bug", "build 10.0.1.5 passed", "Firmware 1.0.2.15",
    '[assembly: AssemblyVersion("1.0.0.0")]', "FileVersion 6.1.7.1", "Versión 4.3.2.1",
    "Bump libfoo from 1.2.3.4 to 1.2.3.5", "1.2.3.4-beta is out", "ship 2.0.0.1rc1",
    "### 3.2.1.4 (2024-02-11)", "## [1.2.3.4] - 2024-02-11", "pip install foo==1.2.3.4",
    '"foo": "^1.2.3.4"', "requires bar>=2.0.0.0", "Server: nginx/1.25.3.1",
    "python-requests/2.31.0.1", "Mozilla/5.0 Chrome/120.0.6099.109",
    # object identifiers
    "OID 1.3.6.1.4.1.311.21.8", "sysDescr .1.3.6.1.2.1.1.1.0 = STRING: Linux",
    "sha256WithRSAEncryption 1.2.840.113549.1.1.11", "OID 2.5.4.3 (commonName)",
    "attributetypes: ( 2.5.4.3 NAME 'cn' SUP name )", "the OID is 2.5.4.3 for cn",
    "OID 1.3.6.1.4.1.311.21.8 and 2.5.4.3",
])
def test_versions_and_oids_are_not_addresses(text: str) -> None:
    assert addresses(text) == []


@pytest.mark.parametrize(("text", "address"), [
    ("Failed password for root from 203.0.113.45 port 22", "203.0.113.45"),
    ("snmpwalk -v2c -c public 10.1.2.3 1.3.6.1.2.1.1", "10.1.2.3"),  # the agent, not the OID
    ("IP-MIB::ipAdEntIfIndex.192.168.1.10 = INTEGER: 2", "192.168.1.10"),  # an SNMP index
    ("192.168.1.1.1", "192.168.1.1"),          # a longer run not rooted like an OID
    ("the build server 10.0.0.5 is down", "10.0.0.5"),  # a version word not its label
    ("version control lives on 10.0.0.7", "10.0.0.7"),
    ("ping 1.1.1.1.", "1.1.1.1"),              # a full stop ends the sentence
    ("route 10.0.0.0/8 via eth0", "10.0.0.0/8"),
    ("host 2001:db8::1 answered", "2001:db8::1"),
    ('10.0.0.1 - - [17/May/2024:10:22:01 +0000] "GET / HTTP/1.1" 200', "10.0.0.1"),
    ("ssh root@10.0.0.2 (2024-05-17)", "10.0.0.2"),  # a date, not a changelog heading
    ("http://10.0.0.3/admin", "10.0.0.3"),    # a URL's host, after //
    ("GET /hosts/10.0.0.4 404", "10.0.0.4"),  # a path segment, after a slash and a word
])
def test_addresses_beside_version_and_oid_words_are_still_found(text: str,
                                                                 address: str) -> None:
    assert addresses(text) == [address]


OCTET = st.integers(0, 255).map(str)
QUAD = st.tuples(OCTET, OCTET, OCTET, OCTET).map(".".join)


@settings(max_examples=80, deadline=None)
@given(quad=QUAD, before=st.sampled_from(["from ", "ip=", "host ", "(", "", "to "]),
       after=st.sampled_from(["", " ", ")", ":22", ", ", ". "]))
def test_a_quad_in_plain_network_text_is_an_address(quad: str, before: str,
                                                    after: str) -> None:
    text = f"{before}{quad}{after}"
    assert not not_an_address(text, len(before), len(before) + len(quad))


@pytest.mark.parametrize("text", [
    "Section 1.2.3.4 of the contract", "see clause 4.3.2.1", "§ 4.3.2.1 BGB",
    "Art. 2.1.3.4 DSGVO", "Kapitel 3.1.2.4", "requirement 4.2.1.3 is met",
])
def test_the_numbers_of_parts_of_documents_are_not_addresses(text: str) -> None:
    assert addresses(text) == []


@pytest.mark.parametrize("text", [
    "fingerprint de:ad:be:ef:00:11:22:33",
    "SHA1 Fingerprint=4E:5F:6A:7B:8C:9D:AE:BF:C0:D1:E2:F3:04:15:26:37:48:59:6A:7B",
])
def test_runs_of_hex_pairs_are_fingerprints_not_ipv6(text: str) -> None:
    assert addresses(text) == []


@pytest.mark.parametrize("address", ["fe80::1ff:fe23:4567:890a", "2001:db8:0:0:0:0:2:1",
                                     "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::1"])
def test_ipv6_addresses_stay_addresses(address: str) -> None:
    assert addresses(f"login from {address} failed") == [address]

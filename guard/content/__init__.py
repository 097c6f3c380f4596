"""Content detection for ``type: content`` policies.

- :mod:`~guard.content.normalize`: the normalized views of a text and their offset maps
  (usable by any detector that must redact the original span);
- :mod:`~guard.content.catalog`: the built-in secrets and injection rules, read from
  ``guard/data/``;
- :mod:`~guard.content.matcher`: one ``re2.Set`` per view, then spans for what matched;
- :mod:`~guard.content.scanner`: every detector of one policy over one text;
- :mod:`~guard.content.secrets` and :mod:`~guard.content.decode`: placeholder filtering
  and base64 decode-then-rescan.

Nothing here imports RE2 until a policy is compiled.
"""

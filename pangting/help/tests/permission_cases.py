"""The help app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

The guides describe pages, not records: every signed-in user may read every guide; a visitor
is sent to sign in; an unknown guide answers 404.
"""

from __future__ import annotations

from pangting.tests.matrix import EVERYONE, Case

CASES = [
    Case("help:index", EVERYONE),
    Case("help:guide", EVERYONE, variant="secretary", kwargs=lambda w: {"slug": "secretary"}),
    Case("help:guide", EVERYONE, variant="admin", kwargs=lambda w: {"slug": "admin"}),
    Case("help:guide", frozenset(), variant="unknown", kwargs=lambda w: {"slug": "nosuchguide"}),
]
